package journal

import (
	"context"
	"errors"

	"github.com/vendorflow/vendorflow/pkg/sqlitedb"
)

// errProbeRollback ends Probe's transaction without committing it.
var errProbeRollback = errors.New("probe: roll back")

// Probe proves the journal reachable and writable, as `vendorflow doctor`
// needs: it takes the file's write lock in an IMMEDIATE transaction, reads
// the accounts table and rolls back, changing nothing.
func (j *Journal) Probe(ctx context.Context) error {
	err := j.stmts.WithTx(ctx, func(tx sqlitedb.Querier) error {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM accounts").Scan(&n); err != nil {
			return err
		}
		return errProbeRollback
	})
	if errors.Is(err, errProbeRollback) {
		return nil
	}
	return classify("probe", err)
}
