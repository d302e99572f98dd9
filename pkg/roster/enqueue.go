package roster

import (
	"context"
	"fmt"
	"time"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/producer"
)

// Sender sends built requests and says what became of each;
// *producer.Producer implements it.
type Sender interface {
	SendBatch(ctx context.Context, ms []producer.Message) ([]producer.Sent, error)
}

// Known tells whether the journal already has a request; the journals
// implement it. Request returns a *domain.Error with Code NotFound for an
// id it has never seen.
type Known interface {
	Request(ctx context.Context, id string) (domain.RequestRecord, error)
}

// Progress is told how the sending goes (Lines and Bar implement it).
type Progress interface {
	// Start is called once, with the number of requests to send.
	Start(total int)
	// Add is called as n more have been sent.
	Add(n int)
	// Finish is called once, when sending stops.
	Finish()
}

// DefaultBatch is how many requests go in one send: one transaction on
// the embedded queue, one or a few batches on Service Bus.
const DefaultBatch = 50

// Options shape Enqueue.
type Options struct {
	// SkipInvalid sends the valid rows even when others are invalid; the
	// invalid ones are reported. Without it one invalid row stops the run
	// before anything is sent.
	SkipInvalid bool
	// Journal, when set, is asked for each request before it is sent; a
	// request the journal knows is not sent again (OutcomeKnown).
	Journal Known
	// Batch is how many requests are sent at once (default DefaultBatch).
	Batch int
	// Progress, when set, follows the sending.
	Progress Progress
}

// Outcome is what became of a row.
type Outcome string

// Outcomes.
const (
	// OutcomeSent: the request was put on the queue.
	OutcomeSent Outcome = "sent"
	// OutcomeInvalid: the row is invalid (Reason says why); not sent.
	OutcomeInvalid Outcome = "invalid"
	// OutcomeKnown: the journal already has the request (Status); not
	// sent again.
	OutcomeKnown Outcome = "known"
	// OutcomeDuplicate: the queue dropped the request as a copy of one it
	// accepted within its duplicate-detection window.
	OutcomeDuplicate Outcome = "duplicate"
	// OutcomeRepeat: the row repeats an earlier row's request; sent once.
	OutcomeRepeat Outcome = "repeat"
	// OutcomeValid: a valid row not sent, since nothing was (invalid rows
	// stopped the run, or Report was asked before sending).
	OutcomeValid Outcome = "valid"
	// OutcomeNotSent: a valid row not sent because a send failed.
	OutcomeNotSent Outcome = "not sent"
	// OutcomeConflict: the journal has the row's requestId for other
	// content (a requestId column reused for a new request); not sent,
	// since the handler would park it as a conflict.
	OutcomeConflict Outcome = "conflict"
)

// Result is one row of the report.
type Result struct {
	Line      int     `json:"line"`
	RequestID string  `json:"requestId,omitempty"`
	Email     string  `json:"email"`
	Vendor    string  `json:"vendor"`
	Outcome   Outcome `json:"outcome"`
	Reason    string  `json:"reason,omitempty"`
	// Problems are an invalid row's reasons, each with its column.
	Problems []domain.Problem `json:"problems,omitempty"`
	// Status is the journal's status of a known request.
	Status domain.RequestStatus `json:"status,omitempty"`
}

// Summary counts the outcomes.
type Summary struct {
	Rows       int `json:"rows"`
	Sent       int `json:"sent"`
	Invalid    int `json:"invalid"`
	Known      int `json:"known"`
	Duplicates int `json:"duplicates"`
	Repeats    int `json:"repeats"`
	Valid      int `json:"valid"`
	NotSent    int `json:"notSent"`
	Conflicts  int `json:"conflicts"`
	// SkippedInvalid is set when invalid rows were skipped and the valid
	// ones sent (Options.SkipInvalid).
	SkippedInvalid bool `json:"skippedInvalid"`
}

// Report is what Enqueue did with every row, in file order.
type Report struct {
	Rows    []Result `json:"rows"`
	Summary Summary  `json:"summary"`
}

