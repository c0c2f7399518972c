package endpointmgr_test

import (
	"testing"

	"github.com/iotapi/iotapi/endpointmgr"
	"github.com/iotapi/iotapi/internal/fixture"
)

func BenchmarkDecodeEndpointMgr(b *testing.B) {
	type item struct {
		ErrorCode  int    `json:"error_code"`
		ErrorToken string `json:"error_token"`
		Message    string `json:"message"`
	}
	type plain struct {
		item
		Errors []item `json:"errors"`
	}
	fixture.BenchDecode(b, endpointmgr.CheckResponse, endpointmgr.Name, "doc_example_1400_nested", func() any { return new(plain) })
}
