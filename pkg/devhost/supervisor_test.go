package devhost

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vendorflow/vendorflow/pkg/clock"
	"github.com/vendorflow/vendorflow/pkg/funcapp"
	"github.com/vendorflow/vendorflow/pkg/handler"
)

// startSupervisor runs the test binary as the handler until the test ends.
func startSupervisor(t *testing.T, env ...string) (*Supervisor, <-chan int) {
	t.Helper()
	pids := make(chan int, 10)
	sup, err := NewSupervisor(SupervisorConfig{
		Command: os.Args[0], Args: []string{"serve"},
		Env:        append(append(os.Environ(), envHelper+"=1"), env...),
		ReadyPoll:  10 * time.Millisecond,
		MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond,
		OnReady: func(pid int) { pids <- pid },
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- sup.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("supervisor Run: %v", err)
		}
	})
	return sup, pids
}

func TestSupervisorRestartsExitedHandler(t *testing.T) {
	sup, pids := startSupervisor(t)
	first := next(t, pids)
	if err := sup.WaitReady(context.Background()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(sup.URL() + "/")
	if err != nil {
		t.Fatalf("GET / on the child: %v", err)
	}
	resp.Body.Close()
	if _, err := http.Post(sup.URL()+"/exit", "application/json", nil); err == nil {
		t.Fatal("the child answered /exit")
	}
	second := next(t, pids)
	if second == first {
		t.Errorf("restarted child has the same pid %d", first)
	}
	resp, err = http.Get(sup.URL() + "/")
	if err != nil {
		t.Fatalf("GET / on the restarted child: %v", err)
	}
	resp.Body.Close()
}

func TestSupervisorRejectsMissingCommand(t *testing.T) {
	sup, err := NewSupervisor(SupervisorConfig{Command: filepath.Join(t.TempDir(), "no-such-binary")})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := sup.Run(ctx); err == nil {
		t.Error("Run with a missing command returned nil")
	}
}

// The handler process dies in the middle of an invocation: the message is
// abandoned, the supervisor restarts the handler, and the message is
// delivered again (DeliveryCount 2) and completed — not lost.
func TestHandlerKilledMidRequestIsRedelivered(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "crashed")
	sup, pids := startSupervisor(t, envCrashMarker+"="+marker)
	q := openQueue(t, clock.Real{}, 0)
	bus, _ := NewQueueBus(q, funcapp.Queues{})
	if err := bus.Send(context.Background(), handler.OutMessage{MessageID: "m-1", Kind: "onboard", Body: []byte(`{"requestId":"r-1"}`)}); err != nil {
		t.Fatal(err)
	}
	_, invs := startHost(t, Config{
		Queue: q, HandlerURL: sup.URL(), HandlerReady: sup.WaitReady, Functions: onlyFunctions("onboard"),
		TransportErrorDelay: 100 * time.Millisecond, LockDuration: 10 * time.Second,
	})
	next(t, pids)
	inv := next(t, invs)
	if inv.Outcome != OutcomeAbandoned || inv.Status != 0 || inv.DeliveryCount != 1 {
		t.Fatalf("first invocation = %+v, want abandoned after a transport error", inv)
	}
	if _, err := os.Stat(marker); err != nil {
		t.Fatalf("the child did not crash: %v", err)
	}
	// The host may find the old child gone before the supervisor notices;
	// each such delivery is abandoned after a transport error, and none is lost.
	deliveries := 1
	for {
		inv = next(t, invs)
		deliveries++
		if inv.MessageID != "m-1" || inv.DeliveryCount != deliveries {
			t.Fatalf("redelivery = %+v, want m-1 with DeliveryCount %d", inv, deliveries)
		}
		if inv.Outcome == OutcomeCompleted {
			break
		}
		if inv.Outcome != OutcomeAbandoned || inv.Status != 0 || deliveries >= 5 {
			t.Fatalf("redelivery = %+v, want completed", inv)
		}
	}
	if deliveries != 2 {
		t.Logf("completed at delivery %d (the crash was seen late)", deliveries)
	}
	if dls, _ := bus.List(context.Background(), handler.Filter{}); len(dls) != 0 {
		t.Errorf("dead letters: %+v", dls)
	}
}
