package graph

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vendorflow/vendorflow/pkg/clock"
)

// The pacer admits `limit` writes per window and spaces the rest so that
// no window ever holds more.
func TestWritePacer(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		limit  int
		window time.Duration
		gaps   []time.Duration // clock advance before each write
		want   []time.Duration // wait per write
	}{
		{"burst within the limit", 3, time.Second, []time.Duration{0, 0, 0}, []time.Duration{0, 0, 0}},
		{"fourth waits for the first to leave", 3, time.Second, []time.Duration{0, 0, 0, 0, 0}, []time.Duration{0, 0, 0, time.Second, time.Second}},
		{"spread writes never wait", 2, time.Second, []time.Duration{0, 600 * time.Millisecond, 600 * time.Millisecond, 600 * time.Millisecond}, []time.Duration{0, 0, 0, 0}},
		{"partly elapsed window", 2, time.Second, []time.Duration{0, 0, 400 * time.Millisecond}, []time.Duration{0, 0, 600 * time.Millisecond}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := clock.NewFake(t0)
			p := newWritePacer(clk, tt.limit, tt.window)
			var got []time.Duration
			for _, g := range tt.gaps {
				clk.Advance(g)
				got = append(got, p.reserve())
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Fatalf("waits (-want +got)\n%s", d)
			}
		})
	}
}

// Under a quota of 5 writes per second the pacer makes 12 writes take at
// least two seconds of (fake) time, and in no one-second window are there
// more than 5.
func TestWritePacerNeverExceedsTheWindow(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
	p := newWritePacer(clk, 5, time.Second)
	var at []time.Time
	for range 12 {
		d := p.reserve()
		if err := clk.Sleep(context.Background(), d); err != nil {
			t.Fatal(err)
		}
		at = append(at, clk.Now())
	}
	for i := 5; i < len(at); i++ {
		if at[i].Sub(at[i-5]) < time.Second {
			t.Fatalf("writes %d and %d are %v apart: more than 5 in a second", i-5, i, at[i].Sub(at[i-5]))
		}
	}
	if span := at[len(at)-1].Sub(at[0]); span < 2*time.Second {
		t.Fatalf("12 writes took %v, want at least 2s", span)
	}
}
