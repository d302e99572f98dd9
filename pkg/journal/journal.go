package journal

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"io/fs"
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
	stmts *sqlitedb.Statements
	q     sqlitedb.Querier // reads outside a transaction, prepared
	clock clock.Clock
}

var _ engine.Journal = (*Journal)(nil)

// Open opens (creating if needed) the journal at cfg.Path and applies the
// embedded migrations; with cfg.ReadOnly it opens an existing, migrated
// journal and changes nothing.
func Open(ctx context.Context, cfg Config) (*Journal, error) {
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	db, err := sqlitedb.OpenConfig(ctx, sqlitedb.Config{Path: cfg.Path, ReadOnly: cfg.ReadOnly})
	switch {
	case errors.Is(err, sqlitedb.ErrInvalidConfig):
		return nil, domain.Errorf(domain.Invalid, "journal: %w", err)
	case cfg.ReadOnly && errors.Is(err, fs.ErrNotExist):
		return nil, domain.Errorf(domain.NotFound, "no journal at %s", cfg.Path)
	case err != nil:
		return nil, classify("open "+cfg.Path, err)
	}
	if cfg.ReadOnly {
		if err := sqlitedb.Applied(ctx, db, migrationFiles, "migrations"); err != nil {
			_ = db.Close()
			return nil, domain.Wrap(domain.Invalid, err, cfg.Path+" is not a journal of this vendorflow version")
		}
	} else if err := sqlitedb.Migrate(ctx, db, migrationFiles, "migrations", sqlitedb.WithClock(cfg.Clock)); err != nil {
		_ = db.Close()
		return nil, classify("migrate "+cfg.Path, err)
	}
	stmts := sqlitedb.NewStatements(db)
	return &Journal{db: db, stmts: stmts, q: stmts.DB(), clock: cfg.Clock}, nil
}

// Close closes the database.
func (j *Journal) Close() error {
	return classify("close", errors.Join(j.stmts.Close(), j.db.Close()))
}

// write runs fn in one IMMEDIATE transaction. now is read from the clock
// once the write lock is held, so times follow commit order.
// Inside a Batch, fn runs in the batch's transaction.
func (j *Journal) write(ctx context.Context, op string, fn func(tx sqlitedb.Querier, now time.Time) error) error {
	if tx, ok := j.batchTx(ctx); ok {
		return classify(op, fn(tx, j.clock.Now().UTC()))
	}
	err := j.stmts.WithTx(ctx, func(tx sqlitedb.Querier) error {
		return fn(tx, j.clock.Now().UTC())
	})
	return classify(op, err)
}

// batchKey marks a context whose journal calls run in j's open batch.
type batchKey struct{ j *Journal }

// Batch runs fn's calls of this journal (made with fn's ctx) in one
// IMMEDIATE transaction: all of them are committed, or none when fn
// returns an error, which Batch returns unchanged. fn must not call
// anything slow: it holds the file's write lock. A Batch inside a Batch
// joins it.
func (j *Journal) Batch(ctx context.Context, fn func(ctx context.Context) error) error {
	if _, ok := j.batchTx(ctx); ok {
		return fn(ctx)
	}
	var fnErr error
	err := j.stmts.WithTx(ctx, func(tx sqlitedb.Querier) error {
		fnErr = fn(context.WithValue(ctx, batchKey{j}, tx))
		return fnErr
	})
	if fnErr != nil {
		return fnErr
	}
	return classify("batch", err)
}

// reader is where a read runs: the open batch's transaction, or the
// prepared reads outside one.
func (j *Journal) reader(ctx context.Context) querier {
	if tx, ok := j.batchTx(ctx); ok {
		return tx
	}
	return j.q
}

// batchTx is the transaction of the Batch ctx is in, if any.
func (j *Journal) batchTx(ctx context.Context) (sqlitedb.Querier, bool) {
	tx, ok := ctx.Value(batchKey{j}).(sqlitedb.Querier)
	return tx, ok
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

// querier is what reads need: the journal's prepared reads or a
// transaction.
type querier = sqlitedb.Querier

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

func required(field, value string) error {
	if value == "" {
		return domain.Errorf(domain.Invalid, "journal: %s is required", field)
	}
	return nil
}
