// Package jsonx reads vendor JSON tolerantly: a field of another type than
// documented is read as text, and a leading byte order mark and the
// trailing commas some vendors put in their examples are forgiven.
//
// Decoders check a body once with [Parse] and read the members they need
// from the [Value] it returns, without decoding anything they do not keep;
// [Text] and [Unmarshal] serve code that decodes into structs with
// encoding/json.
package jsonx

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strconv"
)

// Text is a JSON value read as text, whatever its JSON type: a string as
// itself, a number in its shortest decimal form with integral floats written
// as integers (1103.0 → "1103"), true and false as words, null as "", and an
// object or array as its compact JSON. Unmarshalling into Text never fails.
type Text string

// UnmarshalJSON implements json.Unmarshaler.
func (t *Text) UnmarshalJSON(b []byte) error {
	*t = Text(text(b))
	return nil
}

// Number formats a JSON number literal as text: integers as they are,
// integral floats without their fraction ("1103.0", "1.103e3" → "1103"),
// other values in their shortest form. A literal out of float64 range is
// returned as written.
func Number(b []byte) string {
	digits := true
	for i, c := range b {
		if !(c >= '0' && c <= '9' || i == 0 && c == '-') {
			digits = false
			break
		}
	}
	if digits {
		return string(b)
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return string(b)
	}
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// bom is the UTF-8 byte order mark, which some servers put before a JSON
// body although RFC 8259 forbids it.
const bom = "\ufeff"

// Unmarshal is json.Unmarshal with a leading UTF-8 byte order mark
// skipped, retried once with trailing commas removed when the first
// attempt finds a syntax error.
func Unmarshal(data []byte, v any) error {
	data = bytes.TrimPrefix(data, []byte(bom))
	err := json.Unmarshal(data, v)
	var syn *json.SyntaxError
	if err == nil || !errors.As(err, &syn) || !LooksLikeJSON(data) {
		return err
	}
	fixed, changed := dropTrailingCommas(data)
	if !changed {
		return err
	}
	return json.Unmarshal(fixed, v)
}

// dropTrailingCommas removes each comma, outside strings, that is followed
// (after white space) by '}' or ']'. It copies data only when it finds one.
func dropTrailingCommas(data []byte) ([]byte, bool) {
	var out []byte
	inString, escaped := false, false
	for i := 0; i < len(data); i++ {
		c := data[i]
		drop := false
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == ',':
			j := i + 1
			for j < len(data) && (data[j] == ' ' || data[j] == '\t' || data[j] == '\n' || data[j] == '\r') {
				j++
			}
			drop = j < len(data) && (data[j] == '}' || data[j] == ']')
		}
		if drop && out == nil {
			out = append(make([]byte, 0, len(data)), data[:i]...)
		} else if !drop && out != nil {
			out = append(out, c)
		}
	}
	if out == nil {
		return data, false
	}
	return out, true
}

// LooksLikeJSON reports whether b, after leading white space, starts like a
// JSON object or array.
func LooksLikeJSON(b []byte) bool {
	b = bytes.TrimLeft(b, " \t\r\n\ufeff")
	return len(b) > 0 && (b[0] == '{' || b[0] == '[')
}
