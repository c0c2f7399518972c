package telemax

import (
	"time"

	"github.com/iotapi/iotapi"
)

// RateLimitV2 is Telemax's documented limit on V2 endpoints (/api/v2/...):
// 60 requests per 60-second sliding window per token, the window its
// limiter keeps. V1 endpoints are not rate-limited. Use one limiter per
// token.
var RateLimitV2 = iotapi.RateLimit{Requests: 60, Per: time.Minute}
