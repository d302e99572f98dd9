package journal

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"time"

	"github.com/vendorflow/vendorflow/pkg/clock"
	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/engine"
	"github.com/vendorflow/vendorflow/pkg/sqlitedb"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Journal is the SQLite journal. It is safe for concurrent use, and several
// Journals (in one or several processes) may share one file.
type Journal struct {
	db    *sql.DB
	clock clock.Clock
}

var _ engine.Journal = (*Journal)(nil)

// Open opens (creating if needed) the journal at cfg.Path and applies the
// embedded migrations.
func Open(ctx context.Context, cfg Config) (*Journal, error) {
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	db, err := sqlitedb.Open(ctx, cfg.Path)
	if errors.Is(err, sqlitedb.ErrInvalidConfig) {
		return nil, domain.Errorf(domain.Invalid, "journal: %w", err)
	}
	if err != nil {
		return nil, classify("open "+cfg.Path, err)
	}
	if err := sqlitedb.Migrate(ctx, db, migrationFiles, "migrations", sqlitedb.WithClock(cfg.Clock)); err != nil {
		_ = db.Close()
		return nil, classify("migrate "+cfg.Path, err)
	}
	return &Journal{db: db, clock: cfg.Clock}, nil
}

// Close closes the database.
func (j *Journal) Close() error {
	return classify("close", j.db.Close())
}

// write runs fn in one IMMEDIATE transaction. now is read from the clock
// once the write lock is held, so times follow commit order.
func (j *Journal) write(ctx context.Context, op string, fn func(tx *sql.Tx, now time.Time) error) error {
	err := sqlitedb.WithTx(ctx, j.db, func(tx *sql.Tx) error {
		return fn(tx, j.clock.Now().UTC())
	})
	return classify(op, err)
}

// classify keeps a *domain.Error as it is, reports a lock still held after
// the busy timeout as Transient and wraps anything else as Internal.
func classify(op string, err error) error {
	if err == nil {
		return nil
	}
	var de *domain.Error
	if errors.As(err, &de) {
		return err
	}
	if sqlitedb.IsBusy(err) {
		return domain.Errorf(domain.Transient, "journal: %s: database is busy: %w", op, err)
	}
	return domain.Errorf(domain.Internal, "journal: %s: %w", op, err)
}

// querier is what reads need: the *sql.DB or a *sql.Tx.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

func required(field, value string) error {
	if value == "" {
		return domain.Errorf(domain.Invalid, "journal: %s is required", field)
	}
	return nil
}
