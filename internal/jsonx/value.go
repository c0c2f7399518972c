package jsonx

import (
	"bytes"
	"encoding/json"
	"errors"
	"iter"
	"unicode/utf8"
)

// MaxDepth bounds how deeply arrays and objects may nest in a document
// Parse accepts, as encoding/json bounds it.
const MaxDepth = 10000

// ErrSyntax is returned by Parse for a document that is not JSON.
var ErrSyntax = errors.New("jsonx: invalid JSON")

// A Kind is the JSON type of a Value.
type Kind uint8

// The kinds of values. KindNone is the zero Value's: a member that is
// absent.
const (
	KindNone Kind = iota
	KindNull
	KindBool
	KindNumber
	KindString
	KindArray
	KindObject
)

// Value is one JSON value of a document checked by [Parse]: its raw bytes,
// without surrounding white space. It refers to the document's memory and
// is never built any other way, so its methods can walk it without checking
// it again. The zero Value is an absent value: Kind KindNone, Text "".
type Value struct{ raw []byte }

// Parse checks in one pass that data is one JSON value, as RFC 8259 and
// encoding/json define it, with what vendors' responses add forgiven: a
// leading UTF-8 byte order mark, and a comma right before a closing ']' or
// '}' (as in "[1, 2,]"). White space may surround the value; nothing else
// may follow it. Nesting deeper than MaxDepth is an error. Parse does not
// allocate.
func Parse(data []byte) (Value, error) {
	data = bytes.TrimPrefix(data, []byte(bom))
	s := scanner{data: data}
	start := skipSpace(data, 0)
	end := s.value(start)
	if end < 0 || skipSpace(data, end) != len(data) {
		return Value{}, ErrSyntax
	}
	return Value{data[start:end]}, nil
}

// Kind returns v's JSON type.
func (v Value) Kind() Kind {
	if len(v.raw) == 0 {
		return KindNone
	}
	switch v.raw[0] {
	case '{':
		return KindObject
	case '[':
		return KindArray
	case '"':
		return KindString
	case 'n':
		return KindNull
	case 't', 'f':
		return KindBool
	}
	return KindNumber
}

// Raw returns v's bytes as they appear in the document.
func (v Value) Raw() []byte { return v.raw }

// Text returns v as text, whatever its JSON type, with the rules of [Text]:
// a string as itself, a number in its shortest form (1103.0 is "1103"),
// true and false as words, null and an absent value as "", and an object or
// array as compact JSON (trailing commas dropped).
func (v Value) Text() string { return text(v.raw) }

// Members yields the members of an object in document order: each key and
// its value. It yields nothing for a Value of another kind.
func (v Value) Members() iter.Seq2[Key, Value] {
	return func(yield func(Key, Value) bool) {
		d := v.raw
		if len(d) == 0 || d[0] != '{' {
			return
		}
		for i := skipSpace(d, 1); i < len(d) && d[i] != '}'; {
			if d[i] == ',' {
				i = skipSpace(d, i+1)
				continue
			}
			keyEnd := skipString(d, i)
			start := skipSpace(d, skipSpace(d, keyEnd)+1) // past the ':'
			end := skipValue(d, start)
			if !yield(Key{d[i:keyEnd]}, Value{d[start:end]}) {
				return
			}
			i = skipSpace(d, end)
		}
	}
}

// Items yields the elements of an array in order. It yields nothing for a
// Value of another kind.
func (v Value) Items() iter.Seq[Value] {
	return func(yield func(Value) bool) {
		d := v.raw
		if len(d) == 0 || d[0] != '[' {
			return
		}
		for i := skipSpace(d, 1); i < len(d) && d[i] != ']'; {
			if d[i] == ',' {
				i = skipSpace(d, i+1)
				continue
			}
			end := skipValue(d, i)
			if !yield(Value{d[i:end]}) {
				return
			}
			i = skipSpace(d, end)
		}
	}
}

// Get returns the value of an object's member called name (see [Key.Is]);
// when several match, the last, as encoding/json decides. It returns the
// zero Value when there is none or v is not an object.
func (v Value) Get(name string) Value {
	var found Value
	for k, m := range v.Members() {
		if k.Is(name) {
			found = m
		}
	}
	return found
}

// Key is the name of an object member, as written in the document
// (quoted, and possibly escaped).
type Key struct{ raw []byte }

// Is reports whether the key is name, ignoring ASCII case as encoding/json
// does when it matches keys to struct fields.
func (k Key) Is(name string) bool {
	raw := k.raw
	if len(raw) < 2 {
		return false
	}
	s := raw[1 : len(raw)-1]
	if bytes.IndexByte(s, '\\') >= 0 {
		return equalFold([]byte(text(raw)), name)
	}
	return equalFold(s, name)
}

// String returns the key's name, unescaped.
func (k Key) String() string { return text(k.raw) }

func equalFold(s []byte, name string) bool {
	if len(s) != len(name) {
		return false
	}
	for i := 0; i < len(s); i++ {
		a, b := s[i], name[i]
		if a == b {
			continue
		}
		if 'A' <= a && a <= 'Z' {
			a += 'a' - 'A'
		}
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		if a != b {
			return false
		}
	}
	return true
}

// text is a checked JSON value as text; see Value.Text.
func text(raw []byte) string {
	if len(raw) == 0 {
		return ""
	}
	switch c := raw[0]; {
	case c == '"':
		if len(raw) >= 2 && bytes.IndexByte(raw, '\\') < 0 && utf8.Valid(raw) {
			return string(raw[1 : len(raw)-1])
		}
		var s string
		_ = json.Unmarshal(raw, &s) // escapes, and invalid UTF-8 as U+FFFD, as encoding/json reads them
		return s
	case c == 'n':
		return ""
	case c == '-' || (c >= '0' && c <= '9'):
		return Number(raw)
	case c == '{' || c == '[':
		return compact(raw)
	}
	return string(raw)
}

