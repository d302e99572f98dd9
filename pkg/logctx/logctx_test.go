package logctx_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vendorflow/vendorflow/pkg/logctx"
)

// lines parses JSON log lines, leaving out time, level and msg.
func lines(t *testing.T, b *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		m := map[string]any{}
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		delete(m, slog.TimeKey)
		delete(m, slog.LevelKey)
		delete(m, slog.MessageKey)
		out = append(out, m)
	}
	return out
}

func TestHandler(t *testing.T) {
	inv := logctx.With(context.Background(), slog.String(logctx.KeyInvocationID, "inv-1"), slog.String(logctx.KeyMessageID, "m-1"))
	step := logctx.With(inv, slog.String(logctx.KeyStep, "ensure-user"), slog.Int(logctx.KeyAttempt, 2))
	again := logctx.With(step, slog.Int(logctx.KeyAttempt, 3))
	tests := []struct {
		name string
		log  func(l *slog.Logger)
		want map[string]any
	}{
		{"without a context", func(l *slog.Logger) { l.Info("x", "a", 1) }, map[string]any{"a": 1.0}},
		{"an invocation", func(l *slog.Logger) { l.InfoContext(inv, "x") },
			map[string]any{"invocationId": "inv-1", "messageId": "m-1"}},
		{"a step", func(l *slog.Logger) { l.WarnContext(step, "x", "code", "transient") },
			map[string]any{"invocationId": "inv-1", "messageId": "m-1", "step": "ensure-user", "attempt": 2.0, "code": "transient"}},
		{"a later attr replaces an earlier one", func(l *slog.Logger) { l.InfoContext(again, "x") },
			map[string]any{"invocationId": "inv-1", "messageId": "m-1", "step": "ensure-user", "attempt": 3.0}},
		{"the record's own attr wins", func(l *slog.Logger) { l.InfoContext(step, "x", "attempt", 9) },
			map[string]any{"invocationId": "inv-1", "messageId": "m-1", "step": "ensure-user", "attempt": 9.0}},
		{"the logger's own attr wins", func(l *slog.Logger) { l.With("messageId", "mine").InfoContext(inv, "x") },
			map[string]any{"invocationId": "inv-1", "messageId": "mine"}},
		{"LogAttrs", func(l *slog.Logger) { l.LogAttrs(step, slog.LevelDebug, "x", slog.String("path", "/users")) },
			map[string]any{"invocationId": "inv-1", "messageId": "m-1", "step": "ensure-user", "attempt": 2.0, "path": "/users"}},
		{"in a group", func(l *slog.Logger) { l.WithGroup("g").InfoContext(inv, "x", "a", 1) },
			map[string]any{"g": map[string]any{"a": 1.0, "invocationId": "inv-1", "messageId": "m-1"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			l := slog.New(logctx.NewHandler(slog.NewJSONHandler(&b, &slog.HandlerOptions{Level: slog.LevelDebug})))
			tc.log(l)
			got := lines(t, &b)
			if len(got) != 1 {
				t.Fatalf("got %d lines, want 1: %s", len(got), b.String())
			}
			if diff := cmp.Diff(tc.want, got[0]); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
			// the JSON handler writes a duplicate key as it is given
			if n := strings.Count(b.String(), `"attempt"`); n > 1 {
				t.Errorf("attempt written %d times: %s", n, b.String())
			}
		})
	}
}

func TestWithKeepsTheParentUnchanged(t *testing.T) {
	parent := logctx.With(context.Background(), slog.String(logctx.KeyRequestID, "r-1"), slog.String(logctx.KeyStep, "validate"))
	_ = logctx.With(parent, slog.String(logctx.KeyStep, "ensure-user"))
	got := map[string]string{}
	for _, a := range logctx.Attrs(parent) {
		got[a.Key] = a.Value.String()
	}
	if diff := cmp.Diff(map[string]string{"requestId": "r-1", "step": "validate"}, got); diff != "" {
		t.Errorf("parent changed (-want +got)\n%s", diff)
	}
	if logctx.Attrs(context.Background()) != nil {
		t.Error("a bare context carries attrs")
	}
}
