package servicebus

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/messaging/azservicebus"
	"github.com/google/go-cmp/cmp"

	"github.com/vendorflow/vendorflow/pkg/handler"
)

func TestSendScheduleParkMapping(t *testing.T) {
	at := time.Date(2026, 3, 1, 10, 30, 0, 0, time.UTC)
	long := strings.Repeat("é", 600) // 1200 bytes: cut to 1024 on a rune boundary
	msg := func(id, corr string, props map[string]any) *azservicebus.Message {
		m := &azservicebus.Message{MessageID: &id, Body: []byte(`{"requestId":"r-1"}`), ContentType: ptr("application/json"), ApplicationProperties: props}
		if corr != "" {
			m.CorrelationID = &corr
		}
		return m
	}
	out := func(id, kind string, attempt int) handler.OutMessage {
		return handler.OutMessage{MessageID: id, Kind: kind, Body: []byte(`{"requestId":"r-1"}`), Attempt: attempt, CorrelationID: "r-1"}
	}
	tests := []struct {
		name     string
		failSend string // queue whose sender fails
		call     func(context.Context, *Bus) error
		want     []sentMessage
		wantErr  string
	}{
		{
			name: "send onboard",
			call: func(ctx context.Context, b *Bus) error { return b.Send(ctx, out("r-1", "onboard", 0)) },
			want: []sentMessage{{Queue: "vendorflow-onboard", Message: msg("r-1", "r-1", map[string]any{handler.PropAttempt: 0, handler.PropKind: "onboard"})}},
		},
		{
			name: "send offboard without correlation id",
			call: func(ctx context.Context, b *Bus) error {
				m := out("offboard-x@abc.com-2026-06-30", "offboard", 0)
				m.CorrelationID = ""
				return b.Send(ctx, m)
			},
			want: []sentMessage{{Queue: "vendorflow-offboard", Message: msg("offboard-x@abc.com-2026-06-30", "", map[string]any{handler.PropAttempt: 0, handler.PropKind: "offboard"})}},
		},
		{
			name: "schedule a retry",
			call: func(ctx context.Context, b *Bus) error { return b.Schedule(ctx, out("r-1-retry-3", "onboard", 3), at) },
			want: []sentMessage{{Queue: "vendorflow-onboard", ScheduledAt: at, Message: msg("r-1-retry-3", "r-1", map[string]any{handler.PropAttempt: 3, handler.PropKind: "onboard"})}},
		},
		{
			name: "park",
			call: func(ctx context.Context, b *Bus) error {
				return b.Park(ctx, handler.Parked{OutMessage: out("r-1", "onboard", 2), Code: "Invalid", Reason: "vendor unknown"})
			},
			want: []sentMessage{{Queue: "vendorflow-parked", Message: msg("r-1", "r-1", map[string]any{
				handler.PropAttempt: 2, handler.PropKind: "onboard", handler.PropCode: "Invalid", handler.PropReason: "vendor unknown",
			})}},
		},
		{
			name: "park with no code and a long reason",
			call: func(ctx context.Context, b *Bus) error {
				return b.Park(ctx, handler.Parked{OutMessage: out("r-1", "offboard", 0), Reason: long})
			},
			want: []sentMessage{{Queue: "vendorflow-parked", Message: msg("r-1", "r-1", map[string]any{
				handler.PropAttempt: 0, handler.PropKind: "offboard", handler.PropCode: "Parked", handler.PropReason: strings.Repeat("é", 512),
			})}},
		},
		{
			name:    "unknown kind",
			call:    func(ctx context.Context, b *Bus) error { return b.Send(ctx, out("r-1", "rehire", 0)) },
			wantErr: `unknown message kind "rehire"`,
		},
		{
			name:    "empty message id",
			call:    func(ctx context.Context, b *Bus) error { return b.Send(ctx, out("", "onboard", 0)) },
			wantErr: "message id is empty",
		},
		{
			name: "message id too long",
			call: func(ctx context.Context, b *Bus) error {
				return b.Park(ctx, handler.Parked{OutMessage: out(strings.Repeat("x", 129), "onboard", 0)})
			},
			wantErr: "more than Service Bus's 128",
		},
		{
			name:    "schedule at zero time",
			call:    func(ctx context.Context, b *Bus) error { return b.Schedule(ctx, out("r-1", "onboard", 1), time.Time{}) },
			wantErr: "time is zero",
		},
		{
			name:     "send failure",
			failSend: "vendorflow-onboard",
			call:     func(ctx context.Context, b *Bus) error { return b.Send(ctx, out("r-1", "onboard", 0)) },
			wantErr:  "servicebus: send onboard message r-1: link detached",
		},
		{
			name:     "park failure",
			failSend: "vendorflow-parked",
			call: func(ctx context.Context, b *Bus) error {
				return b.Park(ctx, handler.Parked{OutMessage: out("r-1", "onboard", 0), Code: "Invalid"})
			},
			wantErr: "servicebus: park message r-1: link detached",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, fb := testBus(t, nil)
			if tc.failSend != "" {
				fb.failSend[tc.failSend] = errors.New("link detached")
			}
			err := tc.call(context.Background(), b)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				if len(fb.sent) != 0 {
					t.Errorf("sent %d message(s) on error", len(fb.sent))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, fb.sent); diff != "" {
				t.Errorf("sent (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSendErrorKeepsCause(t *testing.T) {
	b, fb := testBus(t, nil)
	cause := errors.New("quota exceeded")
	fb.failSend["vendorflow-onboard"] = cause
	err := b.Schedule(context.Background(), handler.OutMessage{MessageID: "m", Kind: "onboard"}, t0)
	if !errors.Is(err, cause) {
		t.Fatalf("err = %v, want it to wrap %v", err, cause)
	}
}

func TestTruncateAndReplayID(t *testing.T) {
	tests := []struct {
		name, got, want string
	}{
		{"short reason kept", truncate("abc", 5), "abc"},
		{"cut at limit", truncate("abcdef", 4), "abcd"},
		{"no split rune", truncate("aé", 2), "a"},
		{"replay id", handler.ReplayMessageID("req-1", 42), "req-1-replay-42"},
		{"replay id cut to 128", handler.ReplayMessageID(strings.Repeat("x", 128), 7), strings.Repeat("x", 119) + "-replay-7"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tc.got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// SendBatch groups by queue, fills each batch to the link's limit, checks
// every message first, and says how far it got when a send fails.
func TestSendBatch(t *testing.T) {
	out := func(i int, kind string) handler.OutMessage {
		return handler.OutMessage{MessageID: fmt.Sprintf("m-%03d", i), Kind: kind, Body: []byte(`{}`)}
	}
	many := func(n int, kind string) []handler.OutMessage {
		var ms []handler.OutMessage
		for i := range n {
			ms = append(ms, out(i, kind))
		}
		return ms
	}
	tests := []struct {
		name        string
		ms          []handler.OutMessage
		failSend    string
		wantBatches []int
		wantSent    int
		wantErr     string
	}{
		{name: "none", ms: nil, wantBatches: nil},
		{name: "one", ms: many(1, "offboard"), wantBatches: []int{1}, wantSent: 1},
		{name: "exactly one batch", ms: many(10, "offboard"), wantBatches: []int{10}, wantSent: 10},
		{name: "one over", ms: many(11, "offboard"), wantBatches: []int{10, 1}, wantSent: 11},
		{name: "two queues", ms: append(many(3, "offboard"), out(9, "onboard")), wantBatches: []int{3, 1}, wantSent: 4},
		{name: "too large alone", ms: []handler.OutMessage{out(1, "offboard"), {MessageID: "big", Kind: "offboard", Body: make([]byte, 2<<10)}},
			wantBatches: []int{1}, wantSent: 1, wantErr: "1 of 2 messages sent: message big: the message is too large even alone in a batch"},
		{name: "unknown kind sends nothing", ms: append(many(2, "offboard"), out(5, "rehire")), wantErr: `unknown message kind "rehire"`},
		{name: "send failure", ms: many(3, "offboard"), failSend: "vendorflow-offboard", wantBatches: []int{3}, wantErr: "0 of 3 messages sent: link detached"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, fb := testBus(t, nil)
			fb.batchCap = 10
			if tc.failSend != "" {
				fb.failSend[tc.failSend] = errors.New("link detached")
			}
			res, err := b.SendBatch(context.Background(), tc.ms)
			if res.Counted {
				t.Errorf("result %+v claims to count duplicates; Service Bus does not report them", res)
			}
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
			if diff := cmp.Diff(tc.wantBatches, fb.batches); diff != "" {
				t.Errorf("batches (-want +got):\n%s", diff)
			}
			if len(fb.sent) != tc.wantSent {
				t.Errorf("sent %d, want %d", len(fb.sent), tc.wantSent)
			}
		})
	}
}
