package redact

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestIsSecret(t *testing.T) {
	for _, name := range []string{"Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie", "X-Api-Key", "X-Auth-Token",
		"access_token", "token", "client_secret", "api_key", "apikey", "password", "key", "sig", "code", "X-Amz-Security-Token"} {
		assert.True(t, IsSecret(name), name)
	}
	for _, name := range []string{"Content-Type", "X-Request-Id", "Retry-After", "page", "X-Amzn-Errortype", "Www-Authenticate", "limit"} {
		assert.False(t, IsSecret(name), name)
	}
}

func TestHeader(t *testing.T) {
	h := http.Header{"Authorization": {"Bearer s3cr3t"}, "Set-Cookie": {"a=s3cr3t", "b=s3cr3t"}, "X-Request-Id": {"r1"}}
	got := Header(h)
	assert.Equal(t, http.Header{"Authorization": {Mask}, "Set-Cookie": {Mask, Mask}, "X-Request-Id": {"r1"}}, got)
	assert.Equal(t, "Bearer s3cr3t", h.Get("Authorization"), "the original is not modified")
	assert.Nil(t, Header(nil))
}

func TestURL(t *testing.T) {
	u, err := url.Parse("https://user:pw@api.example.test/v1/x?access_token=s3cr3t&page=2&client_secret=s3cr3t&api_key=s3cr3t&token&%zz=1#frag")
	require.NoError(t, err)
	got := URL(u)
	assert.Equal(t, "https://api.example.test/v1/x?access_token=REDACTED&page=2&client_secret=REDACTED&api_key=REDACTED&token&REDACTED", got)
	assert.NotContains(t, got, "s3cr3t")
	assert.NotContains(t, got, "pw")
	assert.Equal(t, "", URL(nil))
}

func TestIsSecret_LongAndOddNames(t *testing.T) {
	assert.True(t, IsSecret("X-"+strings.Repeat("Padding-", 20)+"Token"), "past the stack buffer")
	assert.False(t, IsSecret(strings.Repeat("X", 100)))
	assert.True(t, IsSecret("KEY"))
	assert.False(t, IsSecret("Keys"))
	assert.False(t, IsSecret(""))
	assert.Zero(t, testing.AllocsPerRun(100, func() { IsSecret("X-Amzn-Requestid") }))
}

func TestHeader_CopyIsIndependent(t *testing.T) {
	h := http.Header{"A": {"1", "2"}, "Nil": nil, "Empty": {}, "X-Api-Key": {"k"}}
	got := Header(h)
	assert.Equal(t, http.Header{"A": {"1", "2"}, "Nil": nil, "Empty": {}, "X-Api-Key": {Mask}}, got)
	got["A"][0] = "changed"
	got["A"] = append(got["A"], "3")
	assert.Equal(t, []string{"1", "2"}, h["A"], "the original is not modified")
	assert.Equal(t, []string{}, got["Empty"])
	assert.Equal(t, []string{Mask}, got["X-Api-Key"], "appending to one header does not overwrite another")
}

func TestIsSecret_PlainHeadersArePlainByTheRules(t *testing.T) {
	for name := range plainHeaders {
		assert.False(t, isSecret(name), name)
		assert.Equal(t, http.CanonicalHeaderKey(name), name, "plainHeaders holds canonical names")
	}
}

// The credential vocabulary of the major gateways and clouds, as header
// and query names, in any case and with any separator.
func TestIsSecret_Vocabulary(t *testing.T) {
	secret := []string{
		// AWS
		"Authorization", "X-Amz-Security-Token", "X-Amz-Credential", "X-Amz-Signature", "AWSAccessKeyId",
		"Signature", "x-api-key", "aws_access_key_id", "aws_secret_access_key", "X-Amz-Server-Side-Encryption-Customer-Key",
		// Azure
		"Ocp-Apim-Subscription-Key", "subscription-key", "x-functions-key", "code", "api-key", "sig",
		"x-ms-client-secret",
		// Google
		"key", "x-goog-api-key", "X-Goog-Credential", "X-Goog-Signature",
		// Kong, Apigee, Tyk, Cloudflare, GitLab, Vault, Consul
		"apikey", "ApiKey", "x-apikey", "X-Tyk-Authorization", "X-Auth-Key", "CF-Access-Client-Secret",
		"cf-access-token", "Private-Token", "X-Gitlab-Token", "X-Vault-Token", "X-Consul-Token",
		// webhooks
		"X-Hub-Signature", "X-Hub-Signature-256", "X-Shopify-Hmac-Sha256", "Stripe-Signature",
		// OAuth2, sessions, generic
		"access_token", "refresh_token", "id_token", "client_secret", "client_assertion", "Cookie", "Set-Cookie",
		"Proxy-Authorization", "JSESSIONID", "session_id", "X-Session-Token", "X-CSRF-Token", "X-XSRF-TOKEN",
		"password", "passwd", "pwd", "pass", "passphrase", "jwt", "otp", "private_key", "X-Auth-Token",
		"X-Access-Token", "X-API-Token", "secret", "token", "auth",
		// separators and case
		"API_KEY", "Api.Key", "api key", "X_API_KEY", "CLIENT-SECRET",
	}
	for _, name := range secret {
		assert.True(t, IsSecret(name), name)
	}
	plain := []string{
		"Content-Type", "X-Request-Id", "Retry-After", "page", "X-Amzn-Errortype", "Www-Authenticate", "limit",
		"Idempotency-Key", "X-Idempotency-Key", "Keys", "Location", "X-Ratelimit-Remaining", "Traceparent",
		"X-Amz-Date", "X-Amz-Content-Sha256", "sort", "filter", "Accept", "X-Auth-Email",
	}
	for _, name := range plain {
		assert.False(t, IsSecret(name), name)
	}
	assert.Zero(t, testing.AllocsPerRun(100, func() { IsSecret("Ocp-Apim-Subscription-Key") }))
}

func TestQuery_Separators(t *testing.T) {
	assert.Equal(t, "a=1;api_key=REDACTED&b=2;sig=REDACTED", Query("a=1;api_key=s3cr3t&b=2;sig=s3cr3t"))
	assert.Equal(t, "a=1&&b", Query("a=1&&b"))
	assert.Equal(t, "", Query(""))
}
