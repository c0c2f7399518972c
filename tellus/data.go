package tellus

import (
	"bytes"
	"fmt"
	"io"
	"net/http"

	"github.com/iotapi/iotapi"
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
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return zero, fmt.Errorf("tellus: reading response body: %w", err)
	}
	var env struct {
		errorEnvelope
		Data T `json:"data"`
	}
	// A data field of an unexpected type still leaves code readable, and a
	// failure code matters more than the data's shape.
	err = jsonx.Unmarshal(body, &env)
	if env.Code != "" && env.Code != CodeSuccess {
		resp.Body = io.NopCloser(bytes.NewReader(body))
		e := iotapi.NewAPIError(Name, resp)
		apply(e, &env.errorEnvelope)
		return zero, e
	}
	if err != nil {
		return zero, fmt.Errorf("tellus: decoding %d response: %w", resp.StatusCode, err)
	}
	return env.Data, nil
}
