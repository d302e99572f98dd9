// Package history turns the journal into an account's lifecycle, for
// operators and auditors: every request that touched an account, with its
// steps, times and outcomes, and who asked for it. It reads the journal
// only (SQLite or Table Storage), never Graph.
package history

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/engine"
)

// Journal is what history reads.
type Journal interface {
	Requests(ctx context.Context, f engine.RequestFilter) ([]domain.RequestRecord, error)
	Steps(ctx context.Context, requestID string) ([]domain.StepRecord, error)
}

// MaxRequests bounds one history or export: more is refused, with a hint
// to narrow it, rather than cut silently.
const MaxRequests = 10000

// Event is one lifecycle event of an account: a request received (Event
// "request", At its creation, Status its current status) or one of its
// steps (Event the step's name, At when it finished, or started).
type Event struct {
	At        time.Time `json:"at"`
	UPN       string    `json:"upn"`
	RequestID string    `json:"requestId"`
	Kind      string    `json:"kind"`
	Event     string    `json:"event"`
	Status    string    `json:"status"`
	// RequestedBy is what the journal knows of who asked: the onboard's
	// sponsor, "expiry sweep", "reconcile", or "" (a producer's offboard).
	RequestedBy string `json:"requestedBy,omitempty"`
	// Detail: the reason of a request (or an offboard's own reason), a
	// step's last error, a contract change (old end → new end).
	Detail string `json:"detail,omitempty"`
}

// Filter selects the requests: by account (UPN), and by creation time in
// [Since, Until). Zero values select all.
type Filter struct {
	UPN          string
	Since, Until time.Time
}

// Events returns the lifecycle events of the requests f selects, oldest
// first (a request's own event before its steps).
func Events(ctx context.Context, j Journal, f Filter) ([]Event, error) {
	reqs, err := j.Requests(ctx, engine.RequestFilter{UPN: f.UPN, Since: f.Since, Until: f.Until, Limit: MaxRequests + 1})
	if err != nil {
		return nil, fmt.Errorf("list requests: %w", err)
	}
	if len(reqs) > MaxRequests {
		return nil, domain.Errorf(domain.Invalid, "more than %d requests match; narrow the range (--since, --until)", MaxRequests)
	}
	slices.Reverse(reqs) // oldest first
	out := []Event{}
	for _, r := range reqs {
		by, detail := origin(r)
		if r.Reason != "" {
			detail = join(detail, r.Reason)
		}
		out = append(out, Event{At: r.CreatedAt, UPN: r.UPN, RequestID: r.ID, Kind: r.Kind, Event: "request", Status: string(r.Status), RequestedBy: by, Detail: detail})
		steps, err := j.Steps(ctx, r.ID)
		if err != nil {
			return nil, fmt.Errorf("steps of %s: %w", r.ID, err)
		}
		for _, s := range steps {
			at := s.FinishedAt
			if at.IsZero() {
				at = s.StartedAt
			}
			out = append(out, Event{At: at, UPN: r.UPN, RequestID: r.ID, Kind: r.Kind, Event: string(s.Step), Status: string(s.Status), RequestedBy: by, Detail: stepDetail(s)})
		}
	}
	return out, nil
}

// origin reads who asked, and an offboard's reason, from the payload.
func origin(r domain.RequestRecord) (by, detail string) {
	switch {
	case r.Kind == engine.KindReconcile:
		return "reconcile", ""
	case r.Kind == domain.KindOffboard && strings.HasPrefix(r.ID, "expiry-"):
		by = "expiry sweep"
	}
	var p struct {
		Sponsor  string `json:"sponsor"`
		Reason   string `json:"reason"`
		Contract struct {
			End string `json:"end"`
		} `json:"contract"`
	}
	if json.Unmarshal(r.Payload, &p) != nil {
		return by, ""
	}
	switch r.Kind {
	case domain.KindOnboard:
		if p.Sponsor != "" {
			by = "sponsor " + p.Sponsor
		}
		if p.Contract.End != "" {
			detail = "contract ends " + p.Contract.End
		}
	case domain.KindOffboard:
		if p.Reason != "" && by == "" {
			detail = "reason: " + p.Reason
		}
	}
	return by, detail
}

func stepDetail(s domain.StepRecord) string {
	var d string
	if c := s.Outputs["contractChange"]; c != "" {
		d = fmt.Sprintf("contract %s: %s → %s", c, s.Outputs["previousEnd"], s.Outputs["contractEnd"])
	}
	if s.Outputs["credentialKept"] == "true" {
		d = join(d, "no new credential")
	}
	if s.Error != "" {
		d = join(d, fmt.Sprintf("last error [%s] %s", s.ErrorCode, s.Error))
	}
	return d
}

func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// csvHeader is the export's first row.
var csvHeader = []string{"at", "upn", "requestId", "kind", "event", "status", "requestedBy", "detail"}

// WriteCSV writes events as CSV with a header row; times are RFC 3339 UTC.
// A cell that a spreadsheet would read as a formula (it starts with =, +,
// -, @, a tab or a carriage return; reasons are producers' free text) is
// prefixed with an apostrophe.
func WriteCSV(w io.Writer, events []Event) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	for _, e := range events {
		row := []string{e.At.UTC().Format(time.RFC3339), e.UPN, e.RequestID, e.Kind, e.Event, e.Status, e.RequestedBy, e.Detail}
		for i, c := range row {
			if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
				row[i] = "'" + c
			}
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
