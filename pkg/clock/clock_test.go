package clock

import (
	"context"
	"testing"
	"time"
)

func TestFakeSleepAdvances(t *testing.T) {
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	f := NewFake(start)
	if err := f.Sleep(context.Background(), 1500*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	f.Advance(time.Second)
	if got, want := f.Now(), start.Add(2500*time.Millisecond); !got.Equal(want) {
		t.Fatalf("Now = %v, want %v", got, want)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := f.Sleep(ctx, time.Hour); err == nil {
		t.Fatal("Sleep on a cancelled context succeeded")
	}
	if got := f.Sleeps(); len(got) != 1 || got[0] != 1500*time.Millisecond {
		t.Fatalf("Sleeps = %v", got)
	}
}

func TestRealSleepCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := (Real{}).Sleep(ctx, time.Hour); err == nil {
		t.Fatal("Real.Sleep ignored a cancelled context")
	}
}
