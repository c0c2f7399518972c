package envelope

import (
	"testing"

	"github.com/iotapi/iotapi"
	"github.com/stretchr/testify/assert"
)

func TestPrecedence_Apply(t *testing.T) {
	tokenExpired := Code{Status: 401, Kind: iotapi.TokenExpired}
	rateLimited := Code{Status: 429, Kind: iotapi.RateLimited, Retryable: true}
	for _, c := range []struct {
		name       string
		p          Precedence
		status     int
		row        Code
		wantKind   iotapi.Kind
		wantRetry  bool
		wantFault  iotapi.Fault
		wantDecide bool
	}{
		{"refines its own status", StatusFirst, 401, tokenExpired, iotapi.TokenExpired, false, iotapi.FaultClient, true},
		{"another status stands", StatusFirst, 403, tokenExpired, iotapi.PermissionDenied, false, iotapi.FaultClient, false},
		{"a retryable status stands with its retryability", StatusFirst, 503, tokenExpired, iotapi.Unavailable, true, iotapi.FaultServer, false},
		{"a status that says nothing", StatusFirst, 418, rateLimited, iotapi.RateLimited, true, iotapi.FaultClient, true},
		{"a 3xx says nothing either", StatusFirst, 302, rateLimited, iotapi.RateLimited, true, iotapi.FaultClient, true},
		{"canonical code on another status", CodeFirst, 500, Code{Status: 404, Kind: iotapi.NotFound}, iotapi.NotFound, false, iotapi.FaultClient, true},
		{"canonical code inside a 200", CodeFirst, 200, rateLimited, iotapi.RateLimited, true, iotapi.FaultClient, true},
		{"a row without a status keeps the status's fault", CodeFirst, 500, Code{Kind: iotapi.Conflict}, iotapi.Conflict, false, iotapi.FaultServer, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := &iotapi.APIError{StatusCode: c.status, Kind: iotapi.KindForStatus(c.status),
				Retryable: iotapi.RetryableStatus(c.status), Fault: iotapi.FaultForStatus(c.status)}
			assert.Equal(t, c.wantDecide, c.p.Apply(e, c.row))
			assert.Equal(t, c.wantKind, e.Kind)
			assert.Equal(t, c.wantRetry, e.Retryable)
			assert.Equal(t, c.wantFault, e.Fault)
		})
	}
}
