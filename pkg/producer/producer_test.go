package producer

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vendorflow/vendorflow/pkg/clock"
	"github.com/vendorflow/vendorflow/pkg/config"
	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/queue"
)

// openLocal opens a Producer on an embedded queue in a temporary directory
// and returns it with the queue's path.
func openLocal(t testing.TB) (*Producer, string) {
	t.Helper()
	cfg, err := config.Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Queue.Path = filepath.Join(t.TempDir(), "queue.db")
	p, err := Open(context.Background(), Config{Config: cfg, Clock: clock.NewFake(t0)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p, cfg.Queue.Path
}

type queued struct{ MessageID, CorrelationID, Body string }

// peek lists what waits on a queue of the file at path.
func peek(t *testing.T, path, name string) []queued {
	t.Helper()
	q, err := queue.Open(context.Background(), queue.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	msgs, err := q.Peek(context.Background(), name, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []queued
	for _, m := range msgs {
		out = append(out, queued{m.MessageID, m.CorrelationID, string(m.Body)})
	}
	return out
}

// A retry of a request is dropped by the queue, and the producer says so.
func TestProducerSendsOnceAndReportsTheRetry(t *testing.T) {
	ctx := context.Background()
	p, path := openLocal(t)
	first, err := p.Onboard(ctx, ada())
	if err != nil {
		t.Fatal(err)
	}
	m, _ := p.Builder().Onboard(ada())
	want := Sent{Kind: domain.KindOnboard, RequestID: m.RequestID, Queue: "vendorflow-onboard", Counted: true}
	if diff := cmp.Diff(want, first); diff != "" {
		t.Errorf("first send (-want +got):\n%s", diff)
	}
	retry, err := p.Onboard(ctx, ada())
	if err != nil {
		t.Fatal(err)
	}
	want.Duplicate = true
	if diff := cmp.Diff(want, retry); diff != "" {
		t.Errorf("retry (-want +got):\n%s", diff)
	}
	off, err := p.Offboard(ctx, domain.OffboardRequest{Account: domain.AccountRef{Vendor: "Vendor1", Email: "ada@vendor1.com"}, Reason: "contract ended early"})
	if err != nil || off.Queue != "vendorflow-offboard" || off.Duplicate {
		t.Errorf("offboard: %+v, %v", off, err)
	}
	if diff := cmp.Diff([]queued{{m.RequestID, m.RequestID, string(m.Body)}}, peek(t, path, "vendorflow-onboard")); diff != "" {
		t.Errorf("onboard queue (-want +got):\n%s", diff)
	}
	if got := peek(t, path, "vendorflow-offboard"); len(got) != 1 || got[0].MessageID != off.RequestID || got[0].CorrelationID != off.RequestID {
		t.Errorf("offboard queue = %+v, want the one offboarding %s", got, off.RequestID)
	}
}

func TestProducerSendBatch(t *testing.T) {
	ctx := context.Background()
	p, path := openLocal(t)
	b := p.Builder()
	grace := ada()
	grace.Person = domain.Person{GivenName: "Grace", Surname: "Hopper", Email: "grace@vendor1.com"}
	var ms []Message
	for _, r := range []domain.OnboardRequest{ada(), grace, ada()} {
		m, err := b.Onboard(r)
		if err != nil {
			t.Fatal(err)
		}
		ms = append(ms, m)
	}
	if _, err := p.Send(ctx, ms[1]); err != nil { // sent before: a duplicate in the batch
		t.Fatal(err)
	}
	sent, err := p.SendBatch(ctx, ms)
	if err != nil {
		t.Fatal(err)
	}
	var dup []bool
	for _, s := range sent {
		dup = append(dup, s.Duplicate)
	}
	if diff := cmp.Diff([]bool{false, true, true}, dup); diff != "" {
		t.Errorf("duplicates (-want +got):\n%s", diff)
	}
	if got := peek(t, path, "vendorflow-onboard"); len(got) != 2 {
		t.Errorf("queue holds %d messages, want Grace's and Ada's", len(got))
	}
	if _, err := p.SendBatch(ctx, []Message{{Kind: domain.KindOnboard}}); err == nil || !strings.Contains(err.Error(), "build it with the Builder") {
		t.Errorf("a message not built: err = %v", err)
	}
	if out, err := p.SendBatch(ctx, nil); err != nil || len(out) != 0 {
		t.Errorf("an empty batch: %v, %v", out, err)
	}
}

// An invalid request is refused before anything is sent; Service Bus
// without an identity is refused before any network I/O.
func TestProducerRefuses(t *testing.T) {
	ctx := context.Background()
	p, path := openLocal(t)
	r := ada()
	r.Person.Email = "ada@gmail.com"
	if _, err := p.Onboard(ctx, r); domain.ErrorCode(err) != domain.Invalid || !strings.Contains(err.Error(), `person.email: domain "gmail.com" is not allowed for vendor Vendor1`) {
		t.Errorf("err = %v, want the email domain refused", err)
	}
	if got := peek(t, path, "vendorflow-onboard"); len(got) != 0 {
		t.Errorf("an invalid request reached the queue: %+v", got)
	}

	cfg, err := config.Load("", func(k string) (string, bool) {
		if k == "ServiceBusConnection__fullyQualifiedNamespace" {
			return "contoso.servicebus.windows.net", true
		}
		return "", false
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, Config{Config: cfg}); err == nil || !strings.Contains(err.Error(), "needs the app's identity") {
		t.Errorf("Service Bus without identity: err = %v", err)
	}
	cfg, _ = config.Load("", nil)
	cfg.Tenant.Domain = ""
	if _, err := Open(ctx, Config{Config: cfg}); domain.ErrorCode(err) != domain.Invalid {
		t.Errorf("a configuration without tenant domain: err = %v, want invalid", err)
	}
}
