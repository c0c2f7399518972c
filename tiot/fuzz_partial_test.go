package tiot_test

import (
	"testing"

	"github.com/iotapi/iotapi/internal/fixture"
	"github.com/iotapi/iotapi/tiot"
)

// FuzzCheckPartial feeds CheckPartial arbitrary statuses, headers and
// bodies, seeded with every tiot fixture and near misses of each, and
// multi-item bodies. Properties: fixture.CheckPartialFuzzProperties.
func FuzzCheckPartial(f *testing.F) {
	fixture.FuzzSeeds(f, tiot.Name)
	f.Add(200, "", []byte(`{"entities":[],"errors":[{"title":"Not Found","status":404,"instance":"x"},"text",{"errors":[]}]}`))
	f.Add(207, "X-Tardis-Traceid: t\r\n", []byte(`{"errors":{"detail":"one"},"traceId":"b"}`))
	f.Fuzz(func(t *testing.T, status int, header string, body []byte) {
		fixture.CheckPartialFuzzProperties(t, tiot.CheckPartial, status, header, body)
	})
}
