package tellus

import (
	"time"

	"github.com/iotapi/iotapi"
)

// Tellus's documented limits, per client_id.
var (
	// QueryRateLimit: 60 queries per minute.
	QueryRateLimit = iotapi.RateLimit{Requests: 60, Per: time.Minute}
	// BatchControlRateLimit: 30 batch-control requests per minute.
	BatchControlRateLimit = iotapi.RateLimit{Requests: 30, Per: time.Minute}
	// TokenRateLimit: 10 token requests per minute; iotapi.WithTokenSource
	// keeps one fetch at a time and caches the token for its 24 hours.
	TokenRateLimit = iotapi.RateLimit{Requests: 10, Per: time.Minute}
)
