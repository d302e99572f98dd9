package queue

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"

	"github.com/vendorflow/vendorflow/pkg/sqlitedb"
)

//go:embed migrations/*.sql
var embeddedMigrations embed.FS

// Queue is a handle on one SQLite queue file. It is safe for concurrent use;
// several handles (in one or several processes) may share a file.
type Queue struct {
	db      *sql.DB
	stmts   *sqlitedb.Statements
	cfg     Config
	sem     chan struct{} // serialises this handle's writers, honouring ctx
	changed notifier
}

// Open opens (creating it and its directory if needed) the queue file
// through pkg/sqlitedb — WAL, busy timeout, every write transaction BEGIN
// IMMEDIATE, synchronous FULL — and applies the embedded migrations with
// sqlitedb.Migrate (ordered, transactional, checksummed).
func Open(ctx context.Context, cfg Config) (*Queue, error) {
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	// All work goes through q.write, one transaction at a time per handle, so
	// one connection suffices.
	db, err := sqlitedb.OpenConfig(ctx, sqlitedb.Config{Path: cfg.Path, BusyTimeout: cfg.BusyTimeout, Synchronous: "FULL", MaxOpenConns: 1})
	if err != nil {
		return nil, fmt.Errorf("queue: %w", err)
	}
	if err := sqlitedb.Migrate(ctx, db, embeddedMigrations, "migrations", sqlitedb.WithClock(cfg.Clock)); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("queue: %w", err)
	}
	return &Queue{db: db, stmts: sqlitedb.NewStatements(db), cfg: cfg, sem: make(chan struct{}, 1)}, nil
}

// Close closes the database. Locks held by this handle stay in the file and
// expire on their own.
func (q *Queue) Close() error {
	if err := errors.Join(q.stmts.Close(), q.db.Close()); err != nil {
		return fmt.Errorf("queue: close: %w", err)
	}
	return nil
}

// Changes returns a channel that is closed at the next Send, Abandon or
// ReplayDeadLetters through this handle (changes made by other handles or
// processes are not signalled). A dispatcher waits on it together with a
// timer for NextVisible.
func (q *Queue) Changes() <-chan struct{} { return q.changed.wait() }

// write runs fn in one IMMEDIATE transaction, its statements prepared once
// (sqlitedb.Statements), with the clock read after the write lock of this
// handle is held.
func (q *Queue) write(ctx context.Context, fn func(tx sqlitedb.Querier, now int64) error) (err error) {
	select {
	case q.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-q.sem }()
	return q.stmts.WithTx(ctx, func(tx sqlitedb.Querier) error {
		return fn(tx, toNanos(q.cfg.Clock.Now()))
	})
}
