package envelope

import "github.com/iotapi/iotapi"

// Code is one row of a vendor's code table: the HTTP status the vendor
// documents for the code (0 when it documents none), and the Kind and
// retryability the code stands for.
type Code struct {
	Status    int
	Kind      iotapi.Kind
	Retryable bool
}

// Precedence is a vendor's rule for a code that arrives with a status other
// than the one its table documents. Each vendor package states its rule in
// its mapping table, from what the vendor's document says.
type Precedence uint8

const (
	// StatusFirst: a code refines its status. It decides the Kind on the
	// status its table documents (Endpoint Manager 1103 on a 401 is
	// TokenExpired), and on a status that implies no Kind by itself (a 418,
	// a 3xx); on any other status the status's Kind stands (1401, a 422
	// code, on a 404 is NotFound).
	StatusFirst Precedence = iota

	// CodeFirst: the vendor's document makes the code the identifier to
	// branch on (Tellus: "Use it for branching logic"). A code in the table
	// decides the Kind whatever the status.
	CodeFirst
)

// Apply settles e's Kind by the precedence rule when its code is in the
// vendor's table as row c: e.Kind holds what the status says (after any
// status rule of the vendor's own, such as DT's 501). When the code
// decides, Kind and Retryable become the row's, and Fault the side its
// documented status blames; when the status decides, e is left as it is.
// Code and Type keep the vendor's values either way. Apply reports whether
// the code decided.
func (p Precedence) Apply(e *iotapi.APIError, c Code) bool {
	if p != CodeFirst && c.Status != e.StatusCode && e.Kind != iotapi.Unknown {
		return false
	}
	e.Kind, e.Retryable = c.Kind, c.Retryable
	if c.Status != 0 && c.Status != e.StatusCode {
		e.Fault = iotapi.FaultForStatus(c.Status)
	}
	return true
}
