package iotapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/iotapitest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Helpers shared by this package's tests.

// sleeps records the waits the client plans, instead of sleeping them.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) record(d time.Duration) {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
}

func (s *sleeps) waits() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

// serve starts a loopback server for plan.
func serve(t *testing.T, plan *iotapitest.Plan) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(plan)
	t.Cleanup(srv.Close)
	return srv
}

// newClient returns a Client whose waits are recorded, not slept.
func newClient(v iotapi.Vendor, opts ...iotapi.Option) (*iotapi.Client, *sleeps) {
	s := &sleeps{}
	opts = append([]iotapi.Option{iotapi.WithRecordedWaits(s.record), iotapi.WithRand(func() float64 { return 0.5 })}, opts...)
	return iotapi.NewClient(&http.Client{}, v, opts...), s
}

func get(t *testing.T, c *iotapi.Client, url string) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	return c.Do(req)
}

func canned(vendor, name string) iotapitest.Action {
	return iotapitest.Respond(iotapitest.MustLookup(vendor, name))
}

func serveHandler(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	return serve(t, iotapitest.NewPlan(iotapitest.Always(h.ServeHTTP)))
}

// counting serves plan and counts attempts.
type counting struct {
	n    atomic.Int64
	next http.Handler
}

func (c *counting) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.n.Add(1)
	c.next.ServeHTTP(w, r)
}

// run makes calls from workers goroutines and returns the successes.
func run(t *testing.T, calls, workers int, do func() bool) int {
	t.Helper()
	var ok atomic.Int64
	var wg sync.WaitGroup
	jobs := make(chan struct{})
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range jobs {
				if do() {
					ok.Add(1)
				}
			}
		}()
	}
	for i := 0; i < calls; i++ {
		jobs <- struct{}{}
	}
	close(jobs)
	wg.Wait()
	return int(ok.Load())
}

// Planted credentials: each must stay out of everything the library prints.
var planted = map[string]string{
	"userinfo user":             "user-PLANTED-u1",
	"userinfo password":         "pw-PLANTED-u2",
	"authorization":             "bearer-PLANTED-a1",
	"proxy-authorization":       "basic-PLANTED-a2",
	"cookie":                    "cookie-PLANTED-b2",
	"x-api-key":                 "apikey-PLANTED-h1",
	"ocp-apim-subscription-key": "apim-PLANTED-h2",
	"x-amz-security-token":      "amz-PLANTED-h3",
	"private-token":             "gitlab-PLANTED-h4",
	"access_token":              "query-PLANTED-c3",
	"token":                     "query-PLANTED-d4",
	"client_secret":             "query-PLANTED-e5",
	"api_key":                   "query-PLANTED-f6",
	"sig":                       "sas-PLANTED-q1",
	"X-Amz-Signature":           "amzsig-PLANTED-q2",
	"subscription-key":          "apimq-PLANTED-q3",
	"key":                       "googkey-PLANTED-q4",
	"apikey after ;":            "semi-PLANTED-q5",
	"body":                      "body-PLANTED-g7",
}

// secretRequest builds a request carrying every planted credential.
func secretRequest(t *testing.T, method, base string) *http.Request {
	t.Helper()
	userinfo := url.UserPassword(planted["userinfo user"], planted["userinfo password"]).String() + "@"
	u := strings.Replace(base, "://", "://"+userinfo, 1) + fmt.Sprintf(
		"/v1/things?access_token=%s&token=%s&client_secret=%s&api_key=%s&sig=%s&X-Amz-Signature=%s&subscription-key=%s&key=%s&page=2;apikey=%s",
		planted["access_token"], planted["token"], planted["client_secret"], planted["api_key"], planted["sig"],
		planted["X-Amz-Signature"], planted["subscription-key"], planted["key"], planted["apikey after ;"])
	req, err := http.NewRequest(method, u, strings.NewReader(`{"password":"`+planted["body"]+`"}`))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+planted["authorization"])
	req.Header.Set("Proxy-Authorization", "Basic "+planted["proxy-authorization"])
	req.Header.Set("Cookie", "sid="+planted["cookie"]+"; theme=dark")
	req.Header.Set("X-Api-Key", planted["x-api-key"])
	req.Header.Set("Ocp-Apim-Subscription-Key", planted["ocp-apim-subscription-key"])
	req.Header.Set("X-Amz-Security-Token", planted["x-amz-security-token"])
	req.Header.Set("Private-Token", planted["private-token"])
	req.Header.Set("Idempotency-Key", "k1")
	return req
}

// echoing answers like a careless gateway: it echoes the credentials it
// received into response headers, around a documented error body.
func echoing(resp iotapitest.Response) iotapitest.Action {
	return func(w http.ResponseWriter, r *http.Request) {
		echoCredentials(w.Header(), r)
		resp.ServeHTTP(w, r)
	}
}

// echoCredentials sets response headers that echo every credential of r,
// as careless gateways do: verbatim, inside a WWW-Authenticate
// description, and inside URLs.
func echoCredentials(h http.Header, r *http.Request) {
	auth := r.Header.Get("Authorization")
	h.Set("Set-Cookie", r.Header.Get("Cookie"))
	h.Set("Authorization", auth)
	h.Set("X-Auth-Token", auth)
	h.Set("X-Echo", strings.Join([]string{r.Header.Get("X-Api-Key"), r.Header.Get("Ocp-Apim-Subscription-Key"),
		r.Header.Get("X-Amz-Security-Token"), r.Header.Get("Private-Token"), r.Header.Get("Proxy-Authorization")}, " "))
	h.Set("Www-Authenticate", `Bearer error="invalid_token", error_description="the token `+strings.TrimPrefix(auth, "Bearer ")+` is not valid"`)
	h.Set("Location", "https://vendor.test/retry?"+r.URL.RawQuery)
	h.Set("Content-Location", "https://vendor.test"+r.URL.RequestURI())
	h.Set("Link", "<https://vendor.test/next?"+r.URL.RawQuery+`>; rel="next"`)
}

// echoBody is an error body in which every text field any vendor's
// decoder reads echoes every credential of r.
func echoBody(r *http.Request) string {
	all := r.Method + " " + r.URL.String() + " " + r.Header.Get("Authorization") + " " + r.Header.Get("Cookie") + " " +
		r.Header.Get("X-Api-Key") + " " + r.Header.Get("Ocp-Apim-Subscription-Key") + " " + r.Header.Get("X-Amz-Security-Token") +
		" " + r.Header.Get("Private-Token") + " " + r.Header.Get("Proxy-Authorization")
	q, _ := json.Marshal(all)
	link, _ := json.Marshal("https://docs.vendor.test/errors?" + r.URL.RawQuery)
	return fmt.Sprintf(`{"error":%[1]s,"message":%[1]s,"description":%[1]s,"detail":%[1]s,"title":%[1]s,"type":%[1]s,
"code":%[1]s,"error_code":%[1]s,"error_token":%[1]s,"requestId":%[1]s,"help":%[2]s,"docUrl":%[2]s,
"errors":[{"message":%[1]s,"field":%[1]s,"code":%[1]s,"error_token":%[1]s}],"details":{"field":%[1]s}}`, q, link)
}

func assertNoPlanted(t *testing.T, where, text string) {
	t.Helper()
	for name, secret := range planted {
		assert.NotContainsf(t, text, secret, "%s leaks the %s credential", where, name)
	}
}
