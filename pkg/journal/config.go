package journal

import (
	"github.com/vendorflow/vendorflow/pkg/clock"
	"github.com/vendorflow/vendorflow/pkg/domain"
)

// Config configures Open.
type Config struct {
	// Path is the SQLite file (its directory is created), or ":memory:"
	// for a private journal that lives as long as the Journal.
	Path string
	// Clock is the time source of every record the journal writes;
	// default clock.Real{}.
	Clock clock.Clock
	// ReadOnly opens an existing journal for reading (status, lists):
	// nothing is created or migrated, a missing file is NotFound ("no
	// journal at PATH"), and every write fails.
	ReadOnly bool
}

// SetDefaults fills zero fields with their defaults.
func (c *Config) SetDefaults() {
	if c.Clock == nil {
		c.Clock = clock.Real{}
	}
}

// Validate reports a missing setting as an Invalid error.
func (c Config) Validate() error {
	if c.Path == "" {
		return domain.Errorf(domain.Invalid, "journal: Path is required")
	}
	if c.Clock == nil {
		return domain.Errorf(domain.Invalid, "journal: Clock is required")
	}
	return nil
}