// Enqueue sends the roster's valid rows through s and reports every row.
// Invalid rows stop the run before anything is sent unless
// o.SkipInvalid. Requests o.Journal knows are not sent; requests the queue
// drops as duplicates are reported as such. A failed send stops the run:
// the rows not sent are reported so, and running the same roster again
// sends them (the ones sent are known or dropped by then). The report is
// complete whatever the error.
func (ro *Roster) Enqueue(ctx context.Context, s Sender, o Options) (Report, error) {
	if o.Batch <= 0 {
		o.Batch = DefaultBatch
	}
	rep := ro.Report()
	invalid := rep.Summary.Invalid
	if invalid > 0 && !o.SkipInvalid {
		return rep, domain.Errorf(domain.Invalid, "%d of %d rows are invalid; nothing was sent", invalid, len(ro.Rows))
	}
	rep.Summary.SkippedInvalid = invalid > 0
	var pending []int // indices of the rows to send
	for i, r := range rep.Rows {
		if r.Outcome == OutcomeValid {
			rep.Rows[i].Outcome = OutcomeNotSent
			pending = append(pending, i)
		}
	}
	if o.Journal != nil {
		var unknown []int
		for _, i := range pending {
			rec, err := o.Journal.Request(ctx, ro.Rows[i].RequestID)
			switch {
			case err == nil && rec.Fingerprint != domain.Fingerprint(ro.Rows[i].Message.Body):
				rep.Rows[i].Outcome, rep.Rows[i].Status = OutcomeConflict, rec.Status
				rep.Rows[i].Reason = fmt.Sprintf("the journal has request %s for other content (%s, created %s); give this row a requestId of its own, or leave the requestId column empty to derive one",
					rec.ID, rec.Status, rec.CreatedAt.UTC().Format(time.DateOnly))
			case err == nil:
				rep.Rows[i].Outcome, rep.Rows[i].Status = OutcomeKnown, rec.Status
				rep.Rows[i].Reason = knownReason(rec)
			case domain.ErrorCode(err) == domain.NotFound:
				unknown = append(unknown, i)
			default:
				rep.count()
				return rep, fmt.Errorf("look up request %s in the journal: %w", ro.Rows[i].RequestID, err)
			}
		}
		pending = unknown
	}
	err := ro.send(ctx, s, o, pending, &rep)
	rep.count()
	if err == nil && rep.Summary.Conflicts > 0 {
		err = domain.Errorf(domain.Conflict, "%d rows reuse a requestId the journal has for other content; they were not sent (the report names them)", rep.Summary.Conflicts)
	}
	return rep, err
}

// Report is every row as it stands before anything is sent: invalid (with
// its reasons), a repeat of an earlier row, or valid.
func (ro *Roster) Report() Report {
	rep := Report{Rows: make([]Result, len(ro.Rows))}
	for i, r := range ro.Rows {
		res := Result{Line: r.Line, RequestID: r.RequestID, Email: r.Email, Vendor: r.Vendor, Outcome: OutcomeValid}
		switch {
		case !r.Valid():
			res.Outcome, res.Reason, res.Problems = OutcomeInvalid, r.Reason(), r.Problems
		case r.RepeatOf != 0:
			res.Outcome, res.Reason = OutcomeRepeat, fmt.Sprintf("the same request as line %d", r.RepeatOf)
		}
		rep.Rows[i] = res
	}
	rep.count()
	return rep
}

// send sends the rows at pending, o.Batch at a time.
func (ro *Roster) send(ctx context.Context, s Sender, o Options, pending []int, rep *Report) error {
	if o.Progress != nil {
		o.Progress.Start(len(pending))
		defer o.Progress.Finish()
	}
	for len(pending) > 0 {
		n := min(o.Batch, len(pending))
		batch := pending[:n]
		ms := make([]producer.Message, n)
		for k, i := range batch {
			ms[k] = ro.Rows[i].Message
		}
		sent, err := s.SendBatch(ctx, ms)
		if err != nil {
			for _, i := range pending {
				rep.Rows[i].Reason = "may not have been sent: the send failed (running the roster again sends it, or finds it known)"
			}
			return fmt.Errorf("send rows from line %d: %w", ro.Rows[batch[0]].Line, err)
		}
		for k, i := range batch {
			rep.Rows[i].Outcome = OutcomeSent
			if sent[k].Duplicate {
				rep.Rows[i].Outcome = OutcomeDuplicate
				rep.Rows[i].Reason = "the queue dropped it: sent before, within its duplicate-detection window"
			}
		}
		if o.Progress != nil {
			o.Progress.Add(n)
		}
		pending = pending[n:]
	}
	return nil
}

// knownReason says what the journal knows of a request, and what to do
// about one that stopped.
func knownReason(rec domain.RequestRecord) string {
	s := fmt.Sprintf("already known (status %s)", rec.Status)
	if rec.Status == domain.RequestParked {
		s += fmt.Sprintf(": %s; replay it with `vendorflow deadletters replay --request-id %s`", rec.Reason, rec.ID)
	}
	return s
}

// count fills the summary from the rows.
func (rep *Report) count() {
	s := &rep.Summary
	s.Rows = len(rep.Rows)
	s.Sent, s.Invalid, s.Known, s.Duplicates, s.Repeats, s.Valid, s.NotSent, s.Conflicts = 0, 0, 0, 0, 0, 0, 0, 0
	for _, r := range rep.Rows {
		switch r.Outcome {
		case OutcomeSent:
			s.Sent++
		case OutcomeInvalid:
			s.Invalid++
		case OutcomeKnown:
			s.Known++
		case OutcomeDuplicate:
			s.Duplicates++
		case OutcomeRepeat:
			s.Repeats++
		case OutcomeValid:
			s.Valid++
		case OutcomeNotSent:
			s.NotSent++
		case OutcomeConflict:
			s.Conflicts++
		}
	}
}
