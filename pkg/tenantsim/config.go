package tenantsim

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/vendorflow/vendorflow/pkg/clock"
)

// Default and limit values of Config.
const (
	// DefaultPageSize is Graph's default page size for directory collections
	// (REFERENCE.md §2 Queries).
	DefaultPageSize = 100
	// MaxPageSize is the largest $top Graph accepts for users (REFERENCE.md §2 Queries).
	MaxPageSize = 999
	// DefaultMaxBodyBytes caps request bodies, after gzip decompression.
	DefaultMaxBodyBytes = 4 << 20
	// DefaultTenantID is the tenant id used when Config.TenantID is empty.
	DefaultTenantID = "7c1d3e5f-0a2b-4c6d-8e9f-a1b2c3d4e5f6"
)

// Config configures a Server.
type Config struct {
	// Domain is the tenant's verified domain, e.g. "ABC.com". User principal
	// names must end in "@"+Domain (case-insensitive), else 400 (REFERENCE.md §2 Users).
	Domain string
	// TenantID is the directory id reported in subscribedSku ids. Default DefaultTenantID.
	TenantID string
	// Clock tells the emulator what time it is: replication lag, the write
	// quota window, TAP lifetimes and every timestamp the tenant records
	// come from it. Default clock.Real{}.
	Clock clock.Clock
	// PageSize is the page size when a request has no $top. Default 100.
	PageSize int
	// RequireAuth makes requests without "Authorization: Bearer <non-empty>"
	// fail with 401 InvalidAuthenticationToken. Any non-empty token is accepted.
	RequireAuth bool
	// Lenient turns off the checks Graph documents but an explorer may not
	// want: a JSON Content-Type on writes (users and $batch requests with a
	// body), refusal of unknown properties (they are dropped instead, also
	// in $select), nullability (usageLocation: null clears it) and documented
	// property lengths. The default, strict, is what tests must run against.
	Lenient bool
	// Roles are the application permissions the emulated app holds: its
	// tokens (POST /_sim/token) carry them in the roles claim, and a route
	// none of them allows answers 403 like Graph. Nil holds every role the
	// emulator knows (KnownRoles); see Server.SetRoles.
	Roles []string
	// Faults are the initial fault settings; see Faults and Server.SetFaults.
	Faults Faults
	// MaxBodyBytes caps request bodies after decompression. Default 4 MiB.
	MaxBodyBytes int64
	// Logger receives one debug record per request (never bodies or headers).
	// Nil discards.
	Logger *slog.Logger
}

// SetDefaults fills in the zero-valued settings.
func (c *Config) SetDefaults() {
	if c.TenantID == "" {
		c.TenantID = DefaultTenantID
	}
	if c.Clock == nil {
		c.Clock = clock.Real{}
	}
	if c.PageSize == 0 {
		c.PageSize = DefaultPageSize
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// Validate reports the first invalid setting.
func (c Config) Validate() error {
	if err := validateDomain(c.Domain); err != nil {
		return fmt.Errorf("tenantsim: config: %w", err)
	}
	if c.PageSize < 1 || c.PageSize > MaxPageSize {
		return fmt.Errorf("tenantsim: config: page size %d outside 1..%d", c.PageSize, MaxPageSize)
	}
	if c.MaxBodyBytes < 1 {
		return errors.New("tenantsim: config: max body bytes must be positive")
	}
	if c.Clock == nil {
		return errors.New("tenantsim: config: clock is nil (call SetDefaults)")
	}
	if err := c.Faults.Validate(); err != nil {
		return fmt.Errorf("tenantsim: config: %w", err)
	}
	return nil
}

func validateDomain(d string) error {
	if d == "" {
		return errors.New("domain is empty")
	}
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return fmt.Errorf("domain %q has no dot", d)
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return fmt.Errorf("domain %q has an invalid label", d)
		}
		for _, r := range l {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return fmt.Errorf("domain %q has an invalid character", d)
			}
		}
	}
	return nil
}
