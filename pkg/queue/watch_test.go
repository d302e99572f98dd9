package queue

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// A send through another handle on the file wakes this handle's Changes
// once WatchOthers runs; its own sends need no watcher.
func TestWatchOthers(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	path := filepath.Join(t.TempDir(), "q.db")
	a, err := Open(ctx, Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(ctx, Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	watched := make(chan error, 1)
	go func() { watched <- a.WatchOthers(ctx, 5*time.Millisecond) }()

	for i, id := range []string{"m-1", "m-2"} {
		changes := a.Changes()
		if _, err := b.Send(ctx, "onboard", Message{MessageID: id, Body: []byte(`{}`)}); err != nil {
			t.Fatal(err)
		}
		select {
		case <-changes:
		case <-time.After(10 * time.Second):
			t.Fatalf("send %d through the other handle was not signalled", i+1)
		}
	}
	cancel()
	if err := <-watched; err != nil {
		t.Fatalf("WatchOthers = %v after its context ended, want nil", err)
	}
	if err := a.WatchOthers(context.Background(), 0); err == nil {
		t.Error("a zero interval was accepted")
	}
}
