package writebudget

import (
	"context"
	"time"
)

// SetBeforeUpdate installs a hook run between reading the row and the
// conditional update (tests provoke 412s with it).
func (b *Budget) SetBeforeUpdate(f func(ctx context.Context)) { b.beforeUpdate = f }

// Row is the row as stored.
type Row struct {
	TAT, PausedUntil time.Time
	Slow             float64
}

// ReadRow reads the row afresh.
func (b *Budget) ReadRow(ctx context.Context) (Row, error) {
	resp, err := b.tbl.GetEntity(ctx, partitionKey, b.rk, nil)
	if err != nil {
		return Row{}, err
	}
	s, err := parseState(resp.Value)
	if err != nil {
		return Row{}, err
	}
	return Row{TAT: time.Unix(0, s.TAT).UTC(), PausedUntil: time.Unix(0, s.PausedUntil).UTC(), Slow: float64(s.SlowPPM) / ppm}, nil
}

// Tau is the burst tolerance.
func (b *Budget) Tau() time.Duration { return b.tau }
