package iotapi

// Fault says which side a vendor's documents blame for an error, in the
// manner of smithy-go's ErrorFault.
type Fault uint8

// The faults. The zero value means not determined.
const (
	FaultUnknown Fault = iota // not determined
	FaultClient               // the request or credentials must change (4xx)
	FaultServer               // vendor-side; the same request may succeed later (5xx)
	FaultEither               // the vendor uses this status for both: T IoT answers 500 for invalid requests and credentials too
)

// String returns "client", "server", "either" or "unknown".
func (f Fault) String() string {
	switch f {
	case FaultClient:
		return "client"
	case FaultServer:
		return "server"
	case FaultEither:
		return "either"
	}
	return "unknown"
}

// FaultForStatus returns the fault an HTTP status implies on its own:
// FaultClient for 4xx, FaultServer for 5xx, FaultUnknown otherwise.
func FaultForStatus(status int) Fault {
	switch {
	case status >= 400 && status < 500:
		return FaultClient
	case status >= 500:
		return FaultServer
	}
	return FaultUnknown
}
