package handler

import (
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/vendorflow/vendorflow/pkg/clock"
	"github.com/vendorflow/vendorflow/pkg/funchost"
)

// Defaults.
const (
	// DefaultRunTimeout bounds one Service Bus run. The host renews the
	// message lock for at most 5 min (maxAutoLockRenewalDuration,
	// functions/README.md); work still running after that is delivered
	// twice, so the run must end, and be rescheduled, well before.
	DefaultRunTimeout = 4 * time.Minute
	// DefaultMaxAttempts is how many times a retrying request is
	// rescheduled before it is parked.
	DefaultMaxAttempts = 8
	// DefaultMaxHold is the longest an invocation may expect to wait for
	// its first Graph write token; a longer wait reschedules the message
	// for when the token is due instead of holding its lock.
	DefaultMaxHold = 10 * time.Second
	// DefaultBackoffBase and DefaultBackoffMax shape the reschedule delay.
	DefaultBackoffBase = 30 * time.Second
	DefaultBackoffMax  = 30 * time.Minute
)

// Config configures a Handler.
type Config struct {
	Processor   Processor
	Bus         Bus
	DeadLetters DeadLetterStore
	Status      StatusReader
	Sweeper     Sweeper
	Reconciler  Reconciler
	// Clock is the handler's time source; default clock.Real{}.
	Clock clock.Clock
	// Logger defaults to a logger that discards.
	Logger *slog.Logger
	// RunTimeout is the deadline of one Service Bus run (default 4m).
	RunTimeout time.Duration
	// MaxAttempts is the number of reschedules before parking (default 8).
	MaxAttempts int
	// Admission, when set, is asked before each onboard or offboard run how
	// long its first Graph write would wait (the write budget's Delay).
	// Beyond MaxHold the message is rescheduled for then and the delivery
	// completed: the run does not hold the lock, and the reschedule is not
	// counted as an attempt.
	Admission WriteAdmission
	// MaxHold bounds that wait (default 10s).
	MaxHold time.Duration
	// Backoff shapes the reschedule delay (defaults 30s base, 30m cap).
	Backoff Backoff
	// Decoder holds the envelope size caps (funchost defaults).
	Decoder funchost.Config
	// Observer, when set, is told what became of each onboard and
	// offboard invocation (pkg/metrics counts them). It must not block.
	Observer func(Settled)
	// Console serves the ops console's pages (pkg/console) for the
	// console function; nil answers that function 404.
	Console http.Handler
}

// SetDefaults fills unset fields.
func (c *Config) SetDefaults() {
	if c.Clock == nil {
		c.Clock = clock.Real{}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.RunTimeout == 0 {
		c.RunTimeout = DefaultRunTimeout
	}
	if c.MaxHold == 0 {
		c.MaxHold = DefaultMaxHold
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	c.Backoff.SetDefaults()
	c.Decoder.SetDefaults()
}

// Validate reports a configuration that cannot work.
func (c Config) Validate() error {
	var errs []error
	if c.Processor == nil {
		errs = append(errs, errors.New("handler: Processor is required"))
	}
	if c.Bus == nil {
		errs = append(errs, errors.New("handler: Bus is required"))
	}
	if c.DeadLetters == nil {
		errs = append(errs, errors.New("handler: DeadLetters is required"))
	}
	if c.Status == nil {
		errs = append(errs, errors.New("handler: Status is required"))
	}
	if c.Reconciler == nil {
		errs = append(errs, errors.New("handler: Reconciler is required"))
	}
	if c.Sweeper == nil {
		errs = append(errs, errors.New("handler: Sweeper is required"))
	}
	if c.RunTimeout < 0 || c.RunTimeout >= 5*time.Minute {
		errs = append(errs, errors.New("handler: RunTimeout must be positive and under the 5m lock renewal"))
	}
	if c.MaxAttempts < 0 {
		errs = append(errs, errors.New("handler: MaxAttempts must not be negative"))
	}
	if err := c.Backoff.Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := c.Decoder.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
