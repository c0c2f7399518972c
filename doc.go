// Package iotapi is the core of a Go client SDK for five IoT and telematics
// vendor APIs: Tellus Open Platform (package tellus), Telemax (telemax),
// T IoT Hub (tiot), DT sensor cloud (dt) and Endpoint Manager (endpointmgr).
//
// Each vendor reports errors its own way. Each vendor package's
// CheckResponse decodes them into one [APIError], so application code
// branches on normalized kinds:
//
//	if err := dt.CheckResponse(resp); err != nil {
//		switch {
//		case errors.Is(err, iotapi.NotFound):
//			// ...
//		case iotapi.IsRetryable(err):
//			// ...
//		}
//		var apiErr *iotapi.APIError
//		if errors.As(err, &apiErr) {
//			log.Printf("vendor request id %s", apiErr.RequestID)
//		}
//	}
//
// Decoding never panics and never loses the response: any non-2xx status
// gives an *APIError with that status, whatever the body (HTML, empty,
// truncated, gzip, several megabytes), at most [BodyLimit] bytes are read
// into it, and the caller can still read the whole body. Credentials in
// headers and URLs never appear in an error.
package iotapi
