package jsonx

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParse_AcceptsWhatEncodingJSONAccepts(t *testing.T) {
	for _, doc := range []string{
		`{}`, `[]`, `""`, `0`, `-0.5e+10`, `1E-2`, `true`, `false`, `null`, " \t\r\n{ } \n",
		`{"a":{"b":[1,"x\"y\\",null,{}]},"c":"\u00e9\n"}`, `[[[[]]]]`, "\"a\xffb\"", `"\/"`,
	} {
		_, err := Parse([]byte(doc))
		assert.NoError(t, err, doc)
		assert.True(t, json.Valid([]byte(doc)), doc)
	}
}

func TestParse_RejectsWhatIsNotJSON(t *testing.T) {
	for _, doc := range []string{
		``, ` `, `{`, `}`, `[`, `{"a"}`, `{"a":}`, `{"a" 1}`, `{a:1}`, `{"a":1 "b":2}`, `[1 2]`, `[,1]`, `[1,,]`,
		`{,"a":1}`, `01`, `1.`, `.5`, `-`, `1e`, `+1`, `tru`, `nul`, `nulls`, `"abc`, `"a` + "\x01" + `"`, `"\x"`,
		`"\u12"`, `{} {}`, `{"a":1}x`, `<html>`, `'a'`, `[1]]`, `{"a":[}`, `NaN`, `\ufeff\ufeff{}`,
	} {
		_, err := Parse([]byte(doc))
		assert.ErrorIs(t, err, ErrSyntax, doc)
	}
}

func TestParse_ForgivesTrailingCommasAndAByteOrderMark(t *testing.T) {
	for _, doc := range []string{`[1,]`, `{"a":1,}`, `{"a":[1, 2 ,] , }`, `[,]`, `{ , }`, "\ufeff{\"a\":1}"} {
		_, err := Parse([]byte(doc))
		assert.NoError(t, err, doc)
	}
}

func TestParse_DepthIsBounded(t *testing.T) {
	_, err := Parse([]byte(strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth)))
	assert.NoError(t, err)
	_, err = Parse([]byte(strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1)))
	assert.ErrorIs(t, err, ErrSyntax)
	_, err = Parse(bytes.Repeat([]byte("["), 1<<20)) // a hostile body: no stack overflow
	assert.ErrorIs(t, err, ErrSyntax)
}

func TestValue_Navigation(t *testing.T) {
	v, err := Parse([]byte(` {"Code": 1103.0, "msg": "a \"b\"", "errors": [ {"x": 1}, "two", [3], ], "code": "last", "e\u0072r": {"k": [1, 2,],},} `))
	require.NoError(t, err)
	assert.Equal(t, KindObject, v.Kind())

	var keys []string
	for k := range v.Members() {
		keys = append(keys, k.String())
	}
	assert.Equal(t, []string{"Code", "msg", "errors", "code", "err"}, keys)

	assert.Equal(t, "last", v.Get("code").Text(), "the last member that matches wins, as in encoding/json")
	assert.Equal(t, "last", v.Get("CODE").Text(), "keys match ignoring ASCII case")
	assert.Equal(t, `a "b"`, v.Get("msg").Text())
	assert.Equal(t, `{"k":[1,2]}`, v.Get("err").Text(), "an escaped key matches; objects are compacted without trailing commas")
	assert.Equal(t, KindNone, v.Get("missing").Kind())
	assert.Equal(t, "", v.Get("missing").Text())

	var items []string
	for it := range v.Get("errors").Items() {
		items = append(items, it.Text())
	}
	assert.Equal(t, []string{`{"x":1}`, "two", "[3]"}, items)

	for range v.Get("msg").Items() {
		t.Fatal("a string has no items")
	}
	for range v.Get("errors").Members() {
		t.Fatal("an array has no members")
	}
}

func TestValue_Kinds(t *testing.T) {
	for doc, want := range map[string]Kind{`{}`: KindObject, `[]`: KindArray, `"s"`: KindString, `-1`: KindNumber,
		`true`: KindBool, `false`: KindBool, `null`: KindNull} {
		v, err := Parse([]byte(doc))
		require.NoError(t, err)
		assert.Equal(t, want, v.Kind(), doc)
	}
	assert.Equal(t, KindNone, Value{}.Kind())
}

// FuzzParse checks Parse against encoding/json: a document is accepted
// exactly when encoding/json accepts it once a leading byte order mark and
// trailing commas are removed, and an object's members read the same texts
// as json.Unmarshal into map[string]Text.
func FuzzParse(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `{"a":[1,],}`, `[,]`, `{"code":"\u00e9","x":{"y":[true,null]}}`,
		"\ufeff{}", `{"a":1,"a":2}`, `"x"`, `-1.5e3`, `{"a" : "b\\"}`, "{\"\xff\":\"\xfe\"}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := Parse(data)
		fixed, _ := dropTrailingCommas(bytes.TrimPrefix(data, []byte(bom)))
		if want := json.Valid(fixed); (err == nil) != want {
			t.Fatalf("Parse(%q): err %v, encoding/json valid %v", data, err, want)
		}
		if err != nil || v.Kind() != KindObject {
			return
		}
		var want map[string]Text
		if json.Unmarshal(fixed, &want) != nil {
			t.Fatalf("encoding/json cannot decode %q into map[string]Text", fixed)
		}
		got := map[string]Text{}
		for k, m := range v.Members() {
			got[k.String()] = Text(m.Text())
		}
		if len(got) != len(want) {
			t.Fatalf("%q: members %v, encoding/json %v", data, got, want)
		}
		for k, w := range want {
			if got[k] != w {
				t.Fatalf("%q: member %q is %q, encoding/json %q", data, k, got[k], w)
			}
		}
	})
}
