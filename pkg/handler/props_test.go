package handler

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"
)

func TestRetryMessageID(t *testing.T) {
	long := strings.Repeat("x", 200)
	tests := []struct {
		name                 string
		requestID, delivered string
		attempt              int
		want                 string
	}{
		{"first retry of the original", "req-1", "msg-1", 1, "req-1-retry-1-b3e579660712c9d4"},
		{"the delivered id changes the hash", "req-1", "req-1-replay-7", 1, "req-1-retry-1-" + hash16("req-1-replay-7", 1)},
		{"no request id: the delivered id is the prefix", "", "msg-1", 1, "msg-1-retry-1-b3e579660712c9d4"},
		{"an over-long prefix is cut to fit", "", long, 3, long[:MaxMessageID-len("-retry-3-")-retryHashLen] + "-retry-3-" + hash16(long, 3)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := RetryMessageID(tt.requestID, tt.delivered, tt.attempt)
			if got != tt.want {
				t.Errorf("RetryMessageID = %q, want %q", got, tt.want)
			}
			if len(got) > MaxMessageID {
				t.Errorf("%d characters, more than %d", len(got), MaxMessageID)
			}
			if again := RetryMessageID(tt.requestID, tt.delivered, tt.attempt); again != got {
				t.Errorf("not deterministic: %q then %q", got, again)
			}
		})
	}
}

// hash16 is the hash part of a retry id, as RetryMessageID computes it.
func hash16(delivered string, attempt int) string {
	id := RetryMessageID("r", delivered, attempt)
	return id[len(id)-retryHashLen:]
}

func TestReplayMessageID(t *testing.T) {
	long := strings.Repeat("é", 100) // 200 bytes: the cut must not split a rune
	tests := []struct {
		name string
		id   string
		seq  int64
		want string
	}{
		{"short", "req-1", 42, "req-1-replay-42"},
		{"cut on a rune boundary", long, 7, strings.Repeat("é", (MaxMessageID-len("-replay-7"))/2) + "-replay-7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ReplayMessageID(tt.id, tt.seq)
			if got != tt.want {
				t.Errorf("ReplayMessageID = %q, want %q", got, tt.want)
			}
			if len(got) > MaxMessageID {
				t.Errorf("%d bytes, more than %d", len(got), MaxMessageID)
			}
		})
	}
}

// TestPropertyNames pins the application property names: they are wire
// format, carried by messages already on the queues (a parked message is
// replayed by its vendorflowKind), so a rename is a breaking change.
func TestPropertyNames(t *testing.T) {
	got := []string{PropAttempt, PropKind, PropCode, PropReason}
	want := []string{"vendorflowAttempt", "vendorflowKind", "vendorflowCode", "vendorflowReason"}
	if !slices.Equal(got, want) {
		t.Errorf("property names = %q, want %q", got, want)
	}
}

func TestPropInt(t *testing.T) {
	tests := []struct {
		v    any
		want int
	}{
		{nil, 0},
		{3, 3},
		{int64(4), 4},
		{int32(5), 5},
		{int8(-6), -6},
		{uint8(7), 7},
		{uint32(8), 8},
		{uint64(math.MaxUint64), math.MaxInt32},
		{int64(math.MaxInt64), math.MaxInt32},
		{int64(math.MinInt64), math.MinInt32},
		{float64(9), 9},
		{1e300, math.MaxInt32},
		{math.NaN(), 0},
		{json.Number("10"), 10},
		{json.Number("11.0"), 11},
		{json.Number("x"), 0},
		{" 12 ", 12},
		{"twelve", 0},
		{true, 0},
	}
	for _, tt := range tests {
		props := map[string]any{PropAttempt: tt.v}
		if got := PropInt(props, PropAttempt); got != tt.want {
			t.Errorf("PropInt(%T %v) = %d, want %d", tt.v, tt.v, got, tt.want)
		}
	}
	if got := PropString(map[string]any{PropKind: "onboard", PropCode: 3}, PropKind); got != "onboard" {
		t.Errorf("PropString = %q", got)
	}
	if got := PropString(map[string]any{PropCode: 3}, PropCode); got != "" {
		t.Errorf("PropString of a number = %q, want empty", got)
	}
}

// A deferral's id differs from the delivered one and from every earlier
// id in the chain, is the same for a redelivery, and does not grow.
func TestDeferMessageID(t *testing.T) {
	seen := map[string]bool{"req-1": true}
	id := "req-1"
	for range 5 {
		next := DeferMessageID(id)
		if seen[next] || next != DeferMessageID(id) {
			t.Fatalf("DeferMessageID(%q) = %q: repeated or unstable", id, next)
		}
		if len(next) > len("req-1")+len("-defer-")+retryHashLen {
			t.Fatalf("DeferMessageID grows: %q", next)
		}
		seen[next], id = true, next
	}
	long := strings.Repeat("x", MaxMessageID)
	if got := DeferMessageID(long); len(got) > MaxMessageID {
		t.Errorf("%d characters, want at most %d", len(got), MaxMessageID)
	}
}
