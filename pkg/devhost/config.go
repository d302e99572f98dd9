package devhost

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/vendorflow/vendorflow/pkg/clock"
	"github.com/vendorflow/vendorflow/pkg/funcapp"
	"github.com/vendorflow/vendorflow/pkg/queue"
)

// Host defaults.
const (
	// DefaultConcurrency is the number of concurrent invocations per Service
	// Bus function.
	DefaultConcurrency = 2
	// DefaultLockDuration bounds one invocation; use the queue's
	// LockDuration, after which the lock is lost anyway.
	DefaultLockDuration = queue.DefaultLockDuration
	// DefaultPollInterval is the fallback wake-up of the dispatchers, should
	// a change escape WatchInterval's watch.
	DefaultPollInterval = time.Second
	// DefaultWatchInterval is how often the host looks for commits to the
	// queue file by other processes (`vendorflow enqueue`, the handlers'
	// sends): queue.WatchOthers, one data_version read each time.
	DefaultWatchInterval = 20 * time.Millisecond
	// DefaultTransportErrorDelay is how long a message stays locked after
	// the handler could not be reached, before it is abandoned.
	DefaultTransportErrorDelay = time.Second
	// DefaultHTTPAddr is where the front door listens (Core Tools' port).
	DefaultHTTPAddr = "127.0.0.1:7071"
)

// Invocation reports one finished invocation to Config.Observe.
type Invocation struct {
	Function      string
	InvocationID  string
	MessageID     string // Service Bus only
	DeliveryCount int    // Service Bus only
	// Instance is the index of the handler (Config.Handlers) invoked.
	Instance int
	// Status is the handler's HTTP status; 0 on a transport error.
	Status int
	// Outcome is "completed", "abandoned", "lock lost" (settling failed
	// because the lock expired), "ok" or "failed" (timer).
	Outcome string
	Err     error
	// Took is how long the invocation took on the host's clock, from its
	// start to its message settled.
	Took time.Duration
}

// Outcomes reported in Invocation.Outcome.
const (
	OutcomeCompleted = "completed"
	OutcomeAbandoned = "abandoned"
	OutcomeLockLost  = "lock lost"
	OutcomeOK        = "ok"
	OutcomeFailed    = "failed"
)

// Config configures a Host.
type Config struct {
	// Queue is the embedded queue feeding the Service Bus functions. It must
	// have been opened with the same clock as Clock.
	Queue *queue.Queue
	// HandlerURL is the custom handler's base URL ("http://127.0.0.1:PORT"),
	// when there is one instance; Handlers lists several.
	HandlerURL string
	// HandlerReady, when set, is awaited before each invocation (e.g.
	// (*Supervisor).WaitReady), so that deliveries are not burnt while the
	// handler restarts.
	HandlerReady func(ctx context.Context) error
	// Handlers are the instances of the app, as Azure scales it out: each
	// takes up to Concurrency invocations per Service Bus function, and
	// deliveries go to the least busy one. Empty means one instance,
	// HandlerURL with HandlerReady.
	Handlers []Handler
	// Functions are the app's functions; default funcapp.Functions().
	Functions []funcapp.Function
	// Settings are the app settings that resolve %Setting% (queue names, the
	// timer schedule); missing keys take funcapp.DefaultSettings values.
	Settings map[string]string
	// TimerSchedule, when set, overrides the schedule of every timer function.
	TimerSchedule string
	// Clock is the host's time source: Now for timestamps and schedules,
	// Sleep for every wait (next visible message, next timer occurrence,
	// fallback poll, transport-error delay). Tests inject a clock whose
	// Sleep blocks until they advance it; it must be the clock Queue was
	// opened with. Default clock.Real{}.
	Clock clock.Clock
	// Logger defaults to discarding.
	Logger *slog.Logger
	// LockDuration is the timeout of one invocation (default 60 s).
	LockDuration time.Duration
	// Concurrency is the number of concurrent invocations per Service Bus
	// function (default 2).
	Concurrency int
	// PollInterval is the fallback re-check of the queues (default 1 s).
	PollInterval time.Duration
	// WatchInterval is how often other processes' commits to the queue file
	// are looked for (default 20 ms; negative: not watched, they wait for
	// PollInterval).
	WatchInterval time.Duration
	// TransportErrorDelay: when the handler cannot be reached (it crashed
	// or is restarting), the message is kept locked this long before it is
	// abandoned, so that a restart does not burn its deliveries in a burst
	// (default 1 s; clamped to LockDuration).
	TransportErrorDelay time.Duration
	// HTTPAddr is the front door's listen address (default 127.0.0.1:7071;
	// use 127.0.0.1:0 for a free port).
	HTTPAddr string
	// AdminToken guards the front door's ops routes: every HTTP function
	// whose authLevel is not anonymous (dead letters, replay, purge,
	// status) answers 401 unless the request carries it, in the
	// x-functions-key header as Azure's function keys travel, or as
	// "Authorization: Bearer TOKEN". Empty refuses those routes to
	// everyone. It is taken off the request before the handler sees it.
	AdminToken string
	// Client sends invocations; default a client without timeout (each
	// invocation has its own LockDuration deadline).
	Client HTTPDoer
	// Observe, when set, is called after every invocation.
	Observe func(Invocation)
	// Metrics, when set, is served at GET /metrics on the front door
	// (pkg/metrics), to requests that carry AdminToken as the ops routes
	// do: Prometheus sends it as a bearer token.
	Metrics http.Handler
}

