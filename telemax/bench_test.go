package telemax_test

import (
	"testing"

	"github.com/iotapi/iotapi/internal/fixture"
	"github.com/iotapi/iotapi/telemax"
)

func BenchmarkDecodeTelemax(b *testing.B) {
	type plain struct {
		Type        string `json:"type"`
		Code        string `json:"code"`
		Description string `json:"description"`
		RequestID   string `json:"requestId"`
		DocURL      string `json:"docUrl"`
	}
	fixture.BenchDecode(b, telemax.CheckResponse, telemax.Name, "token_expired", func() any { return new(plain) })
}
