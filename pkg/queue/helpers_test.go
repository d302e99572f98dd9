package queue

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/vendorflow/vendorflow/pkg/clock"
)

// fakeClock is the clock the test advances by hand.
type fakeClock struct{ *clock.Fake }

var t0 = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

func newFakeClock() *fakeClock { return &fakeClock{clock.NewFake(t0)} }

// openTest opens a queue file in a fresh temp dir with a fake clock; mod may
// adjust the config. The queue is closed at cleanup.
func openTest(t testing.TB, mod func(*Config)) (*Queue, *fakeClock, Config) {
	t.Helper()
	clk := newFakeClock()
	cfg := Config{Path: filepath.Join(t.TempDir(), "queue.db"), Clock: clk}
	if mod != nil {
		mod(&cfg)
	}
	return openCfg(t, cfg), clk, cfg
}

func openCfg(t testing.TB, cfg Config) *Queue {
	t.Helper()
	q, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = q.Close() })
	return q
}

func mustSend(t testing.TB, q *Queue, queue string, m Message) SendResult {
	t.Helper()
	r, err := q.Send(context.Background(), queue, m)
	if err != nil {
		t.Fatalf("Send(%s, %q): %v", queue, m.MessageID, err)
	}
	return r
}

func mustReceive(t testing.TB, q *Queue, queue string, n int) []Message {
	t.Helper()
	ms, err := q.Receive(context.Background(), queue, n)
	if err != nil {
		t.Fatalf("Receive(%s, %d): %v", queue, n, err)
	}
	return ms
}

func mustReceiveOne(t testing.TB, q *Queue, queue string) Message {
	t.Helper()
	ms := mustReceive(t, q, queue, 1)
	if len(ms) != 1 {
		t.Fatalf("Receive(%s) got %d messages, want 1", queue, len(ms))
	}
	return ms[0]
}

func mustCounts(t testing.TB, q *Queue, queue string) Counts {
	t.Helper()
	c, err := q.Counts(context.Background(), queue)
	if err != nil {
		t.Fatalf("Counts(%s): %v", queue, err)
	}
	return c
}

func mustDeadLetters(t testing.TB, q *Queue, queue string, f Filter) []Message {
	t.Helper()
	ms, err := q.DeadLetters(context.Background(), queue, f)
	if err != nil {
		t.Fatalf("DeadLetters(%s): %v", queue, err)
	}
	return ms
}

func seqs(ms []Message) []int64 {
	out := []int64{}
	for _, m := range ms {
		out = append(out, m.SequenceNumber)
	}
	return out
}

func ids(ms []Message) []string {
	out := []string{}
	for _, m := range ms {
		out = append(out, m.MessageID)
	}
	return out
}
