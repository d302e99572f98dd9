package roster

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vendorflow/vendorflow/pkg/clock"
)

func TestLines(t *testing.T) {
	tests := []struct {
		name  string
		total int
		adds  []int
		want  string
	}{
		{"batches of 50 of 190", 190, []int{50, 50, 50, 40}, "" +
			"sent 50/190 (26%), 100/s\n" +
			"sent 100/190 (52%), 100/s\n" +
			"sent 150/190 (78%), 100/s\n" +
			"sent 190/190 (100%) in 1.9s, 100/s\n"},
		{"one line per tenth at most", 1000, []int{20, 20, 20, 20, 20, 400, 500}, "" +
			"sent 100/1000 (10%), 100/s\n" +
			"sent 500/1000 (50%), 100/s\n" +
			"sent 1000/1000 (100%) in 10s, 100/s\n"},
		{"stopped", 190, []int{50}, "sent 50/190 (26%), 100/s\nstopped after 50/190 (26%), 100/s\n"},
		{"nothing", 0, nil, "nothing to send\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			clk := clock.NewFake(t0)
			l := NewLines(&buf, clk)
			l.Start(tc.total)
			for _, n := range tc.adds {
				clk.Advance(time.Duration(n) * 10 * time.Millisecond) // 100 a second
				l.Add(n)
			}
			l.Finish()
			if diff := cmp.Diff(tc.want, buf.String()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// The bar shows the count, the rate and the time left, and ends its line.
func TestBar(t *testing.T) {
	var buf bytes.Buffer
	b := NewBar(&buf)
	b.Start(190)
	for _, n := range []int{50, 50, 50, 40} {
		b.Add(n)
	}
	b.Finish()
	out := buf.String()
	for _, re := range []string{
		`sending\s+26% \|█+\s+\| \(50/190, \d+ requests/s\) \[\d+s:\d+s\]`, // rate and elapsed:left
		`sending 100% \|█{30}\| \(190/190, \d+ requests/s\)\n$`,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("bar output %q does not match %s", out, re)
		}
	}

	buf.Reset()
	b = NewBar(&buf)
	b.Start(190)
	b.Add(50)
	b.Finish()
	if out := buf.String(); !strings.Contains(out, "stopped  26%") || !strings.HasSuffix(out, "\n") {
		t.Errorf("a stopped bar: %q", out)
	}

	buf.Reset()
	b = NewBar(&buf)
	b.Start(0)
	b.Finish()
	if buf.String() != "nothing to send\n" {
		t.Errorf("an empty run: %q", buf.String())
	}
}
