// Package httpbody reads a bounded prefix of a response body and puts the
// body back, so that decoding an error never takes bytes from the caller.
package httpbody

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
)

// Limit is the most bytes of an error body held in memory: 1 MiB. Vendor
// error envelopes are a few hundred bytes; the bound only matters for
// gateway pages and hostile responses.
const Limit = 1 << 20

// Capture reads at most limit bytes of resp.Body and replaces resp.Body with
// a reader that yields those bytes followed by the rest of the original body,
// so the caller can still read every byte. Closing the replacement closes the
// original. A read error is kept: the caller reads the prefix, then gets the
// same error. Capture returns the bytes read (nil for no body).
func Capture(resp *http.Response, limit int64) []byte {
	if resp == nil || resp.Body == nil || resp.Body == http.NoBody || limit <= 0 {
		return nil
	}
	var (
		prefix []byte
		err    error
	)
	if cl := resp.ContentLength; cl >= 0 {
		// One exact allocation: the body, or the bound. Bytes past a wrong
		// Content-Length or past the bound are not lost: they stay in the
		// original body.
		prefix = make([]byte, min(cl, limit))
		var n int
		n, err = io.ReadFull(resp.Body, prefix)
		prefix = prefix[:n]
		if err == io.EOF { // an empty body
			err = nil
		}
	} else {
		prefix, err = readDoubling(resp.Body, limit)
	}
	resp.Body = &replay{prefix: prefix, rest: resp.Body, err: err, closer: resp.Body}
	return prefix
}

// readDoubling reads at most limit bytes of a body of unknown length into a
// buffer that doubles as it fills, so the allocations add up to at most
// about twice what is kept, whatever the runtime's append policy.
func readDoubling(r io.Reader, limit int64) ([]byte, error) {
	buf := make([]byte, 0, min(limit, 4<<10))
	for int64(len(buf)) < limit {
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), min(2*int64(cap(buf)), limit))
			copy(grown, buf)
			buf = grown
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// replay yields prefix, then rest (or the error that stopped Capture).
type replay struct {
	prefix []byte
	off    int
	rest   io.Reader
	err    error
	closer io.Closer
}

func (r *replay) Read(p []byte) (int, error) {
	if r.off < len(r.prefix) {
		n := copy(p, r.prefix[r.off:])
		r.off += n
		return n, nil
	}
	if r.err != nil {
		return 0, r.err
	}
	return r.rest.Read(p)
}

func (r *replay) Close() error { return r.closer.Close() }

// Decoded returns the body a decoder should read: raw itself, or, when the
// response is gzip-encoded (which net/http leaves as is when the caller asked
// for it), at most limit bytes of the decompressed text. A body that claims
// gzip but is not gzip is returned raw.
func Decoded(h http.Header, raw []byte, limit int64) []byte {
	if len(raw) < 2 || raw[0] != 0x1f || raw[1] != 0x8b {
		return raw
	}
	if ce := h.Get("Content-Encoding"); ce != "" && !strings.Contains(strings.ToLower(ce), "gzip") {
		return raw
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return raw
	}
	out, _ := io.ReadAll(io.LimitReader(zr, limit)) // a truncated stream keeps what it yielded
	if len(out) == 0 {
		return raw
	}
	return out
}

// Rest returns the part of a captured body not yet held in memory (the
// original body after the prefix), or body itself if it was not captured.
// Draining it lets the connection be reused without re-reading the prefix.
func Rest(body io.ReadCloser) io.ReadCloser {
	if r, ok := body.(*replay); ok && r.err == nil {
		if rc, ok := r.rest.(io.ReadCloser); ok {
			return rc
		}
	}
	return body
}
