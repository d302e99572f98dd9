package history

import (
	"bytes"
	"context"
	"encoding/csv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/engine"
)

type fakeJournal struct {
	reqs  []domain.RequestRecord // newest first, as the journal lists
	steps map[string][]domain.StepRecord
	got   engine.RequestFilter
}

func (f *fakeJournal) Requests(_ context.Context, rf engine.RequestFilter) ([]domain.RequestRecord, error) {
	f.got = rf
	return f.reqs, nil
}

func (f *fakeJournal) Steps(_ context.Context, id string) ([]domain.StepRecord, error) {
	return f.steps[id], nil
}

var t0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

func TestEvents(t *testing.T) {
	j := &fakeJournal{
		reqs: []domain.RequestRecord{
			{ID: "reconcile-ab", Kind: engine.KindReconcile, UPN: "-a_SA@ABC.com", Status: domain.RequestDone, Reason: "drift repaired: licenses: assign X", CreatedAt: t0.Add(3 * time.Hour)},
			{ID: "expiry-1", Kind: domain.KindOffboard, UPN: "-a_SA@ABC.com", Status: domain.RequestParked, Reason: "=cmd|' /C calc'!A0", Payload: []byte(`{"reason":"contract ended"}`), CreatedAt: t0.Add(2 * time.Hour)},
			{ID: "on-2", Kind: domain.KindOnboard, UPN: "-a_SA@ABC.com", Status: domain.RequestDone, Payload: []byte(`{"sponsor":"pat@ABC.com","contract":{"end":"2027-06-30"}}`), CreatedAt: t0.Add(time.Hour)},
		},
		steps: map[string][]domain.StepRecord{
			"on-2": {
				{Step: domain.StepEnsureUser, Status: domain.StepDone, FinishedAt: t0.Add(time.Hour + time.Second), Outputs: map[string]string{"contractChange": "extension", "previousEnd": "A", "contractEnd": "B"}},
				{Step: domain.StepDeliverCredentials, Status: domain.StepFailed, StartedAt: t0.Add(time.Hour + 2*time.Second), ErrorCode: domain.Transient, Error: "429"},
			},
		},
	}
	got, err := Events(context.Background(), j, Filter{UPN: "-a_SA@ABC.com", Since: t0})
	if err != nil {
		t.Fatal(err)
	}
	if j.got.UPN != "-a_SA@ABC.com" || !j.got.Since.Equal(t0) || j.got.Limit != MaxRequests+1 {
		t.Errorf("filter passed on: %+v", j.got)
	}
	type row struct{ ID, Event, By, Detail string }
	var rows []row
	for _, e := range got {
		rows = append(rows, row{e.RequestID, e.Event, e.RequestedBy, e.Detail})
	}
	want := []row{
		{"on-2", "request", "sponsor pat@ABC.com", "contract ends 2027-06-30"},
		{"on-2", "ensure-user", "sponsor pat@ABC.com", "contract extension: A → B"},
		{"on-2", "deliver-credentials", "sponsor pat@ABC.com", "last error [transient] 429"},
		{"expiry-1", "request", "expiry sweep", "=cmd|' /C calc'!A0"},
		{"reconcile-ab", "request", "reconcile", "drift repaired: licenses: assign X"},
	}
	if d := cmp.Diff(want, rows); d != "" {
		t.Errorf("events, oldest first (-want +got):\n%s", d)
	}

	var b bytes.Buffer
	if err := WriteCSV(&b, got); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if recs[4][1] != "'-a_SA@ABC.com" || recs[4][7] != "'=cmd|' /C calc'!A0" || recs[1][0] != "2026-12-01T10:00:00Z" {
		t.Errorf("CSV row %v: formulas must be defused, times RFC 3339", recs[4])
	}

	j.reqs = make([]domain.RequestRecord, MaxRequests+1)
	if _, err := Events(context.Background(), j, Filter{}); domain.ErrorCode(err) != domain.Invalid {
		t.Errorf("too many requests: %v, want Invalid", err)
	}
}
