package sqlitedb

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// MemoryPath is the Path of a private in-memory database.
const MemoryPath = ":memory:"

// Defaults used by Open.
const (
	// DefaultBusyTimeout is how long a statement waits for a lock held by
	// another connection before failing with SQLITE_BUSY.
	DefaultBusyTimeout = 5 * time.Second
	// DefaultSynchronous is safe against application crashes in WAL mode; a
	// power loss may undo the last commits but never corrupts the file
	// (https://sqlite.org/pragma.html#pragma_synchronous).
	DefaultSynchronous = "NORMAL"
	// DefaultMaxOpenConns bounds the connections of a file database (readers
	// and writers waiting for the write lock share them).
	DefaultMaxOpenConns = 8
)

// ErrInvalidConfig is wrapped by every error of Config.Validate.
var ErrInvalidConfig = errors.New("invalid sqlitedb config")

// Config configures OpenConfig. Zero values are replaced by SetDefaults.
type Config struct {
	// Path is the database file (its parent directory is created), or
	// ":memory:". It must be a plain path: no "file:" URI, no '?'.
	Path string
	// BusyTimeout is SQLite's busy_timeout (default 5 s), at least 1 ms.
	BusyTimeout time.Duration
	// Synchronous is "NORMAL" (default) or "FULL" (every commit is durable
	// against power loss, at the cost of an fsync per commit).
	Synchronous string
	// MaxOpenConns bounds a file database's connections (default 8). A
	// ":memory:" database always has exactly one.
	MaxOpenConns int
	// ReadOnly opens an existing file for reading only (SQLite's
	// query_only): nothing is created, a missing file is an error that
	// wraps fs.ErrNotExist, and every write fails.
	ReadOnly bool
}

// SetDefaults fills zero fields with their defaults.
func (c *Config) SetDefaults() {
	if c.BusyTimeout == 0 {
		c.BusyTimeout = DefaultBusyTimeout
	}
	if c.Synchronous == "" {
		c.Synchronous = DefaultSynchronous
	}
	c.Synchronous = strings.ToUpper(c.Synchronous)
	if c.MaxOpenConns == 0 {
		c.MaxOpenConns = DefaultMaxOpenConns
	}
}

// Validate reports the first invalid setting (wrapping ErrInvalidConfig).
func (c Config) Validate() error {
	if err := c.validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	return nil
}

func (c Config) validate() error {
	switch {
	case c.Path == "":
		return fmt.Errorf("Path is required")
	case c.Path != MemoryPath && (strings.HasPrefix(c.Path, "file:") || strings.ContainsRune(c.Path, '?')):
		return fmt.Errorf("Path %q must be a plain file path (no \"file:\" URI, no '?')", c.Path)
	case c.BusyTimeout < time.Millisecond:
		return fmt.Errorf("BusyTimeout %s is below 1ms", c.BusyTimeout)
	case c.Synchronous != "NORMAL" && c.Synchronous != "FULL":
		return fmt.Errorf("Synchronous %q must be NORMAL or FULL", c.Synchronous)
	case c.ReadOnly && c.Path == MemoryPath:
		return fmt.Errorf("a read-only database needs a file")
	case c.MaxOpenConns < 1:
		return fmt.Errorf("MaxOpenConns %d must be at least 1", c.MaxOpenConns)
	}
	return nil
}
