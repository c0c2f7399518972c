// Package envelope holds what the vendor decoders share: the tolerant
// reading of nested error lists and small helpers over jsonx.Text.
package envelope

import (
	"encoding/json"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/internal/jsonx"
)

// MaxDetails bounds how many nested errors are kept from one body.
const MaxDetails = 100

// item is the union of the keys vendors use for one nested error.
type item struct {
	Code        jsonx.Text `json:"code"`
	ErrorCode   jsonx.Text `json:"error_code"`
	Type        jsonx.Text `json:"type"`
	ErrorToken  jsonx.Text `json:"error_token"`
	Field       jsonx.Text `json:"field"`
	Name        jsonx.Text `json:"name"`
	Parameter   jsonx.Text `json:"parameter"`
	Pointer     jsonx.Text `json:"pointer"`
	Message     jsonx.Text `json:"message"`
	Detail      jsonx.Text `json:"detail"`
	Reason      jsonx.Text `json:"reason"`
	Description jsonx.Text `json:"description"`
}

func (it *item) detail() iotapi.Detail {
	return iotapi.Detail{
		Code:    First(it.ErrorCode, it.Code),
		Type:    First(it.ErrorToken, it.Type),
		Field:   First(it.Field, it.Name, it.Parameter, it.Pointer),
		Message: First(it.Message, it.Detail, it.Reason, it.Description),
	}
}

// Details reads a nested error list: an array of objects or strings, a
// single object, or a single string. Anything else, or nothing, gives nil.
// At most MaxDetails items are kept.
func Details(raw json.RawMessage) []iotapi.Detail {
	raw = trim(raw)
	if len(raw) == 0 {
		return nil
	}
	switch raw[0] {
	case '[':
		var list []json.RawMessage
		if json.Unmarshal(raw, &list) != nil {
			return nil
		}
		var out []iotapi.Detail
		for _, r := range list {
			if len(out) == MaxDetails {
				break
			}
			if d, ok := one(r); ok {
				out = append(out, d)
			}
		}
		return out
	case '{', '"':
		if d, ok := one(raw); ok {
			return []iotapi.Detail{d}
		}
	}
	return nil
}

// one reads one nested error from an object or a string.
func one(raw json.RawMessage) (iotapi.Detail, bool) {
	raw = trim(raw)
	if len(raw) == 0 {
		return iotapi.Detail{}, false
	}
	switch raw[0] {
	case '{':
		var it item
		if json.Unmarshal(raw, &it) != nil {
			return iotapi.Detail{}, false
		}
		d := it.detail()
		return d, d != (iotapi.Detail{})
	case '"':
		var t jsonx.Text
		_ = t.UnmarshalJSON(raw)
		return iotapi.Detail{Message: string(t)}, t != ""
	}
	return iotapi.Detail{}, false
}

// First returns the first non-empty text, or "".
func First(texts ...jsonx.Text) string {
	for _, t := range texts {
		if t != "" {
			return string(t)
		}
	}
	return ""
}

// Set assigns t to *dst when t is not empty, so a decoder never erases what
// the status or headers already said.
func Set(dst *string, t jsonx.Text) {
	if t != "" {
		*dst = string(t)
	}
}

func trim(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\n' || b[0] == '\r' || b[0] == '\t') {
		b = b[1:]
	}
	return b
}
