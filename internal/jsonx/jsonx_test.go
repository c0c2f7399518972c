package jsonx

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestText(t *testing.T) {
	for raw, want := range map[string]string{
		`"1103"`:             "1103",
		`1103`:               "1103",
		`1103.0`:             "1103",
		`1.103e3`:            "1103",
		`-5`:                 "-5",
		`12.5`:               "12.5",
		`1e400`:              "1e400",
		`null`:               "",
		`true`:               "true",
		`"a\"b\u00e9"`:       `a"bé`,
		`{"a": [1, 2]}`:      `{"a":[1,2]}`,
		`[ "x" ]`:            `["x"]`,
		`"Token expired"`:    "Token expired",
		`123456789012345678`: "123456789012345678",
	} {
		var got struct{ V Text }
		require.NoError(t, json.Unmarshal([]byte(`{"V":`+raw+`}`), &got), raw)
		assert.Equal(t, want, string(got.V), raw)
	}
}

func TestText_InvalidUTF8BecomesReplacement(t *testing.T) {
	var got struct{ V Text }
	require.NoError(t, json.Unmarshal([]byte("{\"V\":\"a\xffb\"}"), &got))
	assert.Equal(t, "a\uFFFDb", string(got.V))
}

func TestUnmarshal_TrailingCommas(t *testing.T) {
	var v struct {
		Code    Text     `json:"error_code"`
		Message Text     `json:"message"`
		List    []string `json:"list"`
	}
	require.NoError(t, Unmarshal([]byte(`{"error_code": 1406, "message": "a, } b", "list": ["x", "y",],}`), &v))
	assert.Equal(t, "1406", string(v.Code))
	assert.Equal(t, "a, } b", string(v.Message), "commas inside strings are kept")
	assert.Equal(t, []string{"x", "y"}, v.List)
}

func TestUnmarshal_ByteOrderMark(t *testing.T) {
	var v struct{ Code Text }
	require.NoError(t, Unmarshal([]byte("\ufeff{\"code\": 409,}"), &v))
	assert.Equal(t, "409", string(v.Code))
	assert.Error(t, Unmarshal([]byte("\ufeff\ufeff{}"), &v), "one mark is skipped, not any number")
}

func TestUnmarshal_StillFailsOnGarbage(t *testing.T) {
	var v struct{ A Text }
	for _, s := range []string{``, `{`, `{"A": "x"`, `<html>`, `{"A":,}`} {
		assert.Error(t, Unmarshal([]byte(s), &v), s)
	}
}

func TestLooksLikeJSON(t *testing.T) {
	assert.True(t, LooksLikeJSON([]byte(" \n{\"a\":1}")))
	assert.True(t, LooksLikeJSON([]byte("[1]")))
	assert.False(t, LooksLikeJSON([]byte("<html>")))
	assert.False(t, LooksLikeJSON(nil))
}
