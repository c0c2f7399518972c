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
	// per second (burst 5).
	EndpointListRateLimit = iotapi.RateLimit{Requests: 10, Per: time.Second}
	// AuthenticateRateLimit: 100 authentication requests per 5 minutes.
	AuthenticateRateLimit = iotapi.RateLimit{Requests: 100, Per: 5 * time.Minute}
)
