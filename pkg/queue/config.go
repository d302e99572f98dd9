package queue

import (
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/vendorflow/vendorflow/pkg/clock"
)

// Defaults, after Service Bus queue defaults where one exists
// (DOCS https://learn.microsoft.com/azure/service-bus-messaging/service-bus-quotas).
const (
	DefaultLockDuration             = 60 * time.Second    // Service Bus default 1 min
	MaxLockDuration                 = 5 * time.Minute     // Service Bus maximum
	DefaultMaxDeliveryCount         = 10                  // REFERENCE.md §1
	DefaultDuplicateDetectionWindow = 10 * time.Minute    // Service Bus default
	DefaultTTL                      = 14 * 24 * time.Hour // Standard tier maximum
	DefaultMaxMessageSize           = 256 * 1024          // Standard tier limit (body only here)
	DefaultBusyTimeout              = 5 * time.Second
)

// Config configures Open. Zero values are replaced by SetDefaults.
type Config struct {
	// Path is the SQLite file. ":memory:" gives a private in-memory database
	// on a single connection (tests only: not shared, not durable). The path
	// must not contain '?'.
	Path string
	// Clock supplies the current time (tests inject a fake they advance by
	// hand); default clock.Real{}.
	Clock clock.Clock
	// Logger receives automatic dead-lettering events; default discards.
	// Message bodies and properties are never logged.
	Logger *slog.Logger
	// LockDuration is the peek-lock duration (default 60 s, at most 5 min).
	LockDuration time.Duration
	// MaxDeliveryCount is the number of deliveries after which an abandoned or
	// lock-expired message is dead-lettered (default 10).
	MaxDeliveryCount int
	// DuplicateDetectionWindow is how long an accepted MessageID suppresses
	// later sends of the same id on the same queue (default 10 min).
	DuplicateDetectionWindow time.Duration
	// DefaultTTL is the time to live of messages that set none (default 14
	// days); expired messages are dead-lettered with reason TTLExpiredException.
	DefaultTTL time.Duration
	// MaxMessageSize caps the body in bytes (default 256 KiB).
	MaxMessageSize int
	// BusyTimeout is how long a writer waits for another process's write lock
	// (SQLite busy_timeout; default 5 s).
	BusyTimeout time.Duration
}

// SetDefaults fills zero fields with their defaults.
func (c *Config) SetDefaults() {
	if c.Clock == nil {
		c.Clock = clock.Real{}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.LockDuration == 0 {
		c.LockDuration = DefaultLockDuration
	}
	if c.MaxDeliveryCount == 0 {
		c.MaxDeliveryCount = DefaultMaxDeliveryCount
	}
	if c.DuplicateDetectionWindow == 0 {
		c.DuplicateDetectionWindow = DefaultDuplicateDetectionWindow
	}
	if c.DefaultTTL == 0 {
		c.DefaultTTL = DefaultTTL
	}
	if c.MaxMessageSize == 0 {
		c.MaxMessageSize = DefaultMaxMessageSize
	}
	if c.BusyTimeout == 0 {
		c.BusyTimeout = DefaultBusyTimeout
	}
}

// Validate reports the first invalid field, wrapped in ErrInvalidConfig.
// Call SetDefaults first.
func (c *Config) Validate() error {
	switch {
	case c.Path == "":
		return fmt.Errorf("%w: Path is required", ErrInvalidConfig)
	case strings.Contains(c.Path, "?"):
		return fmt.Errorf("%w: Path must not contain '?'", ErrInvalidConfig)
	case c.Clock == nil:
		return fmt.Errorf("%w: Clock is nil", ErrInvalidConfig)
	case c.Logger == nil:
		return fmt.Errorf("%w: Logger is nil", ErrInvalidConfig)
	case c.LockDuration <= 0 || c.LockDuration > MaxLockDuration:
		return fmt.Errorf("%w: LockDuration %s not in (0, %s]", ErrInvalidConfig, c.LockDuration, MaxLockDuration)
	case c.MaxDeliveryCount < 1:
		return fmt.Errorf("%w: MaxDeliveryCount %d < 1", ErrInvalidConfig, c.MaxDeliveryCount)
	case c.DuplicateDetectionWindow <= 0:
		return fmt.Errorf("%w: DuplicateDetectionWindow %s <= 0", ErrInvalidConfig, c.DuplicateDetectionWindow)
	case c.DefaultTTL <= 0:
		return fmt.Errorf("%w: DefaultTTL %s <= 0", ErrInvalidConfig, c.DefaultTTL)
	case c.MaxMessageSize <= 0:
		return fmt.Errorf("%w: MaxMessageSize %d <= 0", ErrInvalidConfig, c.MaxMessageSize)
	case c.BusyTimeout < time.Millisecond:
		return fmt.Errorf("%w: BusyTimeout %s < 1ms", ErrInvalidConfig, c.BusyTimeout)
	}
	return nil
}
