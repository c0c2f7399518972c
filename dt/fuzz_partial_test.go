package dt_test

import (
	"testing"

	"github.com/iotapi/iotapi/dt"
	"github.com/iotapi/iotapi/internal/fixture"
)

// FuzzCheckPartial feeds CheckPartial arbitrary statuses, headers and
// bodies, seeded with every dt fixture and near misses of each, and batch
// bodies. Properties: fixture.CheckPartialFuzzProperties.
func FuzzCheckPartial(f *testing.F) {
	fixture.FuzzSeeds(f, dt.Name)
	f.Add(200, "", []byte(`{"batchErrors":[{"device":"d","status":{"code":"NOT_FOUND","message":"m"}},{"code":5}],"claimErrors":{"devices":[{"deviceId":"a","code":"X"}],"kits":null}}`))
	f.Add(200, "Content-Encoding: gzip\r\n", []byte{0x1f, 0x8b, 0x08, 0, 0, 0})
	f.Fuzz(func(t *testing.T, status int, header string, body []byte) {
		fixture.CheckPartialFuzzProperties(t, dt.CheckPartial, status, header, body)
	})
}
