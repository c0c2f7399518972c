package iotapi

import (
	"net/http"
	"strings"
	"sync"
)

// userAgent is the product token this library adds to every request's
// User-Agent: iotapi-go/<version>, or iotapi-go/devel in a build of this
// repository.
var userAgent = sync.OnceValue(func() string {
	v := Version()
	if !strings.HasPrefix(v, "v") {
		v = "devel"
	}
	return "iotapi-go/" + v
})

// ownUserAgent is the User-Agent header value of a request that set none.
// Attempts share it; net/http and RoundTrippers replace header values,
// they do not write into them.
var ownUserAgent = sync.OnceValue(func() []string { return []string{userAgent()} })

// attemptHeader returns the headers of one attempt: a copy of the
// caller's, with this library's product token after the caller's own
// User-Agent, as go-github, azcore and the AWS SDK add theirs.
func attemptHeader(h http.Header) http.Header {
	out := make(http.Header, len(h)+2) // room for User-Agent and Authorization
	for k, v := range h {
		out[k] = v // values are replaced, never written into
	}
	if own := h.Get("User-Agent"); own != "" {
		out["User-Agent"] = []string{own + " " + userAgent()}
	} else {
		out["User-Agent"] = ownUserAgent()
	}
	return out
}

// withUserAgent returns r, or a copy of it whose User-Agent ends with this
// library's product token when r's does not yet. The caller's request is
// never modified.
func withUserAgent(r *http.Request) *http.Request {
	if strings.HasSuffix(r.Header.Get("User-Agent"), userAgent()) {
		return r
	}
	c := *r
	c.Header = attemptHeader(r.Header)
	return &c
}
