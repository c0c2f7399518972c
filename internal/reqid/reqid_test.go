package reqid

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestFromHeader(t *testing.T) {
	assert.Equal(t, "", FromHeader(http.Header{}))
	assert.Equal(t, "", FromHeader(nil))
	assert.Equal(t, "a1", FromHeader(http.Header{"X-Amzn-Requestid": {"a1"}}))
	h := http.Header{}
	h.Set("x-amzn-RequestId", "a2") // canonicalized by Set
	assert.Equal(t, "a2", FromHeader(h))
	assert.Equal(t, "x1", FromHeader(http.Header{"X-Request-Id": {"x1"}, "X-Amzn-Requestid": {"a1"}}), "most specific first")
	assert.Equal(t, "c1", FromHeader(http.Header{"X-Request-Id": {""}, "X-Correlation-Id": {"c1"}}), "empty values are skipped")
	assert.Equal(t, "4bf92f3577b34da6a3ce929d0e0e4736",
		FromHeader(http.Header{"Traceparent": {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}}))
	assert.Equal(t, "1-5759e988-bd862e3fe1be46a994272793",
		FromHeader(http.Header{"X-Amzn-Trace-Id": {"Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"}}))
}

// Find reads the same whether it walks the response's headers or its own
// list (it picks by whichever is shorter).
func TestList_FindEitherWay(t *testing.T) {
	l := NewList("X-Tardis-Traceid", "x-kong-request-id").Then(Default)
	assert.Equal(t, []string{"X-Tardis-Traceid", "X-Kong-Request-Id", "X-Request-Id"}, l.Names()[:3])
	assert.Len(t, l.Names(), 2+len(Default.Names())-1, "a name given twice keeps its first place")

	few := http.Header{"X-Request-Id": {"backend"}, "X-Kong-Request-Id": {"kong"}, "X-Tardis-Traceid": {"tardis"}}
	many := few.Clone()
	for _, n := range []string{"A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M", "N", "O", "P"} {
		many.Set("X-Filler-"+n, "v")
	}
	assert.Less(t, len(few), len(l.Names()))
	assert.Greater(t, len(many), len(l.Names()))
	for _, h := range []http.Header{few, many} {
		assert.Equal(t, "tardis", l.Find(h))
		h.Del("X-Tardis-Traceid")
		assert.Equal(t, "kong", l.Find(h))
		h.Set("X-Kong-Request-Id", "")
		assert.Equal(t, "backend", l.Find(h))
		h.Del("X-Request-Id")
		h.Set("Traceparent", "00-00000000000000000000000000000000-00f067aa0ba902b7-01")
		assert.Equal(t, "", l.Find(h), "an invalid trace header is no id")
	}
}

func TestTraceID(t *testing.T) {
	const id = "4bf92f3577b34da6a3ce929d0e0e4736"
	for v, want := range map[string]string{
		"00-" + id + "-00f067aa0ba902b7-01":                       id,
		" 00-" + id + "-00f067aa0ba902b7-00 ":                     id,
		"01-" + id + "-00f067aa0ba902b7-01-whatever":              id, // a later version may add fields
		"00-" + id + "-00f067aa0ba902b7-01-extra":                 "", // version 00 may not
		"ff-" + id + "-00f067aa0ba902b7-01":                       "",
		"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01": "",
		"00-00000000000000000000000000000000-00f067aa0ba902b7-01": "",
		"00-" + id + "-0000000000000000-01":                       "",
		"00-" + id + "-00f067aa0ba902b7":                          "",
		"00_" + id + "_00f067aa0ba902b7_01":                       "",
		"":                                                        "",
		"garbage":                                                 "",
	} {
		assert.Equal(t, want, TraceID(v), v)
	}
}
