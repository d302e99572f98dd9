package devhost

import (
	"context"
	"time"

	"github.com/vendorflow/vendorflow/pkg/clock"
)

// wakeAfter sleeps d on clk in the background, for a wait that a select
// shares with other events: the returned channel is closed when the sleep
// is over, and stop ends the sleep early (call it once the select is done;
// the channel then stays open). Every wait of the host goes through the
// clock's Sleep this way, so that a test clock decides when it ends.
func wakeAfter(ctx context.Context, clk clock.Clock, d time.Duration) (wake <-chan struct{}, stop context.CancelFunc) {
	ctx, stop = context.WithCancel(ctx)
	ch := make(chan struct{})
	go func() {
		if clk.Sleep(ctx, d) == nil && ctx.Err() == nil {
			close(ch)
		}
	}()
	return ch, stop
}
