package dt

import (
	"time"

	"github.com/iotapi/iotapi"
)

// RateLimit is DT's documented limit: 75 requests per 10 seconds (bursts
// allowed within it). Pace calls with iotapi.WithRateLimit(RateLimit.NewLimiter()),
// one limiter per DT account.
var RateLimit = iotapi.RateLimit{Requests: 75, Per: 10 * time.Second}
