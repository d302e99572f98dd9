package domain

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Code classifies every error vendorflow reports. The classification is made
// once, where an error is born (the Graph adapter, validation, the journal),
// and every consumer decides what to do from the code alone.
type Code string

// Error codes.
const (
	// Invalid: the request itself is wrong (unknown vendor, bad email domain,
	// bad dates). Parked at once; never retried; never reaches Graph.
	Invalid Code = "invalid"
	// Transient: a fault that time cures (429, 503, 504, timeouts,
	// replication lag). Retried with backoff.
	Transient Code = "transient"
	// Conflict: the object exists and is not ours, or the request id was
	// reused for different content. Parked; a human decides.
	Conflict Code = "conflict"
	// NotFound: the object does not exist (and is not expected to appear).
	NotFound Code = "not_found"
	// Business: a permanent business failure such as no free license seat
	// or a TAP policy that excludes the account. Parked with its reason.
	Business Code = "business"
	// Internal: a bug or an unclassified failure. Retried a bounded number
	// of times, then parked.
	Internal Code = "internal"
)

// ErrBudgetWait marks a Transient error that is no fault at all: a Graph
// write had to wait for vendorflow's own write budget longer than the run
// had left. The request is deferred until the budget has a token, without
// counting an attempt (errors.Is).
var ErrBudgetWait = errors.New("waiting for the Graph write budget")

// ErrAccountBusy marks a Transient error that is a wait, not a fault:
// another run holds the account's lease. The request is deferred without
// counting an attempt (errors.Is).
var ErrAccountBusy = errors.New("the account is held by another run")

// Problem is one thing wrong with a request, with the path of the field.
type Problem struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (p Problem) String() string { return p.Field + ": " + p.Message }

// Error is vendorflow's one error type.
type Error struct {
	Code    Code
	Message string
	// Problems lists every validation problem (Code Invalid).
	Problems []Problem
	// RetryAfter is the server's advice for Transient errors (0 = none).
	RetryAfter time.Duration
	// Err is the cause, kept for errors.Is/As and logs.
	Err error
	// causeInMessage is set when Message already quotes Err (Errorf's %w).
	causeInMessage bool
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(string(e.Code))
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	for i, p := range e.Problems {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(p.String())
	}
	if e.Err != nil && !e.causeInMessage {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with a formatted message. A %w verb wraps its
// operand as the cause.
func Errorf(code Code, format string, args ...any) *Error {
	wrapped := fmt.Errorf(format, args...)
	cause := errors.Unwrap(wrapped)
	return &Error{Code: code, Message: wrapped.Error(), Err: cause, causeInMessage: cause != nil}
}

// Wrap classifies err under code with a short message; nil stays nil.
func Wrap(code Code, err error, message string) error {
	if err == nil {
		return nil
	}
	return &Error{Code: code, Message: message, Err: err}
}

// ErrorCode returns the code of the first *Error in err's chain, Internal for
// any other non-nil error and "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// ErrorMessage returns the human-readable message of err's *Error, or a
// generic text for unclassified errors (their detail may hold anything and is
// for logs, not for users).
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		if len(e.Problems) == 0 {
			return e.Message
		}
		parts := make([]string, 0, len(e.Problems)+1)
		if e.Message != "" {
			parts = append(parts, e.Message)
		}
		for _, p := range e.Problems {
			parts = append(parts, p.String())
		}
		return strings.Join(parts, "; ")
	}
	if err == nil {
		return ""
	}
	return "internal error"
}

// RetryAfterOf returns the server's retry advice carried by err, or 0.
func RetryAfterOf(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}

// Disposition is what a consumer does with a failed request.
type Disposition string

// Dispositions.
const (
	Retry Disposition = "retry" // try again later (backoff, reschedule)
	Park  Disposition = "park"  // stop, record the reason, wait for ops
)

// Outcome is the single table that maps an error code to what every layer
// does with it: the step engine (retry or park), the HTTP handlers (status)
// and the CLI (exit code).
type Outcome struct {
	Disposition Disposition
	HTTPStatus  int
	ExitCode    int
}

// OutcomeOf returns the row of the table for code.
func OutcomeOf(code Code) Outcome {
	switch code {
	case "":
		return Outcome{Disposition: "", HTTPStatus: 200, ExitCode: 0}
	case Invalid:
		return Outcome{Disposition: Park, HTTPStatus: 400, ExitCode: 2}
	case Conflict:
		return Outcome{Disposition: Park, HTTPStatus: 409, ExitCode: 3}
	case NotFound:
		return Outcome{Disposition: Park, HTTPStatus: 404, ExitCode: 4}
	case Business:
		return Outcome{Disposition: Park, HTTPStatus: 422, ExitCode: 5}
	case Transient:
		return Outcome{Disposition: Retry, HTTPStatus: 503, ExitCode: 6}
	default: // Internal and anything unknown
		return Outcome{Disposition: Retry, HTTPStatus: 500, ExitCode: 1}
	}
}
