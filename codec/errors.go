package codec

import (
	"errors"
	"fmt"
)

// ErrMalformed is wrapped by every error about input that breaks the protocol.
// Callers test it with errors.Is.
var ErrMalformed = errors.New("malformed")

// ErrUnknownEvent is returned by DecodeEvent for a well-formed device event
// whose code protocol.md does not list.
var ErrUnknownEvent = errors.New("unknown device event")

// DecodeError says where binary input went wrong.
type DecodeError struct {
	What   string // what was being decoded, e.g. "device event"
	Offset int    // byte offset of the problem
	Err    error  // the reason; wraps ErrMalformed unless it is ErrUnknownEvent
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("%s: at byte %d: %v", e.What, e.Offset, e.Err)
}

func (e *DecodeError) Unwrap() error { return e.Err }

// malformed returns an error wrapping ErrMalformed with a formatted reason.
func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
}
