package journal_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/engine"
)

func TestBegin(t *testing.T) {
	stored := domain.RequestRecord{
		ID: "r1", Kind: domain.KindOnboard, Fingerprint: "fp-1", Payload: []byte(`{"requestId":"r1"}`),
		Status: domain.RequestReceived, CreatedAt: t0, UpdatedAt: t0, IntentAt: t0,
	}
	tests := []struct {
		name        string
		existing    []domain.RequestRecord // begun at t0
		in          domain.RequestRecord   // begun an hour later
		want        domain.RequestRecord
		wantCreated bool
		wantCode    domain.Code
		wantText    string
	}{
		{
			name: "create",
			// status, attempts and reason of the input are not taken
			in: domain.RequestRecord{ID: "r1", Kind: domain.KindOnboard, Fingerprint: "fp-1", Payload: []byte(`{"requestId":"r1"}`),
				Status: domain.RequestDone, Attempts: 7, Reason: "x", ReasonCode: domain.Business, UPN: "a@abc.com"},
			want: func() domain.RequestRecord {
				r := stored
				r.UPN, r.CreatedAt, r.UpdatedAt, r.IntentAt = "a@abc.com", t0.Add(time.Hour), t0.Add(time.Hour), t0.Add(time.Hour)
				return r
			}(),
			wantCreated: true,
		},
		{
			name: "create with the queue's intent time",
			in: domain.RequestRecord{ID: "r1", Kind: domain.KindOnboard, Fingerprint: "fp-1", Payload: []byte(`{"requestId":"r1"}`),
				IntentAt: t0.Add(-time.Minute)},
			want: func() domain.RequestRecord {
				r := stored
				r.CreatedAt, r.UpdatedAt, r.IntentAt = t0.Add(time.Hour), t0.Add(time.Hour), t0.Add(-time.Minute)
				return r
			}(),
			wantCreated: true,
		},
		{
			name:     "existing, same fingerprint",
			existing: []domain.RequestRecord{request("r1", domain.KindOnboard, "fp-1")},
			in:       request("r1", domain.KindOnboard, "fp-1"),
			want:     stored,
		},
		{
			name:     "existing, other fingerprint",
			existing: []domain.RequestRecord{request("r1", domain.KindOnboard, "fp-1")},
			in:       request("r1", domain.KindOnboard, "fp-2"),
			wantCode: domain.Conflict,
			wantText: `requestId "r1" was reused with different content`,
		},
		{name: "no id", in: request("", domain.KindOnboard, "fp"), wantCode: domain.Invalid},
		{name: "no kind", in: request("r1", "", "fp"), wantCode: domain.Invalid},
		{name: "no fingerprint", in: request("r1", domain.KindOnboard, ""), wantCode: domain.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			j, clk := openMem(t)
			for _, r := range tt.existing {
				begin(t, j, r)
			}
			clk.Advance(time.Hour)
			got, created, err := j.Begin(ctx, tt.in)
			wantCode(t, err, tt.wantCode)
			if err != nil {
				if !strings.Contains(domain.ErrorMessage(err), tt.wantText) {
					t.Errorf("message %q does not contain %q", domain.ErrorMessage(err), tt.wantText)
				}
				return
			}
			if created != tt.wantCreated {
				t.Errorf("created = %v, want %v", created, tt.wantCreated)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Begin (-want +got):\n%s", diff)
			}
			read, err := j.Request(ctx, tt.in.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, read); diff != "" {
				t.Errorf("Request after Begin (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRequestNotFound(t *testing.T) {
	j, _ := openMem(t)
	_, err := j.Request(context.Background(), "nope")
	wantCode(t, err, domain.NotFound)
}

// moveTo drives a new request from received to status through allowed moves.
func moveTo(t *testing.T, j interface {
	SetStatus(context.Context, string, domain.RequestStatus, domain.Code, string) error
}, id string, status domain.RequestStatus) {
	t.Helper()
	paths := map[domain.RequestStatus][]domain.RequestStatus{
		domain.RequestReceived:   nil,
		domain.RequestRunning:    {domain.RequestRunning},
		domain.RequestRetrying:   {domain.RequestRunning, domain.RequestRetrying},
		domain.RequestParked:     {domain.RequestParked},
		domain.RequestDone:       {domain.RequestRunning, domain.RequestDone},
		domain.RequestSuperseded: {domain.RequestSuperseded},
	}
	for _, s := range paths[status] {
		if err := j.SetStatus(context.Background(), id, s, "", ""); err != nil {
			t.Fatalf("move %s to %s: %v", id, s, err)
		}
	}
}

func TestSetStatus(t *testing.T) {
	tests := []struct {
		from, to domain.RequestStatus
		wantCode domain.Code
	}{
		{domain.RequestReceived, domain.RequestRunning, ""},
		{domain.RequestReceived, domain.RequestParked, ""},
		{domain.RequestRunning, domain.RequestRunning, ""},
		{domain.RequestRunning, domain.RequestRetrying, ""},
		{domain.RequestRunning, domain.RequestDone, ""},
		{domain.RequestRetrying, domain.RequestRunning, ""},
		{domain.RequestParked, domain.RequestRunning, ""},
		{domain.RequestParked, domain.RequestSuperseded, ""},
		{domain.RequestReceived, domain.RequestDone, domain.Conflict},
		{domain.RequestReceived, domain.RequestRetrying, domain.Conflict},
		{domain.RequestRetrying, domain.RequestDone, domain.Conflict},
		{domain.RequestDone, domain.RequestRunning, domain.Conflict},
		{domain.RequestSuperseded, domain.RequestRunning, domain.Conflict},
		{domain.RequestRunning, "bogus", domain.Conflict},
	}
	for _, tt := range tests {
		t.Run(string(tt.from)+"->"+string(tt.to), func(t *testing.T) {
			ctx := context.Background()
			j, clk := openMem(t)
			begin(t, j, request("r1", domain.KindOnboard, "fp"))
			moveTo(t, j, "r1", tt.from)
			before, err := j.Request(ctx, "r1")
			if err != nil {
				t.Fatal(err)
			}
			clk.Advance(time.Minute)
			err = j.SetStatus(ctx, "r1", tt.to, domain.Transient, "graph answered 503")
			wantCode(t, err, tt.wantCode)
			want := before
			if err == nil {
				want.Status, want.ReasonCode, want.Reason, want.UpdatedAt = tt.to, domain.Transient, "graph answered 503", t0.Add(time.Minute)
			} else if !strings.Contains(err.Error(), "r1") {
				t.Errorf("error %q does not name the request", err)
			}
			got, err := j.Request(ctx, "r1")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("record (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("missing request", func(t *testing.T) {
		j, _ := openMem(t)
		wantCode(t, j.SetStatus(context.Background(), "nope", domain.RequestRunning, "", ""), domain.NotFound)
	})
}

func TestSetUPNAndCountAttempt(t *testing.T) {
	ctx := context.Background()
	j, clk := openMem(t)
	begin(t, j, request("r1", domain.KindOffboard, "fp"))
	clk.Advance(time.Second)
	if err := j.SetUPN(ctx, "r1", "vendor1_a@abc.com"); err != nil {
		t.Fatal(err)
	}
	for want := 1; want <= 3; want++ {
		clk.Advance(time.Second)
		n, err := j.CountAttempt(ctx, "r1")
		if err != nil || n != want {
			t.Fatalf("CountAttempt = %d, %v; want %d", n, err, want)
		}
	}
	got, err := j.Request(ctx, "r1")
	if err != nil {
		t.Fatal(err)
	}
	if got.UPN != "vendor1_a@abc.com" || got.Attempts != 3 || !got.UpdatedAt.Equal(t0.Add(4*time.Second)) {
		t.Errorf("record = %+v", got)
	}
	wantCode(t, j.SetUPN(ctx, "nope", "x@abc.com"), domain.NotFound)
	_, err = j.CountAttempt(ctx, "nope")
	wantCode(t, err, domain.NotFound)
}

func TestRequestsFilter(t *testing.T) {
	ctx := context.Background()
	j, clk := openMem(t)
	// r1..r5 begun a minute apart; then r2 is updated last.
	seed := []struct {
		id, kind string
		status   domain.RequestStatus
	}{
		{"r1", domain.KindOnboard, domain.RequestReceived},
		{"r2", domain.KindOnboard, domain.RequestParked},
		{"r3", domain.KindOffboard, domain.RequestParked},
		{"r4", domain.KindOffboard, domain.RequestDone},
		{"r5", domain.KindOnboard, domain.RequestReceived},
	}
	for _, s := range seed {
		clk.Advance(time.Minute)
		begin(t, j, request(s.id, s.kind, "fp-"+s.id))
		moveTo(t, j, s.id, s.status)
	}
	clk.Advance(time.Minute)
	if err := j.SetUPN(ctx, "r2", "x@abc.com"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		filter engine.RequestFilter
		want   []string
	}{
		{"all, most recently updated first", engine.RequestFilter{}, []string{"r2", "r5", "r4", "r3", "r1"}},
		{"by status", engine.RequestFilter{Status: domain.RequestParked}, []string{"r2", "r3"}},
		{"by kind", engine.RequestFilter{Kind: domain.KindOffboard}, []string{"r4", "r3"}},
		{"by status and kind", engine.RequestFilter{Status: domain.RequestReceived, Kind: domain.KindOnboard}, []string{"r5", "r1"}},
		{"limit", engine.RequestFilter{Limit: 2}, []string{"r2", "r5"}},
		{"none", engine.RequestFilter{Status: domain.RequestRetrying}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := j.Requests(ctx, tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			ids := []string{}
			for _, r := range got {
				ids = append(ids, r.ID)
			}
			if diff := cmp.Diff(tt.want, ids); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
		})
	}
	_, err := j.Requests(ctx, engine.RequestFilter{Limit: -1})
	wantCode(t, err, domain.Invalid)
}

func TestRequestsDefaultLimit(t *testing.T) {
	ctx := context.Background()
	j, clk := openMem(t)
	for i := range 101 {
		clk.Advance(time.Millisecond)
		begin(t, j, request(fmt.Sprintf("r%03d", i), domain.KindOnboard, "fp"))
	}
	got, err := j.Requests(ctx, engine.RequestFilter{})
	if err != nil || len(got) != 100 {
		t.Fatalf("Requests = %d records, %v; want 100", len(got), err)
	}
}

func TestStats(t *testing.T) {
	ctx := context.Background()
	j, _ := openMem(t)
	for id, s := range map[string]domain.RequestStatus{
		"r1": domain.RequestReceived, "r2": domain.RequestParked, "r3": domain.RequestParked, "r4": domain.RequestDone,
	} {
		begin(t, j, request(id, domain.KindOnboard, "fp"))
		moveTo(t, j, id, s)
	}
	got, err := j.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[domain.RequestStatus]int{
		domain.RequestReceived: 1, domain.RequestRunning: 0, domain.RequestRetrying: 0,
		domain.RequestParked: 2, domain.RequestDone: 1, domain.RequestSuperseded: 0,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Stats (-want +got):\n%s", diff)
	}
}
