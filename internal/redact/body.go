package redact

import (
	"bytes"
	"encoding/json"
	"math/bits"
	"math/rand/v2"
	"slices"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Body returns body with every occurrence of each secret masked, in each
// spelling a vendor may echo it in:
//
//   - its raw bytes;
//   - backslash-escaped, as in a JSON string: "\/", "\"", "\\", the control
//     escapes, and "\uXXXX" for any character, hex digits in either case,
//     a surrogate pair beyond the Basic Multilingual Plane;
//   - percent-encoded, as url.QueryEscape or url.PathEscape write it or
//     with any other characters escaped, hex digits in either case, "+" for
//     a space;
//   - percent-encoded, then backslash-escaped.
//
// Escapes are read wherever they are, in a JSON string or not (an echo in
// HTML or JavaScript), from the start of body as a JSON string is read.
// Each occurrence is replaced by Mask, whole escape sequences at a time
// (a secret that starts or ends inside an escaped character takes the
// character with it), and the bytes around it are kept as they were.
//
// When body is valid JSON the result is valid JSON: a string keeps its
// quotes and the part that spelled the secret is masked; a number or a
// literal holding the secret becomes the string "REDACTED". The one
// exception is a secret spelled by nothing but JSON's punctuation, quotes
// and white space: it is masked where it stands, and the JSON breaks. Other
// bodies (HTML, text, JSON cut short) are masked in place.
//
// Spellings no encoder writes are not looked for: one occurrence with "+"
// both for itself and for a space, or with a "%" and two hex digits left
// raw among percent escapes. Nor are other encodings: HTML entities,
// base64, percent-encoding twice or after backslash escapes.
//
// When body holds no spelling of a secret, Body returns body itself and
// allocates nothing. Its time is linear in the length of body for each
// secret, whatever body holds; a body is copied and checked for JSON once,
// however many secrets it holds. Body never modifies body and never panics.
func Body(body []byte, secrets ...string) []byte {
	return maskBody(body, secrets, true, false)
}

// String returns s with every occurrence of each secret masked, in each
// spelling Body finds, whole escape sequences at a time, in place: it is for
// a text (an error's message, a header value) that may quote a URL or
// JSON. It returns s itself, without allocating, when s holds no secret as
// it is and no escape.
func String(s string, secrets ...string) string {
	if !strings.ContainsAny(s, `\%+`) && !containsAny(s, secrets) {
		return s
	}
	b := []byte(s)
	out := maskBody(b, secrets, false, false)
	if len(out) == len(b) && &out[0] == &b[0] {
		return s
	}
	return string(out)
}

func containsAny(s string, secrets []string) bool {
	for _, secret := range secrets {
		if secret != "" && strings.Contains(s, secret) {
			return true
		}
	}
	return false
}

// maskBody is Body with secrets. With keepJSON false, a body that is valid
// JSON is masked in place like any other; with rolling, the searches use
// the rolling hash from the start.
func maskBody(body []byte, secrets []string, keepJSON, rolling bool) []byte {
	if len(body) == 0 {
		return body
	}
	hasBackslash := bytes.IndexByte(body, '\\') >= 0
	hasPercent := bytes.IndexByte(body, '%') >= 0
	hasPlus := bytes.IndexByte(body, '+') >= 0
	// A percent sign or a plus sign may be spelled as a JSON escape.
	escapedPercent := hasBackslash && bytes.Contains(body, []byte(`\u0025`))
	escapedPlus := hasBackslash && (bytes.Contains(body, []byte(`\u002b`)) || bytes.Contains(body, []byte(`\u002B`)))
	var spans []span
	for _, secret := range secrets {
		if secret == "" {
			continue
		}
		budget := 4*len(body) + 4*len(secret) // the work before the rolling hash takes over
		if rolling {
			budget = -1
		}
		spans = appendRaw(spans, body, secret, budget)
		hasSpace := strings.IndexByte(secret, ' ') >= 0
		if hasBackslash {
			spans = appendSpelled(spans, body, secret, viewJSON, budget)
		}
		if hasPercent {
			spans = appendSpelled(spans, body, secret, viewURL, budget)
		}
		if hasSpace && hasPlus {
			spans = appendSpelled(spans, body, secret, viewURL|viewPlus, budget)
		}
		if hasBackslash && (hasPercent || escapedPercent) {
			spans = appendSpelled(spans, body, secret, viewJSON|viewURL, budget)
		}
		if hasBackslash && hasSpace && (hasPlus || escapedPlus) {
			spans = appendSpelled(spans, body, secret, viewJSON|viewURL|viewPlus, budget)
		}
	}
	if len(spans) == 0 {
		return body
	}
	return maskSpans(body, spans, keepJSON && json.Valid(body))
}

// A span is where one occurrence of a secret is spelled in a body:
// body[start:end].
type span struct{ start, end int }

// appendRaw appends the spans of the raw occurrences of secret in body,
// leftmost first, not overlapping. It looks for the secret's first 32
// bytes (a conversion that needs no allocation) and compares the rest;
// once the comparisons that fail have cost budget (a body that repeats the
// secret's start), it goes on with a rolling hash.
func appendRaw(spans []span, body []byte, secret string, budget int) []span {
	head := secret[:min(len(secret), 32)]
	for i := 0; i < len(body); {
		if budget < 0 {
			h := newHasher(secret)
			return h.appendRawFrom(spans, body, i)
		}
		j := bytes.Index(body[i:], []byte(head))
		if j < 0 {
			break
		}
		j += i
		if j+len(secret) <= len(body) && string(body[j:j+len(secret)]) == secret {
			spans = append(spans, span{j, j + len(secret)})
			i = j + len(secret)
			continue
		}
		budget -= len(secret)
		i = j + 1
	}
	return spans
}

// A view says which escapes are decoded when a body is read for a secret.
type view uint8

const (
	viewJSON view = 1 << iota // backslash escapes, as in a JSON string
	viewURL                   // percent escapes, "%2F"
	viewPlus                  // "+" for a space (with viewURL)
)

// A unit is one character as a view reads it: the bytes it decodes to
// (b[:n]) and where its spelling ends. A raw byte is a unit of one byte;
// an escape sequence is one unit.
type unit struct {
	b   [4]byte
	n   uint8
	end int
}

// escaped reports whether u, spelled at body[at:], is an escape sequence
// rather than a raw byte.
func (u *unit) escaped(body []byte, at int) bool {
	return u.end-at != 1 || u.n != 1 || u.b[0] != body[at]
}

// unitAt reads the unit that starts at body[i], i < len(body).
func unitAt(body []byte, i int, v view) (u unit) {
	if c := body[i]; c != '\\' && c != '%' && c != '+' {
		u.b[0], u.n, u.end = c, 1, i+1
		return u
	}
	u = innerUnit(body, i, v)
	if v&viewURL == 0 || u.n != 1 {
		return u
	}
	switch u.b[0] {
	case '+':
		if v&viewPlus != 0 {
			u.b[0] = ' '
		}
	case '%':
		if i+2 < len(body) && isHex(body[i+1]) && isHex(body[i+2]) { // raw digits, the common case
			u.b[0], u.end = unhex(body[i+1])<<4|unhex(body[i+2]), i+3
			return u
		}
		if u.end >= len(body) {
			return u
		}
		hi := innerUnit(body, u.end, v)
		if hi.n != 1 || !isHex(hi.b[0]) || hi.end >= len(body) {
			return u
		}
		lo := innerUnit(body, hi.end, v)
		if lo.n != 1 || !isHex(lo.b[0]) {
			return u
		}
		u.b[0], u.end = unhex(hi.b[0])<<4|unhex(lo.b[0]), lo.end
	}
	return u
}

// innerUnit reads the unit at body[i] before percent-decoding: a raw byte,
// or with viewJSON a backslash escape.
func innerUnit(body []byte, i int, v view) unit {
	c := body[i]
	if v&viewJSON == 0 || c != '\\' || i+1 >= len(body) {
		return unit{b: [4]byte{c}, n: 1, end: i + 1}
	}
	if e := simpleEscapes[body[i+1]]; e != 0 {
		return unit{b: [4]byte{e}, n: 1, end: i + 2}
	}
	if body[i+1] == 'u' {
		if u, ok := uEscape(body, i); ok {
			return u
		}
	}
	return unit{b: [4]byte{c}, n: 1, end: i + 1} // not an escape: the backslash as it is
}

// simpleEscapes maps the byte after a backslash to the byte it stands for.
var simpleEscapes = [256]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

// uEscape reads the \uXXXX escape at body[i], a surrogate pair as one
// character and a lone surrogate as U+FFFD, as encoding/json does.
func uEscape(body []byte, i int) (u unit, ok bool) {
	r, ok := hex4(body, i+2)
	if !ok {
		return u, false
	}
	end := i + 6
	if utf16.IsSurrogate(r) {
		r2, ok := rune(0), false
		if end+1 < len(body) && body[end] == '\\' && body[end+1] == 'u' {
			r2, ok = hex4(body, end+2)
		}
		if d := utf16.DecodeRune(r, r2); ok && d != utf8.RuneError {
			r, end = d, end+6
		} else {
			r = utf8.RuneError
		}
	}
	if r < utf8.RuneSelf {
		return unit{b: [4]byte{byte(r)}, n: 1, end: end}, true
	}
	u.n, u.end = uint8(utf8.EncodeRune(u.b[:], r)), end
	return u, true
}

// hex4 reads four hex digits at body[i:].
func hex4(body []byte, i int) (rune, bool) {
	if i+4 > len(body) {
		return 0, false
	}
	var r rune
	for _, c := range body[i : i+4] {
		if !isHex(c) {
			return 0, false
		}
		r = r<<4 | rune(unhex(c))
	}
	return r, true
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// A reader reads the bytes of a view one at a time.
type reader struct {
	body []byte
	v    view
	at   int // where u is spelled
	u    unit
	k    uint8 // the next byte of u
}

// seek moves r to body[i], which must start a unit.
func (r *reader) seek(i int) { r.at, r.u, r.k = i, unit{end: i}, 0 }

// next returns the next byte of the view; ok is false at the end.
func (r *reader) next() (c byte, ok bool) {
	if r.k >= r.u.n {
		if r.u.end >= len(r.body) {
			return 0, false
		}
		r.at = r.u.end
		r.u, r.k = unitAt(r.body, r.at, r.v), 0
	}
	c = r.u.b[r.k]
	r.k++
	return c, true
}

// pos returns where the unit of the next byte is spelled.
func (r *reader) pos() int {
	if r.k < r.u.n {
		return r.at
	}
	return r.u.end
}

// The views are searched with a Rabin-Karp rolling hash modulo the
// Mersenne prime 2^61-1, with a base drawn at random so that no body can be
// made to collide on purpose: a collision only costs a comparison.
const prime = 1<<61 - 1

var base = 256 + rand.Uint64N(prime-512)

func mulMod(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	r := (hi<<3 | lo>>61) + lo&prime
	if r >= prime {
		r -= prime
	}
	return r
}

// appendSpelled appends the spans of the occurrences of secret in view v
// of body that spell at least one byte with an escape (appendRaw finds the
// others). It reads only the escapes: each occurrence has a first, which
// decodes to some byte of the secret, and only raw bytes before it. So at
// each escape, for each place of its bytes in the secret, it compares the
// raw bytes before and then reads on. Should that read more than a few
// times the body (a body that repeats the secret's start), it goes on with
// a rolling hash, so that its time stays linear.
func appendSpelled(spans []span, body []byte, secret string, v view, budget int) []span {
	var in [4]uint64 // the bytes of secret
	for i := 0; i < len(secret); i++ {
		in[secret[i]>>6] |= 1 << (secret[i] & 63)
	}
	esc := newEscapes(body, v)
	for pos := 0; pos < len(body); {
		if budget < 0 {
			h := newHasher(secret)
			return h.appendSpelledFrom(spans, body, v, pos)
		}
		p := esc.from(pos) // body[pos:p] is raw
		if p >= len(body) {
			break
		}
		u := unitAt(body, p, v)
		start, end := -1, 0
		for k := 0; k < int(u.n) && start < 0; k++ {
			if in[u.b[k]>>6]&(1<<(u.b[k]&63)) == 0 {
				continue
			}
			for off := 0; start < 0; {
				if budget < 0 { // a unit that would cost more than the body: the rolling hash from here
					h := newHasher(secret)
					return h.appendSpelledFrom(spans, body, v, pos)
				}
				j := strings.IndexByte(secret[off:], u.b[k])
				if j < 0 {
					budget -= len(secret) - off
					break
				}
				budget -= j + 1
				j += off
				off = j + 1
				// The secret would start j bytes before the unit's k-th.
				at, skip := p, k-j
				if skip < 0 {
					at, skip = p+skip, 0
					budget -= p - at
					if at < pos || string(body[at:p]) != secret[:p-at] {
						continue
					}
				}
				if e, ok := spelledAt(body, v, at, uint8(skip), secret, &budget); ok {
					start, end = at, e
				}
			}
		}
		if start < 0 {
			pos = u.end
			continue
		}
		spans = append(spans, span{start, end})
		pos = end
	}
	return spans
}

// spelledAt reports whether view v of body spells secret from the k-th
// byte of the unit at body[at], and where the spelling ends (at the end of
// a unit). Each byte it reads costs one of budget.
func spelledAt(body []byte, v view, at int, k uint8, secret string, budget *int) (end int, ok bool) {
	r := reader{body: body, v: v, at: at, u: unitAt(body, at, v), k: k}
	for i := 0; i < len(secret); i++ {
		*budget--
		if c, more := r.next(); !more || c != secret[i] {
			return 0, false
		}
	}
	return r.u.end, true
}

// A hasher searches the views of a body for one secret.
type hasher struct {
	secret string
	want   uint64 // the hash of secret
	top    uint64 // base^(len(secret)-1)
}

func newHasher(secret string) hasher {
	h := hasher{secret: secret, top: 1}
	for i := 0; i < len(secret); i++ {
		h.want = addMod(mulMod(h.want, base), uint64(secret[i]))
		if i > 0 {
			h.top = mulMod(h.top, base)
		}
	}
	return h
}

func addMod(a, b uint64) uint64 {
	a += b
	if a >= prime {
		a -= prime
	}
	return a
}

// appendSpelledFrom is appendSpelled from body[from], a unit's start,
// with a rolling hash: it reads only near the escapes, a window of the
// secret's length around each, and each byte at most twice, whatever body
// holds.
func (h *hasher) appendSpelledFrom(spans []span, body []byte, v view, from int) []span {
	n := len(h.secret)
	esc := newEscapes(body, v)
	lead := reader{body: body, v: v} // reads the byte entering the window
	lead.seek(from)
	lag := lead // reads the byte leaving it
	var sum uint64
	filled := 0       // bytes in the window, up to n
	lastEsc := -n - 1 // where the last escape lead read ends
	for {
		if lead.k >= lead.u.n { // the next byte starts a unit
			q := lead.u.end
			if q >= len(body) {
				break
			}
			if q-lastEsc >= n-1 {
				// Every window from here on is raw until near the next
				// escape: skip to the first that reaches it.
				p := esc.from(q)
				if p >= len(body) {
					break
				}
				if s := p - (n - 1); s > q {
					lead.seek(s)
					lag.seek(s)
					sum, filled = 0, 0
				}
			}
		}
		c, _ := lead.next()
		if lead.k == 1 && lead.u.escaped(body, lead.at) {
			lastEsc = lead.u.end
		}
		if filled == n {
			out, _ := lag.next()
			sum = addMod(sum, prime-mulMod(uint64(out), h.top))
		} else {
			filled++
		}
		sum = addMod(mulMod(sum, base), uint64(c))
		if filled < n || sum != h.want {
			continue
		}
		start, ok := lag.pos(), true
		probe := lag
		for i := 0; i < n && ok; i++ {
			b, _ := probe.next()
			ok = b == h.secret[i]
		}
		if !ok {
			continue
		}
		spans = append(spans, span{start, lead.u.end})
		lead.seek(lead.u.end)
		lag.seek(lead.u.end)
		sum, filled = 0, 0
	}
	return spans
}

// appendRawFrom appends the spans of the raw occurrences of the secret in
// body[from:], leftmost first, not overlapping.
func (h *hasher) appendRawFrom(spans []span, body []byte, from int) []span {
	n := len(h.secret)
	var sum uint64
	for start, i := from, from; i < len(body); i++ {
		if i-start >= n {
			sum = addMod(sum, prime-mulMod(uint64(body[i-n]), h.top))
		}
		sum = addMod(mulMod(sum, base), uint64(body[i]))
		if i+1-start >= n && sum == h.want && string(body[i+1-n:i+1]) == h.secret {
			spans = append(spans, span{i + 1 - n, i + 1})
			start, sum = i+1, 0
		}
	}
	return spans
}

// escapes finds where the escapes of a view may start in a body.
type escapes struct {
	body  []byte
	chars [3]byte
	next  [3]int // the next index of each char: len(body) for none, -1 before the first search
	n     int
}

func newEscapes(body []byte, v view) escapes {
	e := escapes{body: body}
	if v&viewJSON != 0 {
		e.chars[e.n], e.n = '\\', e.n+1
	}
	if v&viewURL != 0 {
		e.chars[e.n], e.n = '%', e.n+1
	}
	if v&viewPlus != 0 {
		e.chars[e.n], e.n = '+', e.n+1
	}
	for i := range e.next[:e.n] {
		e.next[i] = -1
	}
	return e
}

// from returns the index of the first escape character at or after i, or
// len(body). Calls are made with i increasing, so each char's next index is
// searched for again only once it has been passed.
func (e *escapes) from(i int) int {
	best := len(e.body)
	for j := range e.next[:e.n] {
		if e.next[j] < i {
			k := bytes.IndexByte(e.body[i:], e.chars[j])
			if k < 0 {
				e.next[j] = len(e.body)
			} else {
				e.next[j] = i + k
			}
		}
		best = min(best, e.next[j])
	}
	return best
}

// maskSpans returns a copy of body with the spans masked, whole JSON
// escape sequences at a time; with valid (body is valid JSON), the copy
// is valid JSON too (see Body).
func maskSpans(body []byte, spans []span, valid bool) []byte {
	slices.SortFunc(spans, func(a, b span) int { return a.start - b.start })
	out := make([]byte, 0, len(body)+len(spans)*len(Mask))
	done := 0 // body[:done] is in out
	inString := false
	for i, si := 0, 0; i < len(body); {
		for si < len(spans) && spans[si].end <= i {
			si++
		}
		if si == len(spans) {
			break
		}
		// Walk to the unit that holds the span's first byte.
		for next := spans[si].start; i < len(body); {
			end := i + 1
			if body[i] == '\\' {
				end = innerUnit(body, i, viewJSON).end
			}
			if next < end {
				break
			}
			if body[i] == '"' {
				inString = !inString
			}
			i = end
		}
		if i >= len(body) {
			break
		}
		// A run of units each holding a byte of a span, from i to end;
		// inString is the state at i, closed the state after the run.
		end, closed, quoted := i, inString, false
		for end < len(body) {
			for si < len(spans) && spans[si].end <= end {
				si++
			}
			u := innerUnit(body, end, viewJSON)
			if si == len(spans) || spans[si].start >= u.end {
				break
			}
			if body[end] == '"' && u.end == end+1 {
				closed, quoted = !closed, true
			}
			end = u.end
		}
		if !valid || inString && !quoted {
			out = append(out, body[done:i]...)
			out = append(out, Mask...)
		} else {
			start := i
			if !inString {
				for start > done && isJSONToken(body[start-1]) && isJSONToken(body[start]) {
					start--
				}
			}
			out = append(out, body[done:start]...)
			out, end = maskJSON(out, body, start, end, inString)
		}
		done, i, inString = end, end, closed
	}
	return append(out, body[done:]...)
}

// maskJSON appends to out body[start:end] of a valid JSON body with the
// bytes of its strings' contents replaced by Mask and its numbers and
// literals by "REDACTED", keeping the quotes, punctuation and white space.
// A number or literal is replaced whole: end moves to its end. If nothing
// was replaceable, the whole of body[start:end] is replaced by Mask.
func maskJSON(out, body []byte, start, end int, inString bool) ([]byte, int) {
	mark, masked := len(out), false
	for i := start; i < end; {
		c := body[i]
		switch {
		case c == '"':
			out = append(out, c)
			inString = !inString
			i++
		case inString:
			for i < end && body[i] != '"' {
				i = innerUnit(body, i, viewJSON).end
			}
			out = append(out, Mask...)
			masked = true
		case isJSONToken(c):
			for i < len(body) && isJSONToken(body[i]) {
				i++
			}
			out = append(out, '"')
			out = append(out, Mask...)
			out = append(out, '"')
			end, masked = max(end, i), true
		default: // punctuation and white space
			out = append(out, c)
			i++
		}
	}
	if !masked {
		out = append(out[:mark], Mask...)
	}
	return out, end
}

// isJSONToken reports whether c, outside a JSON string, is part of a
// number or a literal (true, false, null).
func isJSONToken(c byte) bool {
	switch c {
	case '{', '}', '[', ']', ',', ':', '"', ' ', '\t', '\n', '\r':
		return false
	}
	return true
}
