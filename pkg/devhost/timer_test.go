package devhost

import (
	"bytes"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vendorflow/vendorflow/pkg/funchost"
)

func TestTimerFiresOnSchedule(t *testing.T) {
	clk := newFakeClock(t0) // 10:00:03
	q := openQueue(t, clk, 0)
	srv, calls := fakeHandler(t, okReply)
	_, invs := startHost(t, Config{Queue: q, HandlerURL: srv.URL, Clock: clk, Functions: onlyFunctions("expiry-sweep"), TimerSchedule: "*/10 * * * * *"})

	decode := func(c call) funchost.TimerInfo {
		t.Helper()
		r, _ := http.NewRequest(http.MethodPost, "http://x"+c.path, bytes.NewReader(c.body))
		ti, err := funchost.DecodeTimer(r, "timer")
		if err != nil {
			t.Fatalf("decode timer: %v", err)
		}
		ti.InvocationID = ""
		return ti
	}
	clk.awaitWaiter(t)
	clk.Advance(6 * time.Second) // 10:00:09: not yet
	select {
	case c := <-calls:
		t.Fatalf("timer fired early: %s", c.path)
	default:
	}
	clk.Advance(time.Second) // 10:00:10
	c := next(t, calls)
	if c.path != "/expiry-sweep" {
		t.Errorf("path = %q", c.path)
	}
	want := funchost.TimerInfo{Next: t0.Add(17 * time.Second), LastUpdated: t0.Add(7 * time.Second)}
	if diff := cmp.Diff(want, decode(c)); diff != "" {
		t.Errorf("first timer payload (-want +got):\n%s", diff)
	}
	if inv := next(t, invs); inv.Outcome != OutcomeOK {
		t.Errorf("invocation = %+v", inv)
	}
	clk.awaitWaiter(t)
	clk.Advance(10 * time.Second) // 10:00:20
	want = funchost.TimerInfo{Last: t0.Add(7 * time.Second), Next: t0.Add(27 * time.Second), LastUpdated: t0.Add(7 * time.Second)}
	if diff := cmp.Diff(want, decode(next(t, calls))); diff != "" {
		t.Errorf("second timer payload (-want +got):\n%s", diff)
	}
}
