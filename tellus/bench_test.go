package tellus_test

import (
	"testing"

	"github.com/iotapi/iotapi/internal/fixture"
	"github.com/iotapi/iotapi/tellus"
)

func BenchmarkDecodeTellus(b *testing.B) {
	type plain struct {
		Code    int            `json:"code"`
		Message string         `json:"message"`
		Details map[string]any `json:"details"`
	}
	fixture.BenchDecode(b, tellus.CheckResponse, tellus.Name, "4001_conflict", func() any { return new(plain) })
}
