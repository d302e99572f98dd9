package funchost

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error returned by this package wraps exactly one of
// them (test with errors.Is) together with the detail: which key, which
// binding, which limit. Values taken from a message body are never copied into
// an error string, since bodies may carry personal data.
var (
	// ErrMalformedEnvelope: the request body is not the host's
	// {"Data":{...},"Metadata":{...}} envelope (not JSON, Data missing or of
	// the wrong type, Metadata of the wrong type).
	ErrMalformedEnvelope = errors.New("funchost: malformed invocation envelope")

	// ErrMalformedBinding: Data.<binding> is present but its value has a shape
	// the trigger cannot have (null body, a timer that is not an object, ...).
	// It wraps ErrMalformedEnvelope.
	ErrMalformedBinding = fmt.Errorf("%w: binding value", ErrMalformedEnvelope)

	// ErrMalformedMetadata: a Metadata key that the binding owns holds a value
	// of the wrong type (DeliveryCount that is not an integer, a time that does
	// not parse). It wraps ErrMalformedEnvelope.
	ErrMalformedMetadata = fmt.Errorf("%w: metadata", ErrMalformedEnvelope)

	// ErrMissingBinding: Data has no entry for the requested binding name
	// (the name in function.json and the handler disagree), or the name is
	// empty.
	ErrMissingBinding = errors.New("funchost: binding missing from invocation")

	// ErrBodyTooLarge: the request body exceeds the configured cap.
	ErrBodyTooLarge = errors.New("funchost: request body too large")

	// ErrMalformedResponse: a handler reply that the host could not read
	// (DecodeResponse, ParseHTTPOutput).
	ErrMalformedResponse = errors.New("funchost: malformed handler response")
)
