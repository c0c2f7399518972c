package iotapi

import (
	"bytes"
	"html"
	"strings"
)

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
	if s := htmlElement(body, "title"); s != "" {
		return s
	}
	if s := htmlElement(body, "h1"); s != "" {
		return s
	}
	if looksLikeHTML(body) {
		return ""
	}
	for _, line := range strings.Split(string(body), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			return oneLine(line, maxMessage)
		}
	}
	return ""
}

// htmlElement returns the unescaped text of the first <tag>…</tag> in body.
func htmlElement(body []byte, tag string) string {
	lower := bytes.ToLower(body)
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
