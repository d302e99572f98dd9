package app

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vendorflow/vendorflow/pkg/clock"
	"github.com/vendorflow/vendorflow/pkg/connect"
	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/funchost"
	"github.com/vendorflow/vendorflow/pkg/handler"
	"github.com/vendorflow/vendorflow/pkg/logctx"
	"github.com/vendorflow/vendorflow/pkg/tenantsim"
)

// A request runs through the handler, the engine and the Graph adapter as
// `vendorflow serve` wires them, logging JSON at debug level as the binary
// does. Its first delivery meets a Graph that refuses assignLicense (503)
// and is rescheduled; the second finishes it. Every line logged while
// handling the two invocations names the invocation, the message and the
// request; a line logged during a step names the step and its attempt.
func TestEveryLineCarriesTheInvocationsIDs(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewFake(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	cfg, sim := demoEmulator(t, clk)
	dir := t.TempDir()
	cfg.Journal.Path, cfg.Queue.Path = filepath.Join(dir, "journal.db"), filepath.Join(dir, "queue.db")

	var logs bytes.Buffer
	log := slog.New(logctx.NewHandler(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	st, err := Open(ctx, cfg, Options{Clock: clk, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	bus, err := connect.OpenBus(ctx, cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	defer bus.Close()
	h, err := handler.New(handler.Config{Processor: st.Engine, Bus: bus.Bus, DeadLetters: bus, Status: st.Journal,
		Sweeper: st.Engine, Reconciler: st.Engine, Clock: clk, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	body, err := json.Marshal(domain.OnboardRequest{
		SchemaVersion: 1, RequestID: "po-logs", Vendor: "Vendor1",
		Person:   domain.Person{GivenName: "Lo", Surname: "Gs", Email: "logs@vendor1.com"},
		Contract: domain.Period{Start: "2026-12-01", End: "2027-03-31"}, Sponsor: "pat.sponsor@" + cfg.Tenant.Domain,
	})
	if err != nil {
		t.Fatal(err)
	}
	deliver := func(invocation, messageID string) handler.Settled {
		t.Helper()
		env, err := funchost.EncodeServiceBus("message", funchost.ServiceBusMessage{Body: body, MessageID: messageID, DeliveryCount: 1, EnqueuedTime: clk.Now()})
		if err != nil {
			t.Fatal(err)
		}
		req, err := funchost.NewRequest(ctx, "http://127.0.0.1:7071", "onboard", invocation, env)
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("invocation %s: HTTP %d %s", invocation, rec.Code, rec.Body)
		}
		var resp struct{ ReturnValue struct{ Status string } }
		if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
			t.Fatal(err)
		}
		return handler.Settled{Outcome: resp.ReturnValue.Status}
	}
	sim.SetFaults(tenantsim.Faults{Routes: map[string]tenantsim.RouteFaults{"POST /users/{id}/assignLicense": {Rate503: 1}}})
	if got := deliver("inv-1", "msg-1"); got.Outcome != string(domain.RequestRetrying) {
		t.Fatalf("first delivery: %s, want retrying", got.Outcome)
	}
	sim.SetFaults(tenantsim.Faults{})
	if got := deliver("inv-2", "msg-2"); got.Outcome != string(domain.RequestDone) {
		t.Fatalf("second delivery: %s, want done", got.Outcome)
	}

	// The lines the run must have written, with the step they name ("":
	// none, the line is not a step's).
	want := []struct{ invocation, msg, step string }{
		{"inv-1", "graph retry", "ensure-licenses"},
		{"inv-1", "step failed", "ensure-licenses"},
		{"inv-1", "request stopped", ""},
		{"inv-1", "retry scheduled", ""},
		{"inv-1", "message handled", ""},
		{"inv-2", "request done", ""},
		{"inv-2", "message handled", ""},
	}
	messageOf := map[string]string{"inv-1": "msg-1", "inv-2": "msg-2"}
	seen := map[[2]string][]map[string]any{}
	for i, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var l map[string]any
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("line %d is not JSON: %v: %s", i+1, err, line)
		}
		inv, _ := l[logctx.KeyInvocationID].(string)
		if messageOf[inv] == "" || l[logctx.KeyMessageID] != messageOf[inv] || l[logctx.KeyRequestID] != "po-logs" {
			t.Errorf("line %d lacks the invocation's ids (invocationId, messageId, requestId): %s", i+1, line)
		}
		_, hasStep := l[logctx.KeyStep]
		attempt, hasAttempt := l[logctx.KeyAttempt].(float64)
		if hasStep != hasAttempt || (hasAttempt && attempt < 1) {
			t.Errorf("line %d: step and attempt come together, attempt ≥ 1: %s", i+1, line)
		}
		msg, _ := l["msg"].(string)
		seen[[2]string{inv, msg}] = append(seen[[2]string{inv, msg}], l)
	}
	for _, w := range want {
		lines := seen[[2]string{w.invocation, w.msg}]
		if len(lines) == 0 {
			t.Errorf("no %q line for %s", w.msg, w.invocation)
		}
		for _, l := range lines {
			if step, _ := l[logctx.KeyStep].(string); step != w.step {
				t.Errorf("%q line for %s names step %q, want %q: %v", w.msg, w.invocation, step, w.step, l)
			}
		}
	}
	// the step's attempts are the journal's count: 1 to the engine's
	// attempts per run
	fails := seen[[2]string{"inv-1", "step failed"}]
	if n := len(fails); n < 2 || fails[n-1][logctx.KeyAttempt] != float64(n) {
		t.Errorf("%d step failures, the last attempt %v; want attempts 1..%d", n, fails[len(fails)-1][logctx.KeyAttempt], n)
	}
}
