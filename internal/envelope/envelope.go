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

// Details is a nested error list as vendors send it: an array of objects
// or strings, a single object, or a single string. Items of any other JSON
// type, and empty ones, are skipped; at most MaxDetails are kept. Decoding
// into Details never fails.
type Details []iotapi.Detail

// UnmarshalJSON implements json.Unmarshaler.
func (ds *Details) UnmarshalJSON(b []byte) error {
	b = trim(b)
	if len(b) == 0 {
		return nil
	}
	switch b[0] {
	case '[':
		var list []entry
		if json.Unmarshal(b, &list) != nil {
			return nil
		}
		for _, e := range list {
			if len(*ds) == MaxDetails {
				break
			}
			if e.ok {
				*ds = append(*ds, e.d)
			}
		}
	case '{', '"':
		var e entry
		if e.UnmarshalJSON(b) == nil && e.ok {
			*ds = Details{e.d}
		}
	}
	return nil
}

// entry is one item of a nested error list.
type entry struct {
	d  iotapi.Detail
	ok bool
}

// UnmarshalJSON reads an object or a string; it never fails, so one odd
// item cannot spoil the list.
func (e *entry) UnmarshalJSON(b []byte) error {
	switch b[0] {
	case '{':
		var it item
		if json.Unmarshal(b, &it) == nil {
			e.d = it.detail()
			e.ok = e.d != (iotapi.Detail{})
		}
	case '"':
		var t jsonx.Text
		_ = t.UnmarshalJSON(b)
		e.d, e.ok = iotapi.Detail{Message: string(t)}, t != ""
	}
	return nil
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
