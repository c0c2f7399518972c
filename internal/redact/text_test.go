package redact_test

import (
	"testing"

	"github.com/iotapi/iotapi/internal/redact"
	"github.com/stretchr/testify/assert"
)

func TestText(t *testing.T) {
	for in, want := range map[string]string{
		"no secrets here": "no secrets here",
		`Post "https://idp.test/oauth2/token?api_key=k-1&x=2": dial tcp: refused`: `Post "https://idp.test/oauth2/token?api_key=REDACTED&x=2": dial tcp: refused`,
		"Get https://user:pw@idp.test/t?code=abc, then":                           "Get https://idp.test/t?code=REDACTED, then",
		"header Authorization: Bearer eyJabc.def was sent":                        "header Authorization: Bearer REDACTED was sent",
		"Basic dXNlcjpwdw==":                       "Basic REDACTED",
		"see (https://docs.test/errors#401).":      "see (https://docs.test/errors#401).",
		"https://app.test/cb#access_token=t-1&x=2": "https://app.test/cb", // a fragment of parameters can hold a token
		"odd http://u:p@[bad/x?token=1 end":        "odd http://[bad/REDACTED end",
	} {
		assert.Equal(t, want, redact.Text(in), in)
	}
}