// Handler is one instance of the custom handler.
type Handler struct {
	// URL is its base URL ("http://127.0.0.1:PORT").
	URL string
	// Ready, when set, is awaited before each invocation.
	Ready func(ctx context.Context) error
}

// SetDefaults fills zero fields.
func (c *Config) SetDefaults() {
	if len(c.Handlers) == 0 && c.HandlerURL != "" {
		c.Handlers = []Handler{{URL: c.HandlerURL, Ready: c.HandlerReady}}
	}
	if c.Functions == nil {
		c.Functions = funcapp.Functions()
	}
	s := funcapp.DefaultSettings()
	for k, v := range c.Settings {
		s[k] = v
	}
	c.Settings = s
	if c.Clock == nil {
		c.Clock = clock.Real{}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.LockDuration == 0 {
		c.LockDuration = DefaultLockDuration
	}
	if c.Concurrency == 0 {
		c.Concurrency = DefaultConcurrency
	}
	if c.PollInterval == 0 {
		c.PollInterval = DefaultPollInterval
	}
	if c.WatchInterval == 0 {
		c.WatchInterval = DefaultWatchInterval
	}
	if c.TransportErrorDelay == 0 {
		c.TransportErrorDelay = DefaultTransportErrorDelay
	}
	if c.HTTPAddr == "" {
		c.HTTPAddr = DefaultHTTPAddr
	}
	if c.Client == nil {
		c.Client = newClient()
	}
}

// Validate reports the first unusable field.
func (c *Config) Validate() error {
	switch {
	case c.Queue == nil:
		return errors.New("devhost: config: Queue is nil")
	case len(c.Handlers) == 0:
		return errors.New("devhost: config: HandlerURL is empty")
	case c.LockDuration <= 0:
		return fmt.Errorf("devhost: config: LockDuration %s <= 0", c.LockDuration)
	case c.Concurrency < 1:
		return fmt.Errorf("devhost: config: Concurrency %d < 1", c.Concurrency)
	case c.TransportErrorDelay < 0:
		return fmt.Errorf("devhost: config: TransportErrorDelay %s < 0", c.TransportErrorDelay)
	case c.PollInterval <= 0:
		return fmt.Errorf("devhost: config: PollInterval %s <= 0", c.PollInterval)
	}
	for i, hd := range c.Handlers {
		if hd.URL == "" {
			return fmt.Errorf("devhost: config: handler %d has no URL", i)
		}
	}
	for _, f := range c.Functions {
		switch f.Trigger {
		case funcapp.TriggerServiceBus:
			if c.Settings[f.Setting] == "" {
				return fmt.Errorf("devhost: config: function %s: app setting %s (queue name) is empty", f.Name, f.Setting)
			}
		case funcapp.TriggerTimer:
			if _, err := ParseSchedule(c.schedule(f)); err != nil {
				return fmt.Errorf("devhost: config: function %s: %w", f.Name, err)
			}
		case funcapp.TriggerHTTP:
			if f.HTTPOutput == "" {
				return fmt.Errorf("devhost: config: function %s: no http output binding", f.Name)
			}
		default:
			return fmt.Errorf("devhost: config: function %s: unsupported trigger %q", f.Name, f.Trigger)
		}
	}
	return nil
}

func (c *Config) schedule(f funcapp.Function) string {
	if c.TimerSchedule != "" {
		return c.TimerSchedule
	}
	return c.Settings[f.Setting]
}
