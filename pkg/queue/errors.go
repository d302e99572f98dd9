package queue

import (
	"errors"

	"github.com/vendorflow/vendorflow/pkg/sqlitedb"
)

// Sentinel errors. Returned errors wrap them with detail; test with errors.Is.
var (
	// ErrLockLost is returned by Complete, Abandon, DeadLetter and RenewLock
	// when the lock token is unknown, belongs to another queue, or its lock has
	// expired (Service Bus MessageLockLostException).
	ErrLockLost = errors.New("queue: message lock lost")
	// ErrInvalidConfig is returned by Config.Validate and Open.
	ErrInvalidConfig = errors.New("queue: invalid config")
	// ErrInvalidArgument reports a bad queue name, count, filter or message.
	ErrInvalidArgument = errors.New("queue: invalid argument")
	// ErrMessageTooLarge reports a body larger than Config.MaxMessageSize.
	ErrMessageTooLarge = errors.New("queue: message too large")
	// ErrMigrationChecksum reports an applied migration whose embedded text
	// has changed since it was applied.
	ErrMigrationChecksum = sqlitedb.ErrChecksumMismatch
	// ErrMigrationUnknown reports a migration recorded in the database that
	// this binary does not embed (the file was migrated by a newer version).
	ErrMigrationUnknown = sqlitedb.ErrUnknownMigration
)