// compact returns a checked object or array without insignificant white
// space and without trailing commas.
func compact(d []byte) string {
	out := make([]byte, 0, len(d))
	for i := 0; i < len(d); i++ {
		switch c := d[i]; c {
		case ' ', '\t', '\n', '\r':
		case '"':
			end := skipString(d, i)
			out = append(out, d[i:end]...)
			i = end - 1
		case ',':
			if j := skipSpace(d, i+1); j < len(d) && (d[j] == '}' || d[j] == ']') {
				continue
			}
			out = append(out, c)
		default:
			out = append(out, c)
		}
	}
	return string(out)
}

// scanner checks a document. Its methods take the offset of a value's first
// byte and return the offset just past it, or -1 if the document is not
// JSON there.
type scanner struct {
	data  []byte
	depth int
}

func (s *scanner) value(i int) int {
	d := s.data
	if i >= len(d) {
		return -1
	}
	switch c := d[i]; {
	case c == '"':
		return scanString(d, i)
	case c == '{':
		return s.container(i, '}')
	case c == '[':
		return s.container(i, ']')
	case c == '-' || (c >= '0' && c <= '9'):
		return scanNumber(d, i)
	case c == 't':
		return literal(d, i, "true")
	case c == 'f':
		return literal(d, i, "false")
	case c == 'n':
		return literal(d, i, "null")
	}
	return -1
}

// container checks an object (close '}') or an array (close ']') at i.
func (s *scanner) container(i int, close byte) int {
	if s.depth++; s.depth > MaxDepth {
		return -1
	}
	d := s.data
	i = skipSpace(d, i+1)
	if i < len(d) && d[i] == ',' { // "[,]": a trailing comma after no element
		if j := skipSpace(d, i+1); j < len(d) && d[j] == close {
			i = j
		}
	}
	for i < len(d) && d[i] != close {
		if close == '}' {
			if d[i] != '"' {
				return -1
			}
			if i = scanString(d, i); i < 0 {
				return -1
			}
			if i = skipSpace(d, i); i >= len(d) || d[i] != ':' {
				return -1
			}
			i = skipSpace(d, i+1)
		}
		if i = s.value(i); i < 0 {
			return -1
		}
		if i = skipSpace(d, i); i >= len(d) {
			return -1
		}
		switch d[i] {
		case ',':
			i = skipSpace(d, i+1)
			if i >= len(d) || d[i] == close { // a trailing comma
				continue
			}
		case close:
		default:
			return -1
		}
	}
	if i >= len(d) {
		return -1
	}
	s.depth--
	return i + 1
}

// plain marks the bytes a JSON string holds as they are: not '"', not '\\',
// not a control character.
var plain = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

func scanString(d []byte, i int) int {
	for i++; i < len(d); {
		if plain[d[i]] {
			i++
			continue
		}
		switch d[i] {
		case '"':
			return i + 1
		case '\\':
			if i+1 >= len(d) {
				return -1
			}
			switch d[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(d) || !isHex(d[i+2]) || !isHex(d[i+3]) || !isHex(d[i+4]) || !isHex(d[i+5]) {
					return -1
				}
				i += 6
			default:
				return -1
			}
		default: // a control character
			return -1
		}
	}
	return -1
}

func scanNumber(d []byte, i int) int {
	if d[i] == '-' {
		i++
	}
	switch {
	case i >= len(d):
		return -1
	case d[i] == '0':
		i++
	case d[i] >= '1' && d[i] <= '9':
		i = digits(d, i+1)
	default:
		return -1
	}
	if i < len(d) && d[i] == '.' {
		if i+1 >= len(d) || !isDigit(d[i+1]) {
			return -1
		}
		i = digits(d, i+1)
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if i >= len(d) || !isDigit(d[i]) {
			return -1
		}
		i = digits(d, i)
	}
	return i
}

func literal(d []byte, i int, lit string) int {
	if !bytes.HasPrefix(d[i:], []byte(lit)) {
		return -1
	}
	return i + len(lit)
}

func digits(d []byte, i int) int {
	for i < len(d) && isDigit(d[i]) {
		i++
	}
	return i
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isHex(c byte) bool {
	return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func skipSpace(d []byte, i int) int {
	for i < len(d) && (d[i] == ' ' || d[i] == '\n' || d[i] == '\r' || d[i] == '\t') {
		i++
	}
	return i
}

// skipString returns the end of the checked string at i.
func skipString(d []byte, i int) int {
	for i++; i < len(d); i++ {
		j := bytes.IndexByte(d[i:], '"')
		if j < 0 {
			break
		}
		i += j
		backslashes := 0
		for k := i - 1; d[k] == '\\'; k-- {
			backslashes++
		}
		if backslashes%2 == 0 {
			return i + 1
		}
	}
	return len(d)
}

// skipValue returns the end of the checked value at i.
func skipValue(d []byte, i int) int {
	if i >= len(d) {
		return i
	}
	switch d[i] {
	case '"':
		return skipString(d, i)
	case '{', '[':
		depth := 0
		for ; i < len(d); i++ {
			switch d[i] {
			case '"':
				i = skipString(d, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
		return len(d)
	}
	for i < len(d) {
		switch d[i] {
		case ',', '}', ']', ' ', '\n', '\r', '\t':
			return i
		}
		i++
	}
	return i
}
