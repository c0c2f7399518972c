package iotapi_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/iotapi/iotapi"
	"github.com/stretchr/testify/assert"
)

func TestPartialError_Error(t *testing.T) {
	for _, c := range []struct {
		e    iotapi.PartialError
		want string
	}{
		{iotapi.PartialError{Vendor: "dt", StatusCode: 200, Failed: 2, Failures: []iotapi.Detail{
			{Code: "NOT_FOUND", Field: "projects/p/devices/d1", Message: "Resource not found."}, {Code: "X"}}},
			"dt: 200 with 2 failed items: projects/p/devices/d1: resource not found (code NOT_FOUND)"},
		{iotapi.PartialError{Vendor: "tiot", StatusCode: 207, Failed: 1, Failures: []iotapi.Detail{{Type: "Invalid Action"}}},
			"tiot: 207 with 1 failed item: invalid action"},
		{iotapi.PartialError{StatusCode: 200, Failed: 3, Failures: []iotapi.Detail{{}}}, "iotapi: 200 with 3 failed items: failed"},
		{iotapi.PartialError{Vendor: "dt", StatusCode: 200, Failures: []iotapi.Detail{{Message: "a\nb\r\nc", Code: "1\n2"}}},
			"dt: 200 with 1 failed item: a b c (code 1 2)"},
		{iotapi.PartialError{Vendor: "dt", StatusCode: 200}, "dt: 200 with 0 failed items"},
	} {
		assert.Equal(t, c.want, c.e.Error())
	}
	long := iotapi.PartialError{Vendor: "dt", StatusCode: 200, Failures: []iotapi.Detail{
		{Field: strings.Repeat("f", 5000), Message: strings.Repeat("m", 5000), Code: strings.Repeat("c", 5000)}}}
	assert.Less(t, len(long.Error()), 1000, "bounded")
}

func TestPartialError_IsNotAFailedCall(t *testing.T) {
	var err error = fmt.Errorf("sync: %w", &iotapi.PartialError{Vendor: "dt", StatusCode: 200, Failed: 1,
		Failures: []iotapi.Detail{{Code: "NOT_FOUND"}}})
	var pe *iotapi.PartialError
	assert.True(t, errors.As(err, &pe))
	var ae *iotapi.APIError
	assert.False(t, errors.As(err, &ae))
	assert.False(t, iotapi.IsRetryable(err))
	assert.NotErrorIs(t, err, iotapi.NotFound)
	_, ok := iotapi.NewReport(err)
	assert.False(t, ok)
}
