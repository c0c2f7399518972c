package tiot_test

import (
	"testing"

	"github.com/iotapi/iotapi/internal/fixture"
	"github.com/iotapi/iotapi/tiot"
)

func BenchmarkDecodeTIoT(b *testing.B) {
	type plain struct {
		Title  string `json:"title"`
		Detail string `json:"detail"`
		Errors []struct {
			Field   string `json:"field"`
			Message string `json:"message"`
		} `json:"errors"`
	}
	fixture.BenchDecode(b, tiot.CheckResponse, tiot.Name, "400_missing_or_malformed", func() any { return new(plain) })
}
