package httpbody

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCapture_SmallBody(t *testing.T) {
	resp := &http.Response{Body: io.NopCloser(strings.NewReader("hello")), ContentLength: 5}
	assert.Equal(t, "hello", string(Capture(resp, Limit)))
	rest, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, "hello", string(rest))
}

func TestCapture_LargeBodyBoundedAndFullyReadable(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcdef"), 3<<16) // 3 MiB
	resp := &http.Response{Body: io.NopCloser(bytes.NewReader(big)), ContentLength: -1}
	got := Capture(resp, Limit)
	assert.Len(t, got, Limit)
	assert.Equal(t, big[:Limit], got)
	all, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.True(t, bytes.Equal(big, all), "every byte past the bound is still there")
}

type failing struct {
	data   []byte
	closed bool
}

var errMidRead = errors.New("connection reset mid-body")

func (f *failing) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, errMidRead
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

func (f *failing) Close() error { f.closed = true; return nil }

func TestCapture_ReadErrorIsKept(t *testing.T) {
	body := &failing{data: []byte(`{"code":9001`)}
	resp := &http.Response{Body: body, ContentLength: -1}
	assert.Equal(t, `{"code":9001`, string(Capture(resp, Limit)))
	got, err := io.ReadAll(resp.Body)
	assert.Equal(t, `{"code":9001`, string(got))
	assert.ErrorIs(t, err, errMidRead)
	require.NoError(t, resp.Body.Close())
	assert.True(t, body.closed, "closing the replacement closes the original")
}

func TestCapture_NoBody(t *testing.T) {
	assert.Nil(t, Capture(&http.Response{Body: http.NoBody}, Limit))
	assert.Nil(t, Capture(&http.Response{}, Limit))
	assert.Nil(t, Capture(nil, Limit))
}

func TestDecoded(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write([]byte(`{"error":"x"}`))
	require.NoError(t, zw.Close())
	gz := buf.Bytes()

	assert.Equal(t, `{"error":"x"}`, string(Decoded(http.Header{"Content-Encoding": {"gzip"}}, gz, Limit)))
	assert.Equal(t, `{"error":"x"}`, string(Decoded(http.Header{}, gz, Limit)), "gzip magic without a header")
	assert.Equal(t, gz, Decoded(http.Header{"Content-Encoding": {"br"}}, gz, Limit))
	assert.Equal(t, "plain", string(Decoded(http.Header{"Content-Encoding": {"gzip"}}, []byte("plain"), Limit)))
	assert.Equal(t, []byte{0x1f, 0x8b, 0}, Decoded(http.Header{}, []byte{0x1f, 0x8b, 0}, Limit), "broken gzip stays raw")
}

func TestDecoded_GzipBombIsBounded(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(make([]byte, 4*Limit))
	require.NoError(t, zw.Close())
	assert.Len(t, Decoded(http.Header{}, buf.Bytes(), Limit), Limit)
}
