package sqlitedb

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// Querier runs SQL: *sql.DB, *sql.Tx and the Queriers of Statements.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Statements runs a database's queries as prepared statements, prepared once
// per connection and reused, instead of parsing the SQL on every call
// (parsing was a fifth of the handler's CPU in the journal's profile).
// Statements are keyed by their query text, so callers keep writing plain
// SQL; a query text built at run time (a list with optional filters) is
// prepared like any other, so keep their number small.
//
// A statement is prepared on the database, never inside a transaction: with
// one connection (":memory:", or a pool at its limit) the transaction holds
// the connection a database-level prepare would wait for. So a query first
// seen inside a transaction runs unprepared there, and is prepared before
// the next transaction begins (see WithTx).
type Statements struct {
	db *sql.DB

	mu      sync.RWMutex
	stmts   map[string]*sql.Stmt
	pending map[string]bool
	refused map[string]bool // did not prepare; they run unprepared
	closed  bool
}

// NewStatements returns an empty cache for db.
func NewStatements(db *sql.DB) *Statements {
	return &Statements{db: db, stmts: map[string]*sql.Stmt{}, pending: map[string]bool{}, refused: map[string]bool{}}
}

// DB returns a Querier that runs outside any transaction, preparing each new
// query on first use.
func (s *Statements) DB() Querier { return dbQuerier{s} }

// WithTx is the package's WithTx with a Querier that runs fn's queries as
// the cached statements, bound to the transaction's connection. Queries that
// fn ran unprepared in earlier transactions are prepared first.
func (s *Statements) WithTx(ctx context.Context, fn func(Querier) error) error {
	if err := s.preparePending(ctx); err != nil {
		return err
	}
	return WithTx(ctx, s.db, func(tx *sql.Tx) error {
		return fn(txQuerier{s: s, tx: tx})
	})
}

// Close closes every cached statement; later calls run unprepared.
func (s *Statements) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for _, st := range s.stmts {
		errs = append(errs, st.Close())
	}
	s.stmts, s.pending, s.closed = map[string]*sql.Stmt{}, map[string]bool{}, true
	return errors.Join(errs...)
}

// cached returns query's statement, or nil after noting it as pending.
func (s *Statements) cached(query string) *sql.Stmt {
	s.mu.RLock()
	st := s.stmts[query]
	s.mu.RUnlock()
	if st == nil {
		s.mu.Lock()
		if !s.closed && s.stmts[query] == nil && !s.refused[query] {
			s.pending[query] = true
		}
		s.mu.Unlock()
	}
	return st
}

// preparePending prepares the pending queries on the database. A query that
// does not prepare is not tried again: it keeps running unprepared, and
// reports its error where it runs. No lock is held while a prepare waits
// for a connection: the transaction holding that connection may need the
// cache to finish.
func (s *Statements) preparePending(ctx context.Context) error {
	s.mu.Lock()
	var todo []string
	for q := range s.pending {
		delete(s.pending, q)
		if !s.closed && s.stmts[q] == nil {
			todo = append(todo, q)
		}
	}
	s.mu.Unlock()
	for i, q := range todo {
		st, err := s.db.PrepareContext(ctx, q)
		s.mu.Lock()
		switch {
		case err != nil && ctx.Err() != nil:
			for _, left := range todo[i:] { // tried again before the next transaction
				s.pending[left] = true
			}
			s.mu.Unlock()
			return ctx.Err()
		case err != nil:
			s.refused[q] = true
		case s.closed || s.stmts[q] != nil: // closed meanwhile, or prepared by another caller
			_ = st.Close()
		default:
			s.stmts[q] = st
		}
		s.mu.Unlock()
	}
	return nil
}

// prepared returns query's statement, preparing it on the database first.
func (s *Statements) prepared(ctx context.Context, query string) *sql.Stmt {
	if st := s.cached(query); st != nil {
		return st
	}
	if err := s.preparePending(ctx); err != nil {
		return nil
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.stmts[query]
}

type dbQuerier struct{ s *Statements }

func (q dbQuerier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := q.s.prepared(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return q.s.db.ExecContext(ctx, query, args...)
}

func (q dbQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := q.s.prepared(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return q.s.db.QueryContext(ctx, query, args...)
}

func (q dbQuerier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := q.s.prepared(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return q.s.db.QueryRowContext(ctx, query, args...)
}

// txQuerier runs the cached statements on tx's connection (database/sql
// prepares a statement once per connection and reuses it there).
type txQuerier struct {
	s  *Statements
	tx *sql.Tx
}

func (q txQuerier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := q.s.cached(query); st != nil {
		return q.tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return q.tx.ExecContext(ctx, query, args...)
}

func (q txQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := q.s.cached(query); st != nil {
		return q.tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return q.tx.QueryContext(ctx, query, args...)
}

func (q txQuerier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := q.s.cached(query); st != nil {
		return q.tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return q.tx.QueryRowContext(ctx, query, args...)
}
