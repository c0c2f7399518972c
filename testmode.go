package iotapi

import (
	"time"

	"github.com/iotapi/iotapi/internal/testhook"
)

// The recording mode of iotapitest.Waits: a client that hands each planned
// wait to a recorder and sleeps none, so that a test of a retry (a DT 504
// waits at least 10 s) runs in milliseconds. Only iotapitest can reach it.
func init() {
	testhook.RecordWaits = func(record func(time.Duration)) any {
		return Option(func(c *config) { c.recordWait = record })
	}
}
