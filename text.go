package iotapi

import (
	"bytes"
	"html"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxMessage bounds the message in Error, so a gateway page cannot make an
// error line unreadable.
const maxMessage = 200

// textScan bounds how much of a non-JSON body is searched for a message:
// a page's title and a text's first line come early.
const textScan = 8 << 10

// textMessage summarizes a body that is not JSON: an HTML page's title (or
// first heading), else the first non-empty line of text. It reads at most
// textScan bytes of it.
func textMessage(body []byte) string {
	if len(body) > textScan {
		body = body[:textScan]
	}
	lower := asciiLower(body)
	if s := htmlElement(body, lower, "title"); s != "" {
		return s
	}
	if s := htmlElement(body, lower, "h1"); s != "" {
		return s
	}
	if looksLikeHTML(body) {
		return ""
	}
	for rest := body; len(rest) > 0; {
		var line []byte
		line, rest, _ = bytes.Cut(rest, []byte("\n"))
		if line = bytes.TrimSpace(line); len(line) > 0 {
			return oneLine(string(line), maxMessage)
		}
	}
	return ""
}

// asciiLower returns a copy of b with ASCII letters lowercased and every
// other byte kept, so that offsets in the copy are offsets in b. (Unicode
// lowercasing can change a text's length: 'Ⱥ' takes 2 bytes, 'ⱥ' 3.)
func asciiLower(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return out
}

// htmlElement returns the unescaped text of the first <tag>…</tag> in body,
// found case-insensitively through lower, body's asciiLower copy.
func htmlElement(body, lower []byte, tag string) string {
	i := bytes.Index(lower, []byte("<"+tag))
	if i < 0 {
		return ""
	}
	j := bytes.IndexByte(lower[i:], '>')
	if j < 0 {
		return ""
	}
	start := i + j + 1
	end := bytes.Index(lower[start:], []byte("</"+tag))
	if end < 0 {
		return ""
	}
	return oneLine(html.UnescapeString(string(body[start:start+end])), maxMessage)
}

func looksLikeHTML(body []byte) bool {
	b := bytes.TrimSpace(body)
	return len(b) > 0 && b[0] == '<'
}

// oneLine makes s printable on one line: invalid UTF-8 and control
// characters become spaces, runs of spaces collapse, and text past max runes
// is cut with an ellipsis.
func oneLine(s string, max int) string {
	if s == "" {
		return ""
	}
	var b strings.Builder
	space, n := false, 0
	for _, r := range strings.ToValidUTF8(s, " ") {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			space = b.Len() > 0
			continue
		}
		if n == max {
			b.WriteString("…")
			return b.String()
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// lowerFirst lowercases the first letter of s unless it starts an acronym;
// a Title Case phrase ("Too Many Requests") is lowercased whole.
func lowerFirst(s string) string {
	if isTitleCase(s) {
		return strings.ToLower(s)
	}
	r, size := utf8.DecodeRuneInString(s)
	if !unicode.IsUpper(r) {
		return s
	}
	if next, _ := utf8.DecodeRuneInString(s[size:]); unicode.IsUpper(next) {
		return s
	}
	return string(unicode.ToLower(r)) + s[size:]
}

// isTitleCase reports whether every word of s that starts with a letter
// starts with one upper-case letter followed by lower-case ones.
func isTitleCase(s string) bool {
	words := 0
	for _, w := range strings.Fields(s) {
		r, size := utf8.DecodeRuneInString(w)
		if !unicode.IsLetter(r) {
			continue
		}
		if !unicode.IsUpper(r) || strings.ToLower(w[size:]) != w[size:] {
			return false
		}
		words++
	}
	return words > 1
}
