// Package iotapitest fakes the five vendors for tests, examples and local
// runs: canned responses taken byte for byte from each vendor's documented
// error bodies (and the messy ones real services send), loopback servers
// that serve them, and fault plans that script a vendor's behavior call by
// call: fail N times then succeed, rate-limit after K calls, answer slowly,
// reset the connection.
//
//	plan := iotapitest.NewPlan(
//		iotapitest.Times(2, iotapitest.Respond(iotapitest.MustLookup("dt", "503"))),
//		iotapitest.Always(iotapitest.OK(`{"devices":[]}`)),
//	)
//	srv := httptest.NewServer(plan)
//	defer srv.Close()
//
// [Waits] makes a client record the waits it plans before retrying
// instead of sleeping them, so a test of retry handling runs in
// milliseconds and asserts the plan.
//
// Everything here is safe for concurrent use.
package iotapitest
