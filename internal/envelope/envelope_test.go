package envelope

import (
	"testing"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/internal/jsonx"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func parse(t *testing.T, doc string) jsonx.Value {
	t.Helper()
	v, err := jsonx.Parse([]byte(doc))
	require.NoError(t, err, doc)
	return v
}

func TestDetails_TheShapesVendorsSend(t *testing.T) {
	for doc, want := range map[string][]iotapi.Detail{
		`[{"error_code": 1403, "error_token": "InvalidFormat", "message": "m1"}, {"code": "X", "type": "T", "field": "f"}]`: {
			{Code: "1403", Type: "InvalidFormat", Message: "m1"}, {Code: "X", Type: "T", Field: "f"}},
		`["plain", 42, null, {}, [], {"name": "n", "reason": "r"}]`: {{Message: "plain"}, {Field: "n", Message: "r"}},
		`{"parameter": "p", "description": "d"}`:                    {{Field: "p", Message: "d"}},
		`"just text"`:                                               {{Message: "just text"}},
		`{"status": 404, "title": "Not Found", "type": "https://x/p", "detail": "gone"}`: {{Code: "404", Type: "Not Found", Message: "gone"}},
		`{"error_code": 1, "code": 2, "error_token": "A", "type": "B", "pointer": "/x", "message": "", "detail": "d"}`: {
			{Code: "1", Type: "A", Field: "/x", Message: "d"}},
		`42`: nil, `null`: nil, `[]`: nil, `{}`: nil,
	} {
		assert.Equal(t, want, Details(parse(t, doc)), doc)
	}
	assert.Nil(t, Details(jsonx.Value{}))
}

func TestDetails_Bounded(t *testing.T) {
	doc := "["
	for i := 0; i < 3*MaxDetails; i++ {
		doc += `"x",`
	}
	assert.Len(t, Details(parse(t, doc+"]")), MaxDetails)
}

func TestFirstAndSet(t *testing.T) {
	v := parse(t, `{"a": "", "b": null, "c": 7}`)
	assert.Equal(t, "7", First(v.Get("a"), v.Get("b"), v.Get("missing"), v.Get("c")))
	assert.Equal(t, "", First())
	s := "kept"
	Set(&s, v.Get("a"))
	assert.Equal(t, "kept", s, "an empty value does not erase")
	Set(&s, v.Get("c"))
	assert.Equal(t, "7", s)
}
