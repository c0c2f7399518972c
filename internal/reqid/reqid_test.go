package reqid

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestFromHeader(t *testing.T) {
	assert.Equal(t, "", FromHeader(http.Header{}))
	assert.Equal(t, "a1", FromHeader(http.Header{"X-Amzn-Requestid": {"a1"}}))
	h := http.Header{}
	h.Set("x-amzn-RequestId", "a2") // canonicalized by Set
	assert.Equal(t, "a2", FromHeader(h))
	assert.Equal(t, "x1", FromHeader(http.Header{"X-Request-Id": {"x1"}, "X-Amzn-Requestid": {"a1"}}), "most specific first")
	assert.Equal(t, "c1", FromHeader(http.Header{"X-Request-Id": {""}, "X-Correlation-Id": {"c1"}}), "empty values are skipped")
}
