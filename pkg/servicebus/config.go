package servicebus

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/vendorflow/vendorflow/pkg/clock"
	"github.com/vendorflow/vendorflow/pkg/funcapp"
)

// Defaults of Config.
const (
	DefaultMaxReplay   = 1000
	DefaultMaxList     = 5000
	DefaultPageSize    = 100
	DefaultBatchSize   = 50
	DefaultReceiveWait = 5 * time.Second
	// DefaultLockDuration is Service Bus's default lock duration, assumed
	// for a received message that does not say when its lock expires.
	DefaultLockDuration = time.Minute
)

// Config configures a Bus.
type Config struct {
	// Namespace is the fully qualified namespace,
	// e.g. "contoso.servicebus.windows.net" — not a connection string.
	Namespace string
	// Credential authenticates to the namespace (managed identity,
	// certificate or client secret of the app).
	Credential azcore.TokenCredential
	// Queues are the queue names; empty ones take the defaults
	// (funcapp.Default*Queue).
	Queues funcapp.Queues
	// Logger receives replay and purge records (never message bodies).
	Logger *slog.Logger
	// MaxReplay bounds how many messages one Replay or Purge call receives
	// (and so holds locked, renewing the locks) from each source queue; a
	// larger selection needs another call.
	MaxReplay int
	// BatchSize is the number of messages per receive call of Replay and
	// Purge (default 50); each batch's matches are settled before the next
	// receive.
	BatchSize int
	// MaxList bounds how many messages List peeks from each source queue.
	MaxList int
	// PageSize is the number of messages per peek call.
	PageSize int
	// ReceiveWait is how long Replay and Purge wait for a message they
	// peeked but cannot receive yet (locked by another receiver) before
	// they give up on it: ReceiveMessages blocks until a message arrives.
	ReceiveWait time.Duration
	// Clock tells when held locks are due for renewal or have expired
	// (compared with the broker's LockedUntil); default the real clock.
	Clock clock.Clock
}

// SetDefaults fills unset fields.
func (c *Config) SetDefaults() {
	c.Queues.SetDefaults()
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.MaxReplay == 0 {
		c.MaxReplay = DefaultMaxReplay
	}
	if c.MaxList == 0 {
		c.MaxList = DefaultMaxList
	}
	if c.PageSize == 0 {
		c.PageSize = DefaultPageSize
	}
	if c.BatchSize == 0 {
		c.BatchSize = DefaultBatchSize
	}
	if c.ReceiveWait == 0 {
		c.ReceiveWait = DefaultReceiveWait
	}
	if c.Clock == nil {
		c.Clock = clock.Real{}
	}
}

// maxPageSize is the most messages the SDK lets one ReceiveMessages call
// ask for (its link credit limit).
const maxPageSize = 5000

// Validate checks the configuration. Its errors never echo a value that
// looks like a connection string (it could hold a SharedAccessKey).
func (c Config) Validate() error {
	if err := validNamespace(c.Namespace); err != nil {
		return err
	}
	if c.Credential == nil {
		return errors.New("servicebus: a credential is required (identity-based connection)")
	}
	if err := c.Queues.Validate(); err != nil {
		return fmt.Errorf("servicebus: %w", err)
	}
	switch {
	case c.MaxReplay < 1:
		return fmt.Errorf("servicebus: MaxReplay %d must be at least 1", c.MaxReplay)
	case c.MaxList < 1:
		return fmt.Errorf("servicebus: MaxList %d must be at least 1", c.MaxList)
	case c.PageSize < 1 || c.PageSize > maxPageSize:
		return fmt.Errorf("servicebus: PageSize %d must be between 1 and %d", c.PageSize, maxPageSize)
	case c.BatchSize < 1 || c.BatchSize > maxPageSize:
		return fmt.Errorf("servicebus: BatchSize %d must be between 1 and %d", c.BatchSize, maxPageSize)
	case c.ReceiveWait <= 0:
		return fmt.Errorf("servicebus: ReceiveWait %s must be positive", c.ReceiveWait)
	}
	return nil
}

// validNamespace accepts a host name with at least two labels, such as
// contoso.servicebus.windows.net (or a sovereign cloud's suffix).
func validNamespace(ns string) error {
	if ns == "" {
		return errors.New("servicebus: the fully qualified namespace is required (e.g. contoso.servicebus.windows.net)")
	}
	if strings.ContainsAny(ns, ";=") {
		// Do not echo it: a connection string carries a key.
		return errors.New("servicebus: the namespace looks like a connection string; give the fully qualified namespace (e.g. contoso.servicebus.windows.net) and use an identity")
	}
	bad := func(why string) error {
		return fmt.Errorf("servicebus: namespace %q %s; want a fully qualified namespace such as contoso.servicebus.windows.net", ns, why)
	}
	if strings.Contains(ns, "://") || strings.ContainsAny(ns, "/:") {
		return bad("must be a host name, without scheme, port or path")
	}
	labels := strings.Split(ns, ".")
	if len(labels) < 2 {
		return bad("is not fully qualified")
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return bad("has an empty or malformed label")
		}
		for _, r := range l {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return bad("contains a character not allowed in a host name")
			}
		}
	}
	return nil
}
