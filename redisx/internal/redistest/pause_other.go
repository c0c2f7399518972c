//go:build !unix

package redistest

import (
	"errors"
	"os"
)

var errNoPause = errors.New("pausing a process needs Unix signals")

func pause(*os.Process) error  { return errNoPause }
func resume(*os.Process) error { return errNoPause }
