package sqlitedb_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"sync"
	"testing"

	"github.com/vendorflow/vendorflow/pkg/sqlitedb"
)

func openFile(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sqlitedb.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func counterDB(t *testing.T) (path string, a, b *sql.DB) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "c.db")
	a = openFile(t, path)
	if _, err := a.Exec(`CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL); INSERT INTO counter VALUES (1, 0);`); err != nil {
		t.Fatal(err)
	}
	return path, a, openFile(t, path)
}

// Two *sql.DB handles on one file (as two processes would have), several
// goroutines each, every transaction reading then writing. With deferred
// transactions this surfaces SQLITE_BUSY (snapshot upgrade); WithTx must
// serialise them with no error and no lost update.
func TestWithTxConcurrentHandles(t *testing.T) {
	ctx := context.Background()
	_, a, b := counterDB(t)
	const goroutines, increments = 4, 25
	var wg sync.WaitGroup
	errs := make(chan error, 2*goroutines*increments)
	for _, db := range []*sql.DB{a, b} {
		for range goroutines {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range increments {
					errs <- sqlitedb.WithTx(ctx, db, func(tx *sql.Tx) error {
						var n int
						if err := tx.QueryRowContext(ctx, `SELECT n FROM counter WHERE id = 1`).Scan(&n); err != nil {
							return err
						}
						_, err := tx.ExecContext(ctx, `UPDATE counter SET n = ? WHERE id = 1`, n+1)
						return err
					})
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("WithTx: %v (busy=%v)", err, sqlitedb.IsBusy(err))
		}
	}
	var n int
	if err := b.QueryRow(`SELECT n FROM counter WHERE id = 1`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if want := 2 * goroutines * increments; n != want {
		t.Errorf("counter = %d, want %d", n, want)
	}
}

// WithTx holds the write lock from BEGIN, before fn writes anything, while
// readers on another handle proceed.
func TestWithTxTakesWriteLockAtBegin(t *testing.T) {
	ctx := context.Background()
	_, a, b := counterDB(t)
	inside := make(chan struct{})
	release := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- sqlitedb.WithTx(ctx, a, func(tx *sql.Tx) error {
			close(inside)
			<-release
			_, err := tx.ExecContext(ctx, `UPDATE counter SET n = 42`)
			return err
		})
	}()
	<-inside

	// A reader on the other handle is not blocked (WAL), in a plain query and
	// in a read-only (deferred) transaction.
	var n int
	if err := b.QueryRowContext(ctx, `SELECT n FROM counter`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("read during write tx = %d, %v", n, err)
	}
	rtx, err := b.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := rtx.QueryRowContext(ctx, `SELECT n FROM counter`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	_ = rtx.Rollback()

	// A writer that does not wait (busy_timeout 0) finds the lock taken.
	conn, err := b.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, `PRAGMA busy_timeout = 0`); err != nil {
		t.Fatal(err)
	}
	_, err = conn.ExecContext(ctx, `BEGIN IMMEDIATE`)
	if !sqlitedb.IsBusy(err) {
		t.Errorf("BEGIN IMMEDIATE on the other handle: err = %v, want SQLITE_BUSY", err)
		if err == nil {
			_, _ = conn.ExecContext(ctx, `ROLLBACK`)
		}
	}
	if _, err := conn.ExecContext(ctx, `PRAGMA busy_timeout = 5000`); err != nil {
		t.Fatal(err)
	}
	_ = conn.Close()

	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := b.QueryRowContext(ctx, `SELECT n FROM counter`).Scan(&n); err != nil || n != 42 {
		t.Errorf("after commit n = %d, %v; want 42", n, err)
	}
}

func TestWithTxRollsBack(t *testing.T) {
	ctx := context.Background()
	_, a, _ := counterDB(t)
	errBoom := errors.New("boom")
	write := func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE counter SET n = 7`)
		return err
	}
	tests := []struct {
		name string
		run  func() error
	}{
		{"fn error is returned as is", func() error {
			return sqlitedb.WithTx(ctx, a, func(tx *sql.Tx) error {
				if err := write(tx); err != nil {
					return err
				}
				return errBoom
			})
		}},
		{"panic propagates", func() (err error) {
			defer func() {
				if r := recover(); r != errBoom {
					t.Errorf("recovered %v, want the panic value", r)
				}
				err = errBoom
			}()
			return sqlitedb.WithTx(ctx, a, func(tx *sql.Tx) error {
				_ = write(tx)
				panic(errBoom)
			})
		}},
		{"cancelled context", func() error {
			cctx, cancel := context.WithCancel(ctx)
			cancel()
			err := sqlitedb.WithTx(cctx, a, write)
			if !errors.Is(err, context.Canceled) {
				t.Errorf("err = %v, want context.Canceled", err)
			}
			return errBoom
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.run(); !errors.Is(err, errBoom) {
				t.Errorf("err = %v, want %v", err, errBoom)
			}
			var n int
			if err := a.QueryRowContext(ctx, `SELECT n FROM counter`).Scan(&n); err != nil || n != 0 {
				t.Errorf("n = %d, %v; want 0 (rolled back)", n, err)
			}
		})
	}
}

func TestIsBusy(t *testing.T) {
	for _, err := range []error{nil, errors.New("database is locked"), context.Canceled} {
		if sqlitedb.IsBusy(err) {
			t.Errorf("IsBusy(%v) = true", err)
		}
	}
}
