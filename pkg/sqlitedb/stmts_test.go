package sqlitedb_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/vendorflow/vendorflow/pkg/sqlitedb"
)

func TestStatements(t *testing.T) {
	for _, path := range []string{sqlitedb.MemoryPath, "file"} {
		t.Run(path, func(t *testing.T) {
			if path == "file" {
				path = filepath.Join(t.TempDir(), "s.db")
			}
			// A deadlock (a prepare waiting for the one connection the
			// transaction holds) ends with this context instead of hanging.
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			db := openKV(ctx, t, path)
			s := sqlitedb.NewStatements(db)
			const insert = `INSERT INTO kv (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = v + excluded.v`
			const read = `SELECT v FROM kv WHERE k = ?`
			put := func(k string, v int) {
				t.Helper()
				err := s.WithTx(ctx, func(q sqlitedb.Querier) error {
					_, err := q.ExecContext(ctx, insert, k, v)
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			get := func(q sqlitedb.Querier, k string) int {
				t.Helper()
				var v int
				if err := q.QueryRowContext(ctx, read, k).Scan(&v); err != nil {
					t.Fatal(err)
				}
				return v
			}

			// first seen inside a transaction: runs there unprepared ...
			put("a", 1)
			if n := s.Prepared(); n != 0 {
				t.Fatalf("after the first transaction %d statements are prepared, want 0", n)
			}
			// ... and is prepared before the next one begins
			put("a", 2)
			if n := s.Prepared(); n != 1 {
				t.Fatalf("after the second transaction %d statements are prepared, want 1", n)
			}
			// reads outside a transaction are prepared at once
			if v := get(s.DB(), "a"); v != 3 {
				t.Fatalf("a = %d, want 3", v)
			}
			if n := s.Prepared(); n != 2 {
				t.Fatalf("after a read %d statements are prepared, want 2", n)
			}
			// a prepared statement runs inside a transaction, and its rows
			// are the transaction's
			err := s.WithTx(ctx, func(q sqlitedb.Querier) error {
				if _, err := q.ExecContext(ctx, insert, "a", 10); err != nil {
					return err
				}
				if v := get(q, "a"); v != 13 {
					t.Errorf("a inside the transaction = %d, want 13", v)
				}
				return sql.ErrTxDone // roll back
			})
			if err != sql.ErrTxDone {
				t.Fatalf("WithTx = %v, want fn's error", err)
			}
			if v := get(s.DB(), "a"); v != 3 {
				t.Fatalf("a after the rollback = %d, want 3", v)
			}
			// a query that does not prepare reports its error where it runs,
			// every time, and is not prepared again
			for range 2 {
				if _, err := s.DB().ExecContext(ctx, `INSERT INTO nowhere VALUES (1)`); err == nil {
					t.Fatal("a query on a missing table ran")
				}
			}
			if n := s.Prepared(); n != 2 {
				t.Fatalf("after a failing query %d statements are prepared, want 2", n)
			}
			// closed, the cache still runs queries, unprepared
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			put("a", 1)
			if v := get(s.DB(), "a"); v != 4 || s.Prepared() != 0 {
				t.Fatalf("after Close: a = %d with %d prepared, want 4 with 0", v, s.Prepared())
			}
		})
	}
}

// A prepare waiting for the only connection must not block the
// transaction that holds it: the transaction's own look-ups in the cache
// go on, it commits, and then the prepare gets the connection.
func TestStatementsPrepareWaitsWithoutBlocking(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	db := openKV(ctx, t, sqlitedb.MemoryPath) // one connection
	s := sqlitedb.NewStatements(db)
	inTx, release := make(chan struct{}), make(chan struct{})
	txDone := make(chan error, 1)
	go func() {
		txDone <- s.WithTx(ctx, func(q sqlitedb.Querier) error {
			close(inTx)
			<-release
			_, err := q.ExecContext(ctx, `INSERT INTO kv (k, v) VALUES ('b', 2)`)
			return err
		})
	}()
	<-inTx
	readDone := make(chan error, 1)
	go func() {
		// a new query outside the transaction: prepared on the database,
		// which waits for the connection the transaction holds
		var n int
		readDone <- s.DB().QueryRowContext(ctx, `SELECT count(*) FROM kv`).Scan(&n)
	}()
	for db.Stats().WaitCount == 0 { // the read waits for the connection
		if ctx.Err() != nil {
			t.Fatal("the read never waited for the connection")
		}
		runtime.Gosched()
	}
	close(release)
	if err := <-txDone; err != nil {
		t.Fatalf("the transaction: %v", err)
	}
	if err := <-readDone; err != nil {
		t.Fatalf("the read: %v", err)
	}
}

// openKV opens a database at path with one table kv (k, v), closed with t.
func openKV(ctx context.Context, t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sqlitedb.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.ExecContext(ctx, `CREATE TABLE kv (k TEXT PRIMARY KEY, v INTEGER)`); err != nil {
		t.Fatal(err)
	}
	return db
}
