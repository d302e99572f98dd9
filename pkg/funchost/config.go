package funchost

import (
	"errors"
	"fmt"
)

// Default body caps. They bound the whole envelope the host POSTs, not just
// the message body.
const (
	// DefaultMaxServiceBusBytes is 1 MiB. The body travels base64-encoded
	// (4/3 larger) next to ~1-2 KiB of metadata, so the largest message body
	// accepted is about 750 KiB: above the Standard tier's 256 KB message
	// limit and far above an onboard/offboard request (< 4 KiB). Raise it only
	// for Premium "large message" queues.
	DefaultMaxServiceBusBytes int64 = 1 << 20
	// DefaultMaxTimerBytes is 64 KiB: a timer envelope is a few hundred bytes.
	DefaultMaxTimerBytes int64 = 64 << 10
	// DefaultMaxHTTPBytes is 1 MiB: the operator endpoints take small JSON
	// bodies (a replay filter, a request id).
	DefaultMaxHTTPBytes int64 = 1 << 20
)

// Config holds the decoder's limits. The zero value plus SetDefaults is the
// production configuration.
type Config struct {
	// MaxServiceBusBytes caps the envelope of a Service Bus invocation.
	MaxServiceBusBytes int64
	// MaxTimerBytes caps the envelope of a timer invocation.
	MaxTimerBytes int64
	// MaxHTTPBytes caps the envelope of an HTTP invocation.
	MaxHTTPBytes int64
}

// SetDefaults fills every unset (zero) limit with its default.
func (c *Config) SetDefaults() {
	if c.MaxServiceBusBytes == 0 {
		c.MaxServiceBusBytes = DefaultMaxServiceBusBytes
	}
	if c.MaxTimerBytes == 0 {
		c.MaxTimerBytes = DefaultMaxTimerBytes
	}
	if c.MaxHTTPBytes == 0 {
		c.MaxHTTPBytes = DefaultMaxHTTPBytes
	}
}

// Validate reports limits that cannot work (zero or negative).
func (c Config) Validate() error {
	var errs []error
	for _, l := range []struct {
		name string
		v    int64
	}{
		{"MaxServiceBusBytes", c.MaxServiceBusBytes},
		{"MaxTimerBytes", c.MaxTimerBytes},
		{"MaxHTTPBytes", c.MaxHTTPBytes},
	} {
		if l.v <= 0 {
			errs = append(errs, fmt.Errorf("funchost: config: %s must be > 0, got %d", l.name, l.v))
		}
	}
	return errors.Join(errs...)
}

// Decoder decodes host invocations under a Config. It holds no mutable state
// and is safe for concurrent use.
type Decoder struct {
	cfg Config
}

// NewDecoder applies defaults to cfg, validates it and returns a Decoder.
func NewDecoder(cfg Config) (*Decoder, error) {
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Decoder{cfg: cfg}, nil
}

// defaultDecoder backs the package-level Decode* functions.
func defaultDecoder() *Decoder {
	var cfg Config
	cfg.SetDefaults()
	return &Decoder{cfg: cfg}
}
