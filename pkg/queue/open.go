package queue

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	_ "modernc.org/sqlite" // registers driver "sqlite"
)

// Queue is a handle on one SQLite queue file. It is safe for concurrent use;
// several handles (in one or several processes) may share a file.
type Queue struct {
	db      *sql.DB
	cfg     Config
	sem     chan struct{} // serialises this handle's writers, honouring ctx
	changed notifier
}

// Open opens (creating if needed) the queue file, enables WAL and the busy
// timeout, and applies the embedded migrations.
func Open(ctx context.Context, cfg Config) (*Queue, error) {
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	migs, err := loadMigrations(embeddedMigrations, "migrations")
	if err != nil {
		return nil, err
	}
	return open(ctx, cfg, migs)
}

func open(ctx context.Context, cfg Config, migs []migration) (*Queue, error) {
	memory := cfg.Path == ":memory:"
	db, err := sql.Open("sqlite", dsn(cfg))
	if err != nil {
		return nil, fmt.Errorf("queue: open %s: %w", cfg.Path, err)
	}
	// All work goes through q.write, one transaction at a time per handle, so
	// one connection suffices; ":memory:" needs exactly one (each connection
	// would be a separate database).
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if !memory {
		var mode string
		if err := db.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
			_ = db.Close()
			return nil, fmt.Errorf("queue: open %s: %w", cfg.Path, err)
		}
		if !strings.EqualFold(mode, "wal") {
			_ = db.Close()
			return nil, fmt.Errorf("queue: open %s: journal_mode is %q, want wal", cfg.Path, mode)
		}
	}
	if err := migrate(ctx, db, migs, cfg.Clock.Now); err != nil {
		_ = db.Close()
		return nil, err
	}
	return &Queue{db: db, cfg: cfg, sem: make(chan struct{}, 1)}, nil
}

// dsn builds the modernc.org/sqlite DSN: every transaction BEGIN IMMEDIATE
// (a writer takes the write lock up front, so it can wait on busy_timeout
// instead of failing with SQLITE_BUSY on upgrade), WAL, synchronous FULL.
func dsn(cfg Config) string {
	return fmt.Sprintf("%s?_txlock=immediate&_pragma=busy_timeout(%d)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)",
		cfg.Path, cfg.BusyTimeout.Milliseconds())
}

// Close closes the database. Locks held by this handle stay in the file and
// expire on their own.
func (q *Queue) Close() error {
	if err := q.db.Close(); err != nil {
		return fmt.Errorf("queue: close: %w", err)
	}
	return nil
}

// Changes returns a channel that is closed at the next Send, Abandon or
// ReplayDeadLetters through this handle (changes made by other handles or
// processes are not signalled). A dispatcher waits on it together with a
// timer for NextVisible.
func (q *Queue) Changes() <-chan struct{} { return q.changed.wait() }

// write runs fn in one IMMEDIATE transaction with the clock read after the
// write lock of this handle is held.
func (q *Queue) write(ctx context.Context, fn func(tx *sql.Tx, now int64) error) (err error) {
	select {
	case q.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-q.sem }()
	tx, err := q.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("queue: begin: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if err := fn(tx, toNanos(q.cfg.Clock.Now())); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("queue: commit: %w", err)
	}
	return nil
}
