package queue

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestTwoHandlesShareOneFile: what one Open does, another Open of the same
// file (another process, in production) sees, including lock tokens.
func TestTwoHandlesShareOneFile(t *testing.T) {
	ctx := context.Background()
	a, _, cfg := openTest(t, nil)
	b := openCfg(t, cfg)
	mustSend(t, a, "onboard", Message{MessageID: "m1"})
	if r := mustSend(t, b, "onboard", Message{MessageID: "m1"}); !r.Duplicate {
		t.Errorf("duplicate sent through the other handle was accepted")
	}
	m := mustReceiveOne(t, b, "onboard")
	if got := mustReceive(t, a, "onboard", 1); len(got) != 0 {
		t.Errorf("message locked through b was delivered through a")
	}
	if err := a.Complete(ctx, "onboard", m.LockToken); err != nil {
		t.Errorf("Complete through the other handle: %v", err)
	}
	if diff := cmp.Diff(Counts{}, mustCounts(t, b, "onboard")); diff != "" {
		t.Errorf("Counts (-want +got):\n%s", diff)
	}
}

// TestConcurrentSendersAndReceivers runs senders and then receivers as
// goroutines spread over two handles on one file: sequence numbers are unique
// and dense, and no message is delivered twice (the clock stands still, so
// no lock expires).
func TestConcurrentSendersAndReceivers(t *testing.T) {
	const (
		workers   = 8
		perSender = 40
		total     = workers * perSender
	)
	ctx := context.Background()
	a, _, cfg := openTest(t, nil)
	b := openCfg(t, cfg)
	handles := []*Queue{a, b}

	var (
		mu       sync.Mutex
		sent     []int64
		received = map[int64]int{}
		errs     []error
	)
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		errs = append(errs, err)
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			q := handles[w%2]
			for i := range perSender {
				r, err := q.Send(ctx, "onboard", Message{MessageID: fmt.Sprintf("w%d-%d", w, i)})
				if err != nil {
					fail(err)
					return
				}
				mu.Lock()
				sent = append(sent, r.SequenceNumber)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for w := range workers {
		wg.Go(func() {
			q := handles[w%2]
			for {
				ms, err := q.Receive(ctx, "onboard", 3)
				if err != nil {
					fail(err)
					return
				}
				if len(ms) == 0 {
					return
				}
				for _, m := range ms {
					mu.Lock()
					received[m.SequenceNumber]++
					mu.Unlock()
					if err := q.Complete(ctx, "onboard", m.LockToken); err != nil {
						fail(fmt.Errorf("complete %d: %w", m.SequenceNumber, err))
					}
				}
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("errors: %v", errs)
	}
	sort.Slice(sent, func(i, j int) bool { return sent[i] < sent[j] })
	want := make([]int64, total)
	for i := range want {
		want[i] = int64(i + 1)
	}
	if diff := cmp.Diff(want, sent); diff != "" {
		t.Errorf("sequence numbers (-want +got):\n%s", diff)
	}
	for seq, n := range received {
		if n != 1 {
			t.Errorf("message %d delivered %d times", seq, n)
		}
	}
	if len(received) != total {
		t.Errorf("received %d distinct messages, want %d", len(received), total)
	}
	if diff := cmp.Diff(Counts{}, mustCounts(t, a, "onboard")); diff != "" {
		t.Errorf("Counts (-want +got):\n%s", diff)
	}
}
