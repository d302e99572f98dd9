package handler

import (
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
