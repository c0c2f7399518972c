package tellus

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/iotapi/iotapi/internal/jsonx"
)

// DecodeData reads a Tellus response and returns its envelope's data as a
// T. A non-2xx response, and a 2xx response whose envelope carries a
// non-zero code, come back as an *iotapi.APIError (for the latter,
// StatusCode is the 2xx status and Kind follows the code). A body that is
// not a Tellus envelope is an ordinary error. DecodeData reads the whole
// body and closes it.
func DecodeData[T any](resp *http.Response) (T, error) {
	var zero T
	if err := CheckResponse(resp); err != nil {
		if resp != nil {
			resp.Body.Close()
		}
		return zero, err
	}
	if resp.Body == nil {
		resp.Body = http.NoBody
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return zero, fmt.Errorf("tellus: reading response body: %w", err)
	}
	v, err := jsonx.Parse(body)
	if err == nil && v.Kind() != jsonx.KindObject {
		err = errNotEnvelope
	}
	if err != nil {
		return zero, fmt.Errorf("tellus: decoding %d response: %w", resp.StatusCode, err)
	}
	// A failure code matters more than the data's shape: it is read first.
	if env := readEnvelope(v); env.code.Text() != "" && env.code.Text() != CodeSuccess {
		resp.Body = io.NopCloser(bytes.NewReader(body))
		return zero, Vendor.DecodeError(resp)
	}
	var data T
	if raw := v.Get("data").Raw(); raw != nil {
		if err := jsonx.Unmarshal(raw, &data); err != nil {
			return zero, fmt.Errorf("tellus: decoding %d response data: %w", resp.StatusCode, err)
		}
	}
	return data, nil
}

var errNotEnvelope = errors.New("not a Tellus envelope")
