package dt_test

import (
	"testing"

	"github.com/iotapi/iotapi/dt"
	"github.com/iotapi/iotapi/internal/fixture"
)

func BenchmarkDecodeDT(b *testing.B) {
	type plain struct {
		Error string `json:"error"`
		Code  int    `json:"code"`
		Help  string `json:"help"`
	}
	fixture.BenchDecode(b, dt.CheckResponse, dt.Name, "409", func() any { return new(plain) })
}
