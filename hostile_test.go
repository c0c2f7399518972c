package iotapi_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/dt"
	"github.com/iotapi/iotapi/endpointmgr"
	"github.com/iotapi/iotapi/internal/fixture"
	"github.com/iotapi/iotapi/internal/retryafter"
	"github.com/iotapi/iotapi/iotapitest"
	"github.com/iotapi/iotapi/telemax"
	"github.com/iotapi/iotapi/tellus"
	"github.com/iotapi/iotapi/tiot"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// vendors and the JSON field each reads its message from.
var vendors = []struct {
	v        iotapi.Vendor
	msgField string
}{
	{tellus.Vendor, "message"}, {telemax.Vendor, "description"}, {tiot.Vendor, "detail"},
	{dt.Vendor, "error"}, {endpointmgr.Vendor, "message"},
}

func gz(s string) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	_, _ = w.Write([]byte(s))
	_ = w.Close()
	return b.Bytes()
}

// hostile is one malformed response and what must come of it.
type hostile struct {
	name        string
	status      int
	header      []string
	body        func(msgField string) []byte
	wantKind    iotapi.Kind
	wantMessage func(msgField string) string // nil: any one-line text
	wantRetry   time.Duration
}

var hostiles = []hostile{
	{name: "empty body", status: 500, body: func(string) []byte { return nil }, wantKind: iotapi.ServerError,
		wantMessage: func(string) string { return "" }},
	{name: "HTML gateway page", status: 502, header: []string{"Content-Type", "text/html"},
		body: func(string) []byte {
			return []byte("<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>")
		},
		wantKind: iotapi.Unavailable, wantMessage: func(string) string { return "502 Bad Gateway" }},
	{name: "plain text", status: 404, header: []string{"Content-Type", "text/plain"},
		body:     func(string) []byte { return []byte("no such device\n") },
		wantKind: iotapi.NotFound, wantMessage: func(string) string { return "no such device" }},
	{name: "truncated JSON", status: 400, body: func(f string) []byte { return []byte(`{"` + f + `": "cut sh`) },
		wantKind: iotapi.InvalidRequest, wantMessage: func(string) string { return "" }},
	{name: "deep nesting", status: 400, body: func(string) []byte { return bytes.Repeat([]byte("["), 200000) },
		wantKind: iotapi.InvalidRequest, wantMessage: func(string) string { return "" }},
	{name: "deep nesting in a field", status: 400, body: func(f string) []byte {
		return []byte(`{"` + f + `": ` + strings.Repeat(`{"a":`, 20000) + `1` + strings.Repeat(`}`, 20000) + `}`)
	}, wantKind: iotapi.InvalidRequest},
	{name: "array instead of object", status: 422, body: func(string) []byte { return []byte(`[1, "two", {"three": 3}]`) },
		wantKind: iotapi.InvalidRequest, wantMessage: func(string) string { return "" }},
	{name: "message of the wrong type", status: 409, body: func(f string) []byte { return []byte(`{"` + f + `": {"nested": [1, 2]}}`) },
		wantKind: iotapi.Conflict, wantMessage: func(string) string { return `{"nested":[1,2]}` }},
	{name: "invalid UTF-8", status: 400, body: func(f string) []byte { return []byte("{\"" + f + "\": \"bad \xff\xfe bytes\"}") },
		wantKind: iotapi.InvalidRequest, wantMessage: func(string) string { return "bad \uFFFD\uFFFD bytes" }},
	{name: "gzip-encoded", status: 500, header: []string{"Content-Encoding", "gzip"},
		body:     func(f string) []byte { return gz(`{"` + f + `": "compressed failure"}`) },
		wantKind: iotapi.ServerError, wantMessage: func(string) string { return "compressed failure" }},
	{name: "JSON null", status: 503, body: func(string) []byte { return []byte("null") }, wantKind: iotapi.Unavailable,
		wantMessage: func(string) string { return "" }},
	{name: "JSON string", status: 500, body: func(string) []byte { return []byte(`"oops"`) }, wantKind: iotapi.ServerError,
		wantMessage: func(string) string { return "oops" }},
	{name: "JSON number", status: 400, body: func(string) []byte { return []byte(`1e999`) }, wantKind: iotapi.InvalidRequest,
		wantMessage: func(string) string { return "" }},
	{name: "duplicate Retry-After", status: 429, header: []string{"Retry-After", "soon", "Retry-After", "5", "Retry-After", "7"},
		body: func(string) []byte { return []byte(`{}`) }, wantKind: iotapi.RateLimited, wantRetry: 5 * time.Second},
	{name: "absurd Retry-After", status: 429, header: []string{"Retry-After", "99999999999999999999"},
		body: func(string) []byte { return []byte(`{}`) }, wantKind: iotapi.RateLimited, wantRetry: retryafter.Max},
	{name: "negative Retry-After", status: 503, header: []string{"Retry-After", "-30"},
		body: func(string) []byte { return []byte(`{}`) }, wantKind: iotapi.Unavailable},
	{name: "HTML with letters that grow when lowercased", status: 502, header: []string{"Content-Type", "text/html"},
		body:     func(string) []byte { return []byte(strings.Repeat("Ⱥ", 10) + "<TITLE>Ⱥ Gateway</TITLE>") },
		wantKind: iotapi.Unavailable, wantMessage: func(string) string { return "Ⱥ Gateway" }},
	{name: "control characters", status: 400, body: func(f string) []byte { return []byte(`{"` + f + `": "line1\nline2\r\u0000\u001b[31mred"}`) },
		wantKind: iotapi.InvalidRequest, wantMessage: func(string) string { return "line1\nline2\r\x00\x1b[31mred" }},
}

