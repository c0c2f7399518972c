package iotapi

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// bodySource replays a request body on each retry.
type bodySource struct {
	get        func() (io.ReadCloser, error) // nil: no body to replay
	replayable bool
}

// newBodySource prepares req's body for retries and returns the body of the
// first attempt. A body with GetBody is sent as is and re-obtained for each
// retry, never copied. A body without GetBody is read into memory up to
// limit so it can be replayed; a larger one is sent once, unreplayable.
func newBodySource(req *http.Request, limit int64) (bodySource, io.ReadCloser, error) {
	switch {
	case req.Body == nil || req.Body == http.NoBody:
		return bodySource{replayable: true}, req.Body, nil
	case req.GetBody != nil:
		return bodySource{get: req.GetBody, replayable: true}, req.Body, nil
	}
	buf, err := io.ReadAll(io.LimitReader(req.Body, limit+1))
	if err != nil {
		req.Body.Close()
		return bodySource{}, nil, fmt.Errorf("reading request body: %w", err)
	}
	if int64(len(buf)) > limit {
		return bodySource{}, struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(buf), req.Body), req.Body}, nil
	}
	if err := req.Body.Close(); err != nil {
		return bodySource{}, nil, fmt.Errorf("closing request body: %w", err)
	}
	get := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(buf)), nil }
	first, _ := get()
	return bodySource{get: get, replayable: true}, first, nil
}

var errNoBody = errors.New("GetBody returned no body")

// next returns a fresh copy of the body for a retry. It fails for a body
// that cannot be replayed, rather than send an empty one in its place.
func (s bodySource) next() (io.ReadCloser, error) {
	if !s.replayable {
		return nil, ErrNotReplayable
	}
	if s.get == nil {
		return http.NoBody, nil
	}
	b, err := s.get()
	if err == nil && b == nil {
		err = errNoBody
	}
	if err != nil {
		return nil, fmt.Errorf("replaying request body: %w", err)
	}
	return b, nil
}
