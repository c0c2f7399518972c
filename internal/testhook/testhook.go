// Package testhook carries what package iotapi offers to package
// iotapitest alone, out of reach of programs (an internal package): a
// client option that records each planned retry wait instead of sleeping
// it.
package testhook

import "time"

// RecordWaits returns an iotapi.Option that hands each planned wait to
// record instead of sleeping it. Package iotapi sets it when it is
// initialized; its result is an iotapi.Option, typed any because this
// package cannot import iotapi.
var RecordWaits func(record func(time.Duration)) any
