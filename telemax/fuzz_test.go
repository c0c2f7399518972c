package telemax_test

import (
	"testing"

	"github.com/iotapi/iotapi/internal/fixture"
	"github.com/iotapi/iotapi/telemax"
)

// FuzzCheckResponse feeds CheckResponse arbitrary statuses, headers and
// bodies, seeded with every telemax fixture and near misses of each. Properties
// (fixture.CheckFuzzProperties): it never panics; a 2xx gives nil and any
// other status an *iotapi.APIError with that status; the caller reads back
// every byte of the body; Error() is one line with no planted secret.
func FuzzCheckResponse(f *testing.F) {
	fixture.FuzzSeeds(f, telemax.Name)
	f.Fuzz(func(t *testing.T, status int, header string, body []byte) {
		fixture.CheckFuzzProperties(t, telemax.CheckResponse, status, header, body)
	})
}
