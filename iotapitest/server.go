package iotapitest

import (
	"net/http"
	"net/http/httptest"
	"strings"
)

// okBodies are the vendors' successful bodies, as the simulator sends them.
var okBodies = map[string]string{
	"tellus": `{"code":0,"message":"success","data":{}}`,
}

// NewVendorServer starts a loopback server simulating a vendor: a request
// for /errors/NAME answers with the vendor's canned response NAME (see
// [Names]); any other path answers 200 with the vendor's success body.
// Close it when done.
func NewVendorServer(vendor string) *httptest.Server {
	ok := okBodies[vendor]
	if ok == "" {
		ok = `{}`
	}
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if name, found := strings.CutPrefix(r.URL.Path, "/errors/"); found {
			if resp, exists := Lookup(vendor, name); exists {
				resp.ServeHTTP(w, r)
				return
			}
			http.NotFound(w, r)
			return
		}
		JSON(http.StatusOK, ok).ServeHTTP(w, r)
	}))
}
