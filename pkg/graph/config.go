package graph

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/vendorflow/vendorflow/pkg/clock"
)

// Defaults for Config.
const (
	DefaultBaseURL        = "https://graph.microsoft.com/v1.0"
	DefaultMaxRetries     = 4
	DefaultMaxBackoff     = 30 * time.Second
	DefaultPageSize       = MaxPageSize
	DefaultAttemptTimeout = 60 * time.Second
	DefaultLagRetries     = 3
	// MaxPageSize is Graph's largest $top for users (REFERENCE §2 "Queries").
	MaxPageSize = 999
)

// Config configures a Client.
type Config struct {
	// BaseURL is the Graph root including the version segment. Default
	// "https://graph.microsoft.com/v1.0"; for the emulator
	// "http://127.0.0.1:PORT/v1.0". Plain http is accepted for loopback
	// hosts only.
	BaseURL string
	// Credential obtains tokens. nil is accepted only when BaseURL is a
	// loopback address (the emulator): a static fake token is then sent.
	Credential azcore.TokenCredential
	// HTTPClient optionally supplies the base transport (its Transport is
	// wrapped by the middleware chain; nothing else of it is used).
	HTTPClient *http.Client
	// Clock is what retries wait on: a retry waits with Clock.Sleep, never
	// with time.Sleep, so that tests drive it with clock.Fake. Default
	// clock.Real{}.
	Clock clock.Clock
	// MaxRetries bounds the retries of one request (default 4; a negative
	// value disables retries).
	MaxRetries int
	// MaxBackoff caps a computed backoff; a server Retry-After longer than
	// this is not waited out here but returned as a Transient error carrying
	// RetryAfter, so that the caller reschedules instead of blocking.
	// Default 30s.
	MaxBackoff time.Duration
	// PageSize is $top for listings (default and at most 999, Graph's
	// largest: a sweep of a large tenant takes a tenth of the pages).
	PageSize int
	// AttemptTimeout bounds one HTTP attempt on the wall clock (default
	// 60s). A timed-out attempt of an idempotent request is retried.
	AttemptTimeout time.Duration
	// LagRetries is how many times a NotFound for an object id we were just
	// handed is retried before it is believed (replication lag, REFERENCE
	// §2); the waits are 500ms, 1s, 2s, … on Clock. Default 3; a
	// negative value disables them.
	LagRetries int
	// WriteLimit writes are allowed per WriteWindow on Clock (defaults 2400
	// per 150 s: 80 % of Graph's per-app identity write limit); a negative
	// WriteLimit turns pacing off.
	WriteLimit  int
	WriteWindow time.Duration
	// WriteBudget optionally replaces the in-process pacer built from
	// WriteLimit and WriteWindow: writes then reserve from it, and 429s and
	// x-ms-throttle-limit-percentage headers are reported to it. Set it to
	// a budget shared by every instance (pkg/writebudget) when the service
	// scales out; an in-process pacer paces one process only. When set,
	// WriteLimit and WriteWindow are ignored.
	WriteBudget WriteBudget
	// Logger receives retry and classification diagnostics (never bodies).
	Logger *slog.Logger
	// Observer, when set, is told of every attempt on the wire and every
	// wait the adapter takes (pkg/metrics implements it).
	Observer Observer
}

// Observer receives the adapter's traffic as it happens, from the same
// points that count Stats. Its methods must be quick and safe for
// concurrent use.
type Observer interface {
	// GraphAttempt reports one HTTP attempt: its method, its URL path
	// (with the ids and UPNs it names: an observer that keeps it must
	// replace them), the status answered (0 for a transport error) and
	// how long it took on the wall clock.
	GraphAttempt(method, path string, status int, took time.Duration)
	// GraphRetryWait reports a wait of the retry middleware before the
	// next attempt of a request whose attempt answered status (0: a
	// transport error): the server's Retry-After, or the backoff.
	GraphRetryWait(status int, wait time.Duration)
	// GraphWriteWait reports how long a write waited for its token from
	// the write budget (0 when one was free).
	GraphWriteWait(wait time.Duration)
	// GraphWriteDeferred reports a write not sent because its token would
	// come after the request's deadline (domain.ErrBudgetWait): the run
	// is deferred.
	GraphWriteDeferred()
}

// SetDefaults fills unset fields.
func (c *Config) SetDefaults() {
	if c.BaseURL == "" {
		c.BaseURL = DefaultBaseURL
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.Clock == nil {
		c.Clock = clock.Real{}
	}
	if c.MaxRetries == 0 {
		c.MaxRetries = DefaultMaxRetries
	}
	if c.MaxBackoff == 0 {
		c.MaxBackoff = DefaultMaxBackoff
	}
	if c.PageSize == 0 {
		c.PageSize = DefaultPageSize
	}
	if c.AttemptTimeout == 0 {
		c.AttemptTimeout = DefaultAttemptTimeout
	}
	if c.WriteLimit == 0 {
		c.WriteLimit = DefaultWriteLimit
	}
	if c.WriteWindow == 0 {
		c.WriteWindow = DefaultWriteWindow
	}
	if c.LagRetries == 0 {
		c.LagRetries = DefaultLagRetries
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// Validate reports a configuration that cannot work.
func (c *Config) Validate() error {
	u, err := url.Parse(c.BaseURL)
	if err != nil {
		return fmt.Errorf("graph: base URL %q: %w", c.BaseURL, err)
	}
	if u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("graph: base URL %q must be an absolute http(s) URL", c.BaseURL)
	}
	loop := isLoopback(u.Hostname())
	if u.Scheme == "http" && !loop {
		// The token provider refuses plain http except for localhost
		// (REFERENCE §2 "msgraph-sdk-go practicalities").
		return fmt.Errorf("graph: base URL %q: plain http is allowed only for loopback hosts", c.BaseURL)
	}
	if c.Credential == nil && !loop {
		return fmt.Errorf("graph: a credential is required for %s (only the loopback emulator may be used without one)", u.Host)
	}
	if c.MaxBackoff < 0 || c.AttemptTimeout < 0 {
		return fmt.Errorf("graph: MaxBackoff and AttemptTimeout must be ≥ 0")
	}
	if c.PageSize < 1 || c.PageSize > MaxPageSize {
		return fmt.Errorf("graph: PageSize %d must be within 1..%d", c.PageSize, MaxPageSize)
	}
	if c.WriteBudget == nil && c.WriteLimit > 0 && c.WriteWindow <= 0 {
		return fmt.Errorf("graph: WriteWindow must be positive when WriteLimit is set")
	}
	return nil
}

// isLoopback reports whether host is one of the loopback names the kiota
// token provider accepts over plain http (kiota-authentication-azure-go
// LocalhostStrings).
func isLoopback(host string) bool {
	switch strings.ToLower(host) {
	case "localhost", "127.0.0.1", "::1":
		return true
	}
	return false
}
