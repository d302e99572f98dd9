package journal

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/vendorflow/vendorflow/pkg/sqlitedb"
)

// AcquireLease gives owner the exclusive right to change the account upn
// until `until`. It returns "" when the lease is now owner's (new, renewed,
// or taken over from an expired holder), or the id of the other owner whose
// lease has not expired. UPNs compare case-insensitively.
func (j *Journal) AcquireLease(ctx context.Context, upn, owner string, until time.Time) (string, error) {
	if err := required("upn", upn); err != nil {
		return "", err
	}
	if err := required("owner", owner); err != nil {
		return "", err
	}
	var holder string
	err := j.write(ctx, "acquire lease "+upn, func(tx sqlitedb.Querier, now time.Time) error {
		var cur, curUntil string
		err := tx.QueryRowContext(ctx, `SELECT owner, until FROM leases WHERE upn = ?`, upn).Scan(&cur, &curUntil)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return err
		default:
			exp, err := parseTime(curUntil)
			if err != nil {
				return err
			}
			if cur != owner && exp.After(now) {
				holder = cur
				return nil
			}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO leases (upn, owner, until) VALUES (?, ?, ?)
			ON CONFLICT (upn) DO UPDATE SET owner = excluded.owner, until = excluded.until`,
			upn, owner, formatTime(until))
		return err
	})
	return holder, err
}

// ReleaseLease ends owner's lease on upn; a lease held by another owner, or
// none, is left as it is.
func (j *Journal) ReleaseLease(ctx context.Context, upn, owner string) error {
	return j.write(ctx, "release lease "+upn, func(tx sqlitedb.Querier, _ time.Time) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM leases WHERE upn = ? AND owner = ?`, upn, owner)
		return err
	})
}
