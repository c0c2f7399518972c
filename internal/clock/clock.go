// Package clock is the clock package iotapi measures Retry-After dates
// from, shared with the vendor decoders that read a wait from a response
// body. A body hint and the Retry-After header of one response are then
// measured from the same clock, and a test that replaces the root
// package's clock moves both.
package clock

import "time"

// Now returns the current time. Package iotapi points it at its own clock
// when it is initialized; until then, and in programs without package
// iotapi, it is time.Now.
var Now = time.Now
