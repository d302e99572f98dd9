package roster

import (
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/vendorflow/vendorflow/pkg/clock"
)

// Lines reports progress as plain lines, for logs and pipes: one as each
// further tenth of the requests is sent, and one when the sending ends.
//
//	sent 50/190 (26%), 410/s
//	sent 190/190 (100%) in 460ms, 413/s
type Lines struct {
	w     io.Writer
	clk   clock.Clock
	total int
	done  int
	tenth int // the last tenth reported
	start time.Time
}

// NewLines returns Lines writing to w, timed by clk (nil: clock.Real{}).
func NewLines(w io.Writer, clk clock.Clock) *Lines {
	if clk == nil {
		clk = clock.Real{}
	}
	return &Lines{w: w, clk: clk}
}

// Start begins a run of total requests.
func (l *Lines) Start(total int) {
	l.total, l.done, l.tenth, l.start = total, 0, 0, l.clk.Now()
}

// Add counts n more requests sent, and reports each further tenth.
func (l *Lines) Add(n int) {
	l.done += n
	if l.total == 0 || l.done >= l.total {
		return // Finish reports the end
	}
	if t := l.done * 10 / l.total; t > l.tenth {
		l.tenth = t
		fmt.Fprintf(l.w, "sent %d/%d (%d%%)%s\n", l.done, l.total, l.done*100/l.total, l.rate())
	}
}

// Finish reports the end of the run.
func (l *Lines) Finish() {
	switch {
	case l.total == 0:
		fmt.Fprintln(l.w, "nothing to send")
	case l.done < l.total:
		fmt.Fprintf(l.w, "stopped after %d/%d (%d%%)%s\n", l.done, l.total, l.done*100/l.total, l.rate())
	default:
		fmt.Fprintf(l.w, "sent %d/%d (100%%) in %s%s\n", l.done, l.total, roundDuration(l.clk.Now().Sub(l.start)), l.rate())
	}
}

// roundDuration keeps three significant digits or so: 1.9s, 460ms, 320µs.
func roundDuration(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(time.Millisecond)
	}
	return d.Round(time.Microsecond)
}

// rate is ", N/s" since Start, or "" before any time has passed.
func (l *Lines) rate() string {
	d := l.clk.Now().Sub(l.start)
	if d <= 0 {
		return ""
	}
	return fmt.Sprintf(", %.0f/s", float64(l.done)/d.Seconds())
}

// Bar draws a progress bar with the count, the rate and the time left
// (github.com/schollz/progressbar), for a terminal.
type Bar struct {
	w    io.Writer
	bar  *progressbar.ProgressBar
	max  int
	done int
}

// NewBar returns a Bar drawing on w.
func NewBar(w io.Writer) *Bar { return &Bar{w: w} }

// Start draws the empty bar for total requests.
func (b *Bar) Start(total int) {
	b.max, b.done = total, 0
	if total == 0 {
		return
	}
	b.bar = progressbar.NewOptions(total,
		progressbar.OptionSetWriter(b.w),
		progressbar.OptionSetDescription("sending"),
		progressbar.OptionSetWidth(30),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("requests"),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionSetRenderBlankState(true),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(b.w) }),
	)
}

// Add moves the bar by n requests.
func (b *Bar) Add(n int) {
	b.done += n
	if b.bar != nil {
		_ = b.bar.Add(n) // a bar that cannot be drawn is no reason to stop sending
	}
}

// Finish completes the bar, or leaves it where the run stopped.
func (b *Bar) Finish() {
	switch {
	case b.bar == nil:
		fmt.Fprintln(b.w, "nothing to send")
	case b.done < b.max:
		b.bar.Describe("stopped")
		_ = b.bar.Exit() // ends the line
	default:
		_ = b.bar.Finish()
	}
}