func TestHostileInput(t *testing.T) {
	n := 0
	for _, h := range hostiles {
		for _, vd := range vendors {
			n++
			t.Run(vd.v.Name()+"/"+h.name, func(t *testing.T) {
				body := h.body(vd.msgField)
				resp := fixture.Response(t, h.status, string(body), h.header...)
				err := vd.v.CheckResponse(resp)
				var e *iotapi.APIError
				require.ErrorAs(t, err, &e)
				assert.Equal(t, h.status, e.StatusCode)
				wantKind := h.wantKind
				if vd.v.Name() == tiot.Name && h.status == 429 {
					assert.Equal(t, iotapi.RateLimited, e.Kind)
				}
				assert.Equal(t, wantKind, e.Kind)
				if h.wantMessage != nil {
					assert.Equal(t, h.wantMessage(vd.msgField), e.Message)
				}
				wantRetry := h.wantRetry
				if vd.v.Name() == tiot.Name && h.status == 429 && wantRetry == 0 {
					wantRetry = tiot.RateLimitWait
				}
				assert.Equal(t, wantRetry, e.RetryAfter)
				line := e.Error()
				assert.True(t, utf8.ValidString(line))
				assert.NotContains(t, line, "\n")
				assert.NotContains(t, line, "\x1b")
				assert.LessOrEqual(t, len(line), 600)
				fixture.AssertBodyIntact(t, resp, body)
			})
		}
	}
	assert.GreaterOrEqual(t, n, 50)
}

// endless yields n bytes of a repeating JSON-ish pattern without holding them.
type endless struct{ left int64 }

func (e *endless) Read(p []byte) (int, error) {
	if e.left <= 0 {
		return 0, io.EOF
	}
	n := int64(len(p))
	if n > e.left {
		n = e.left
	}
	for i := range p[:n] {
		p[i] = "0123456789abcdef"[i%16]
	}
	e.left -= n
	return int(n), nil
}

func (e *endless) Close() error { return nil }

func TestHostileInput_100MiBBodyIsBounded(t *testing.T) {
	const size = 100 << 20
	for _, c := range []struct {
		name   string
		length int64
		bound  uint64
	}{
		{"with Content-Length", size, 1<<20 + 64<<10}, // one exact 1 MiB buffer
		{"chunked", -1, 3 << 20},                      // a growing buffer: at most about twice the bound
	} {
		for _, vd := range vendors {
			t.Run(c.name+"/"+vd.v.Name(), func(t *testing.T) {
				testBoundedDecode(t, vd.v, c.length, c.bound)
			})
		}
	}
}

func testBoundedDecode(t *testing.T, v iotapi.Vendor, length int64, bound uint64) {
	const size = 100 << 20
	{
		{
			resp := &http.Response{StatusCode: 500, Header: http.Header{}, Body: &endless{left: size}, ContentLength: length}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			err := v.CheckResponse(resp)
			runtime.ReadMemStats(&after)
			var e *iotapi.APIError
			require.ErrorAs(t, err, &e)
			assert.Len(t, e.Body, iotapi.BodyLimit)
			allocated := after.TotalAlloc - before.TotalAlloc
			assert.Less(t, allocated, bound, "decoding a 100 MiB body allocated %d bytes", allocated)

			n, err := io.Copy(io.Discard, resp.Body)
			require.NoError(t, err)
			assert.Equal(t, int64(size), n, "the caller still reads all 100 MiB")
		}
	}
}

var errMidBody = errors.New("connection reset mid-body")

type breaking struct {
	data []byte
}

func (b *breaking) Read(p []byte) (int, error) {
	if len(b.data) == 0 {
		return 0, errMidBody
	}
	n := copy(p, b.data)
	b.data = b.data[n:]
	return n, nil
}

func (b *breaking) Close() error { return nil }

func TestHostileInput_BodyFailsMidRead(t *testing.T) {
	for _, vd := range vendors {
		t.Run(vd.v.Name(), func(t *testing.T) {
			part := `{"` + vd.msgField + `": "half a mess`
			resp := &http.Response{StatusCode: 503, Header: http.Header{}, Body: &breaking{data: []byte(part)}, ContentLength: -1}
			var e *iotapi.APIError
			require.ErrorAs(t, vd.v.CheckResponse(resp), &e)
			assert.Equal(t, 503, e.StatusCode)
			assert.Equal(t, part, string(e.Body), "what arrived is kept")
			got, err := io.ReadAll(resp.Body)
			assert.Equal(t, part, string(got))
			assert.ErrorIs(t, err, errMidBody, "and the caller sees the same failure after it")
		})
	}
}

func TestHostileInput_BodyThatNeverEnds(t *testing.T) {
	srv := serve(t, iotapitest.NewPlan(iotapitest.Always(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		for {
			if _, err := w.Write([]byte(`{"error":"`)); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	})))
	c := iotapi.NewClient(&http.Client{Timeout: 300 * time.Millisecond}, dt.Vendor)
	start := time.Now()
	_, err := get(t, c, srv.URL)
	assert.Less(t, time.Since(start), 3*time.Second)
	var e *iotapi.APIError
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 500, e.StatusCode)
	assert.True(t, bytes.HasPrefix(e.Body, []byte(`{"error":"{"error":"`)), "the part that arrived is kept: %q", e.Body)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}
