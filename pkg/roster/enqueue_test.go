package roster

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vendorflow/vendorflow/pkg/clock"
	"github.com/vendorflow/vendorflow/pkg/config"
	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/producer"
	"github.com/vendorflow/vendorflow/pkg/queue"
)

// openProducer opens a producer on an embedded queue in a temporary
// directory and returns it with the queue's path.
func openProducer(t testing.TB) (*producer.Producer, string) {
	t.Helper()
	cfg, err := config.Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Queue.Path = filepath.Join(t.TempDir(), "queue.db")
	p, err := producer.Open(context.Background(), producer.Config{Config: cfg, Clock: clock.NewFake(t0)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p, cfg.Queue.Path
}

// queued is the message ids waiting on the onboard queue of the file at path.
func queued(t *testing.T, path string) []string {
	t.Helper()
	q, err := queue.Open(context.Background(), queue.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	msgs, err := q.Peek(context.Background(), "vendorflow-onboard", 1000)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range msgs {
		if m.CorrelationID != m.MessageID {
			t.Errorf("message %s has correlation id %s", m.MessageID, m.CorrelationID)
		}
		ids = append(ids, m.MessageID)
	}
	return ids
}

// journal is a Known over a map.
type journal map[string]domain.RequestRecord

func (j journal) Request(_ context.Context, id string) (domain.RequestRecord, error) {
	if r, ok := j[id]; ok {
		return r, nil
	}
	return domain.RequestRecord{}, domain.Errorf(domain.NotFound, "no request %s", id)
}

// outcomes is each row's line and outcome.
func outcomes(rep Report) []string {
	var out []string
	for _, r := range rep.Rows {
		out = append(out, fmt.Sprintf("%d %s", r.Line, r.Outcome))
	}
	return out
}

// recorder is a Progress that records its calls.
type recorder struct{ calls []string }

func (r *recorder) Start(total int) { r.calls = append(r.calls, fmt.Sprint("start ", total)) }
func (r *recorder) Add(n int)       { r.calls = append(r.calls, fmt.Sprint("add ", n)) }
func (r *recorder) Finish()         { r.calls = append(r.calls, "finish") }

// mixed has 5 valid rows (one of them repeated) and 2 invalid ones.
func mixed() string {
	return csvHeader + person(1) + person(2) + "Acme,Ada,Lovelace,a@vendor1.com,2026-03-01,2026-08-31,pat.sponsor@ABC.com\n" +
		person(3) + person(1) + "Vendor1,Ada,Lovelace,a@gmail.com,2026-03-01,2026-08-31,pat.sponsor@ABC.com\n" + person(4) + person(5)
}

// One invalid row and no SkipInvalid: nothing is sent, every row reported.
func TestEnqueueAllOrNothing(t *testing.T) {
	p, path := openProducer(t)
	ro := read(t, mixed())
	prog := &recorder{}
	rep, err := ro.Enqueue(context.Background(), p, Options{Progress: prog})
	if domain.ErrorCode(err) != domain.Invalid || !strings.Contains(err.Error(), "2 of 8 rows are invalid; nothing was sent") {
		t.Fatalf("err = %v", err)
	}
	want := []string{"2 valid", "3 valid", "4 invalid", "5 valid", "6 repeat", "7 invalid", "8 valid", "9 valid"}
	if diff := cmp.Diff(want, outcomes(rep)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if rep.Rows[2].Reason == "" || len(rep.Rows[2].Problems) != 1 || rep.Rows[1].RequestID == "" {
		t.Errorf("rows lack their reasons or ids: %+v", rep.Rows)
	}
	if diff := cmp.Diff(Summary{Rows: 8, Invalid: 2, Repeats: 1, Valid: 5}, rep.Summary); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(ro.Report(), rep); diff != "" {
		t.Errorf("the refused run's report is not Report() (-want +got):\n%s", diff)
	}
	if got := queued(t, path); len(got) != 0 {
		t.Errorf("sent %v", got)
	}
	if len(prog.calls) != 0 {
		t.Errorf("progress %v for a run that sent nothing", prog.calls)
	}
}

// With SkipInvalid the valid rows are sent in batches; a re-run sends
// nothing new, whether the queue or the journal knows the requests.
func TestEnqueueSkipInvalidAndRerun(t *testing.T) {
	ctx := context.Background()
	p, path := openProducer(t)
	ro := read(t, mixed())
	prog := &recorder{}
	rep, err := ro.Enqueue(ctx, p, Options{SkipInvalid: true, Batch: 2, Progress: prog})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"2 sent", "3 sent", "4 invalid", "5 sent", "6 repeat", "7 invalid", "8 sent", "9 sent"}
	if diff := cmp.Diff(want, outcomes(rep)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(Summary{Rows: 8, Sent: 5, Invalid: 2, Repeats: 1, SkippedInvalid: true}, rep.Summary); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"start 5", "add 2", "add 2", "add 1", "finish"}, prog.calls); diff != "" {
		t.Errorf("progress (-want +got):\n%s", diff)
	}
	var ids []string
	bodies := map[string][]byte{}
	for _, r := range ro.Valid() {
		ids = append(ids, r.RequestID)
		bodies[r.RequestID] = r.Message.Body
	}
	if diff := cmp.Diff(ids, queued(t, path)); diff != "" {
		t.Errorf("queued (-want +got):\n%s", diff)
	}

	// The same file again: the queue drops every request.
	rep, err = read(t, mixed()).Enqueue(ctx, p, Options{SkipInvalid: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Summary.Sent != 0 || rep.Summary.Duplicates != 5 {
		t.Errorf("re-run: %+v, want 5 duplicates", rep.Summary)
	}
	// Once the journal has them (past the queue's window), they are not
	// sent at all; a parked one says how to replay it.
	j := journal{}
	for i, id := range ids {
		st := domain.RequestDone
		if i == 0 {
			st = domain.RequestParked
		}
		j[id] = domain.RequestRecord{ID: id, Status: st, Reason: "no free seat of MICROSOFT_REMOTE_ASSIST", Fingerprint: domain.Fingerprint(bodies[id])}
	}
	delete(j, ids[4])
	prog = &recorder{}
	rep, err = read(t, mixed()).Enqueue(ctx, p, Options{SkipInvalid: true, Journal: j, Progress: prog})
	if err != nil {
		t.Fatal(err)
	}
	want = []string{"2 known", "3 known", "4 invalid", "5 known", "6 repeat", "7 invalid", "8 known", "9 duplicate"}
	if diff := cmp.Diff(want, outcomes(rep)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if r := rep.Rows[0]; r.Status != domain.RequestParked || !strings.Contains(r.Reason, "already known (status parked): no free seat") || !strings.Contains(r.Reason, "deadletters replay --request-id "+ids[0]) {
		t.Errorf("parked row = %+v", r)
	}
	if r := rep.Rows[1]; r.Status != domain.RequestDone || r.Reason != "already known (status done)" {
		t.Errorf("done row = %+v", r)
	}
	if diff := cmp.Diff([]string{"start 1", "add 1", "finish"}, prog.calls); diff != "" {
		t.Errorf("progress (-want +got):\n%s", diff)
	}
}

// A requestId the journal has for other content (a requestId column reused
// for a new request) is not sent: the handler would park it as a conflict.
// The other rows are sent, and the run ends as a Conflict naming them.
func TestEnqueueReusedRequestIDIsAConflict(t *testing.T) {
	ctx := context.Background()
	p, _ := openProducer(t)
	ro := read(t, mixed())
	valid := ro.Valid()
	j := journal{valid[0].RequestID: domain.RequestRecord{ID: valid[0].RequestID, Status: domain.RequestDone, Fingerprint: "other content"}}
	rep, err := ro.Enqueue(ctx, p, Options{SkipInvalid: true, Journal: j})
	if domain.ErrorCode(err) != domain.Conflict || !strings.Contains(err.Error(), "1 rows reuse a requestId") {
		t.Fatalf("err = %v, want a Conflict naming 1 row", err)
	}
	r := rep.Rows[0]
	if r.Outcome != OutcomeConflict || !strings.Contains(r.Reason, "the journal has request "+valid[0].RequestID+" for other content") {
		t.Errorf("row = %+v, want a conflict", r)
	}
	if rep.Summary.Conflicts != 1 || rep.Summary.Sent != len(valid)-1 {
		t.Errorf("summary = %+v, want 1 conflict and the others sent", rep.Summary)
	}
}

// failing is a Sender whose sends fail after the first batch.
type failing struct {
	Sender
	sent int
}

func (f *failing) SendBatch(ctx context.Context, ms []producer.Message) ([]producer.Sent, error) {
	if f.sent > 0 {
		return nil, errors.New("connection reset")
	}
	f.sent += len(ms)
	return f.Sender.SendBatch(ctx, ms)
}

// A failed send stops the run; the report says which rows were sent.
func TestEnqueueSendFails(t *testing.T) {
	p, _ := openProducer(t)
	prog := &recorder{}
	rep, err := read(t, csvHeader+person(1)+person(2)+person(3)).Enqueue(context.Background(), &failing{Sender: p}, Options{Batch: 2, Progress: prog})
	if err == nil || !strings.Contains(err.Error(), "send rows from line 4: connection reset") {
		t.Fatalf("err = %v", err)
	}
	if diff := cmp.Diff([]string{"2 sent", "3 sent", "4 not sent"}, outcomes(rep)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"start 3", "add 2", "finish"}, prog.calls); diff != "" {
		t.Errorf("progress (-want +got):\n%s", diff)
	}
}

// A journal that cannot answer stops the run before anything is sent.
func TestEnqueueJournalFails(t *testing.T) {
	p, path := openProducer(t)
	_, err := read(t, csvHeader+person(1)).Enqueue(context.Background(), p, Options{Journal: broken{}})
	if err == nil || !strings.Contains(err.Error(), "look up request") {
		t.Fatalf("err = %v", err)
	}
	if got := queued(t, path); len(got) != 0 {
		t.Errorf("sent %v", got)
	}
}

type broken struct{}

func (broken) Request(context.Context, string) (domain.RequestRecord, error) {
	return domain.RequestRecord{}, errors.New("disk I/O error")
}
