package dt

import (
	"time"

	"github.com/iotapi/iotapi"
)

// RateLimit is DT's documented limit: 75 requests per 10 seconds, in
// bursts up to the whole 75 ("shorter bursts, up to the limit"). Its
// limiter lets 75 calls go at once after a quiet window and then keeps
// every 10.1 s to 75. Pace calls with
// iotapi.WithRateLimit(RateLimit.NewLimiter()), one limiter per DT
// account.
var RateLimit = iotapi.RateLimit{Requests: 75, Per: 10 * time.Second}
