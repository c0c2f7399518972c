package endpointmgr

import (
	"time"

	"github.com/iotapi/iotapi"
)

// Endpoint Manager's documented limits.
var (
	// RateLimit: 2,000 requests per IP address per 5 minutes. Share one
	// limiter among every client calling from the same address.
	RateLimit = iotapi.RateLimit{Requests: 2000, Per: 5 * time.Minute}
	// EndpointListRateLimit: the endpoint listing path allows 10 requests
	// per second with a burst of 5: a limiter lets 5 calls go at once and
	// keeps within 10 in any second and 5 in any 500 ms, which also keeps
	// within a token bucket of 5 refilled at 10 per second.
	EndpointListRateLimit = iotapi.RateLimit{Requests: 10, Per: time.Second, Burst: 5}
	// AuthenticateRateLimit: 100 authentication requests per 5 minutes.
	AuthenticateRateLimit = iotapi.RateLimit{Requests: 100, Per: 5 * time.Minute}
)
