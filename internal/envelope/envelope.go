// Package envelope holds what the vendor decoders share: the rule that
// settles a vendor code against the HTTP status, the tolerant reading of
// nested error lists, and small helpers over jsonx.Value.
package envelope

import (
	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/internal/jsonx"
)

// MaxDetails bounds how many nested errors are kept from one body.
const MaxDetails = 100

// Details reads a nested error list as vendors send it: an array of objects
// or strings, a single object, or a single string. Items of any other JSON
// type, and empty ones, are skipped; at most MaxDetails are kept. It
// returns nil when there is nothing to keep.
func Details(v jsonx.Value) []iotapi.Detail {
	switch v.Kind() {
	case jsonx.KindArray:
		var ds []iotapi.Detail
		for it := range v.Items() {
			if len(ds) == MaxDetails {
				break
			}
			if d, ok := DetailOf(it); ok {
				ds = append(ds, d)
			}
		}
		return ds
	case jsonx.KindObject, jsonx.KindString:
		if d, ok := DetailOf(v); ok {
			return []iotapi.Detail{d}
		}
	}
	return nil
}

// DetailOf reads one nested error: an object with the keys vendors use
// (code or error_code, else status; error_token, else title, else type;
// field, name, parameter or pointer; message, detail, reason or
// description), or a string, which is its Message. ok is false for a value
// of another type or one that says nothing.
func DetailOf(v jsonx.Value) (d iotapi.Detail, ok bool) {
	switch v.Kind() {
	case jsonx.KindString:
		d.Message = v.Text()
	case jsonx.KindObject:
		var code, errorCode, status, typ, token, title, field, name, param, pointer, msg, detail, reason, desc jsonx.Value
		for k, m := range v.Members() {
			switch {
			case k.Is("code"):
				code = m
			case k.Is("error_code"):
				errorCode = m
			case k.Is("status"):
				status = m
			case k.Is("type"):
				typ = m
			case k.Is("error_token"):
				token = m
			case k.Is("title"):
				title = m
			case k.Is("field"):
				field = m
			case k.Is("name"):
				name = m
			case k.Is("parameter"):
				param = m
			case k.Is("pointer"):
				pointer = m
			case k.Is("message"):
				msg = m
			case k.Is("detail"):
				detail = m
			case k.Is("reason"):
				reason = m
			case k.Is("description"):
				desc = m
			}
		}
		d = iotapi.Detail{
			Code:    First(errorCode, code, status),
			Type:    First(token, title, typ),
			Field:   First(field, name, param, pointer),
			Message: First(msg, detail, reason, desc),
		}
	}
	return d, d != (iotapi.Detail{})
}

// First returns the text of the first value whose text is not empty, or "".
func First(vs ...jsonx.Value) string {
	for _, v := range vs {
		if t := v.Text(); t != "" {
			return t
		}
	}
	return ""
}

// Set assigns v's text to *dst when it is not empty, so a decoder never
// erases what the status or headers already said.
func Set(dst *string, v jsonx.Value) {
	if t := v.Text(); t != "" {
		*dst = t
	}
}
