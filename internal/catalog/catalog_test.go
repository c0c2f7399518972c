package catalog

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParse_CommentLinesAreNotPartOfTheResponse(t *testing.T) {
	raw := []byte("# From the vendor's error page, section 404.\r\n#   second line\n" +
		"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n\r\n# not a comment: body\n{}")
	comment, rest := Comment(raw)
	assert.Equal(t, "From the vendor's error page, section 404.\nsecond line", comment)
	assert.Equal(t, "HTTP/1.1 404 Not Found", string(rest[:22]))

	resp, body, err := Parse(raw, nil)
	require.NoError(t, err)
	assert.Equal(t, 404, resp.StatusCode)
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	assert.Equal(t, "# not a comment: body\n{}", string(body), "a '#' in the body is body")
}

func TestParse_NoComment(t *testing.T) {
	comment, rest := Comment([]byte("HTTP/1.1 200 OK\r\n\r\n"))
	assert.Empty(t, comment)
	assert.Equal(t, "HTTP/1.1 200 OK\r\n\r\n", string(rest))
}
