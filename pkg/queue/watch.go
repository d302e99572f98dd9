package queue

import (
	"context"
	"fmt"
	"time"
)

// WatchOthers signals Changes when another handle, in this process or
// another, commits to the file: every `every`, it reads SQLite's
// data_version, which changes when a connection other than this one has
// committed (https://sqlite.org/pragma.html#pragma_data_version). The
// handle's one connection makes it the same connection each time. A
// dispatcher then sees other processes' sends within `every` instead of at
// its fallback poll; the read is a few microseconds. It polls in real time
// (the other writers run in real time) and returns nil when ctx ends (an
// error only for an interval <= 0). A read that fails
// signals a change too, so that the dispatcher looks, meets the store's
// error itself and reports it; the watch goes on.
func (q *Queue) WatchOthers(ctx context.Context, every time.Duration) error {
	if every <= 0 {
		return fmt.Errorf("%w: watch interval %s <= 0", ErrInvalidArgument, every)
	}
	version := func() (int64, bool) {
		var v int64
		err := q.db.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&v)
		return v, err == nil
	}
	last, known := version()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		v, ok := version()
		if !ok || !known || v != last {
			q.changed.notify()
		}
		last, known = v, ok
	}
}
