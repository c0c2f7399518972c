package tiot_test

import (
	"testing"

	"github.com/iotapi/iotapi/internal/fixture"
	"github.com/iotapi/iotapi/tiot"
)

// FuzzCheckResponseStrict is FuzzCheckResponse for the Vendor that turns an
// empty 200 into an error; a 200 may then give an *APIError, and the body
// must still be readable in full.
func FuzzCheckResponseStrict(f *testing.F) {
	fixture.FuzzSeeds(f, tiot.Name)
	strict := tiot.NewVendor(tiot.EmptyOKAsError())
	f.Fuzz(func(t *testing.T, status int, header string, body []byte) {
		if status == 200 && len(body) == 0 {
			status = 201 // an empty 200 is the documented error case, asserted in TestCheckResponse_Empty200
		}
		fixture.CheckFuzzProperties(t, strict.CheckResponse, status, header, body)
	})
}
