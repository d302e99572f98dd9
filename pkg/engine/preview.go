package engine

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"
)

// SweepPreview is what an expiry sweep run at Now would do, found without
// doing any of it: the offboards it would enqueue, the sponsors it would
// warn (and the accounts ending soon it would not warn about, with why),
// and the accounts it would delete past retention.
type SweepPreview struct {
	Now time.Time `json:"now"`
	// Offboard are the enabled accounts whose contracts have ended, each
	// with the offboard request (its deterministic id) the sweep sends.
	Offboard []Expiry `json:"offboard"`
	// Warn are the warnings the sweep would mail.
	Warn []Warning `json:"warn"`
	// NotWarned are the accounts ending within the warning window whose
	// sponsor the sweep would not mail, with the reason (SkipNoSponsor,
	// SkipWarned).
	NotWarned []NotWarned `json:"notWarned"`
	// Delete are the disabled accounts whose contracts ended more than
	// the retention period ago.
	Delete []Retired `json:"delete"`
	// RetentionCutoff is now less the retention period: a contract that
	// ended at or before it is past retention.
	RetentionCutoff time.Time `json:"retentionCutoff"`
}

// NotWarned is an account ending soon whose sponsor a sweep would not warn.
type NotWarned struct {
	UPN         string    `json:"upn"`
	Sponsor     string    `json:"sponsor,omitempty"`
	ContractEnd time.Time `json:"contractEnd"`
	Reason      string    `json:"reason"`
}

// Every list of a SweepPreview is ordered by contract end, then UPN.

// Retired is an account the retention pass would delete.
type Retired struct {
	UPN         string    `json:"upn"`
	ContractEnd time.Time `json:"contractEnd"`
}

// PreviewSweep answers "what would the next sweep do now" for the ops
// console. It reads the directory and the journal only: no message is
// sent, no mail, no lease taken, nothing deleted. It applies the rules
// the sweep applies (ScanContracts, warnDecision, pastRetention), so the
// preview and the sweep cannot drift apart; the sweep itself may still
// differ where the tenant or the journal change in between, or where a
// request holds an account's lease when the sweep comes (it then leaves
// that account for the next sweep).
func (e *Engine) PreviewSweep(ctx context.Context, now time.Time) (SweepPreview, error) {
	p := SweepPreview{Now: now, Offboard: []Expiry{}, Warn: []Warning{}, NotWarned: []NotWarned{}, Delete: []Retired{}}
	scan, err := e.ScanContracts(ctx, now, func(x Expiry) error {
		p.Offboard = append(p.Offboard, x)
		return nil
	})
	if err != nil {
		return SweepPreview{}, err
	}
	for _, u := range scan.Soon {
		d, err := e.warnDecision(ctx, u)
		if err != nil {
			return SweepPreview{}, err
		}
		if d.skip != "" {
			p.NotWarned = append(p.NotWarned, NotWarned{UPN: u.UPN, Sponsor: d.warning.Sponsor, ContractEnd: d.warning.ContractEnd, Reason: d.skip})
			continue
		}
		p.Warn = append(p.Warn, d.warning)
	}
	victims, cutoff, err := e.pastRetention(ctx, now)
	if err != nil {
		return SweepPreview{}, err
	}
	p.RetentionCutoff = cutoff
	for _, u := range victims {
		p.Delete = append(p.Delete, Retired{UPN: u.UPN, ContractEnd: u.EmployeeLeaveDateTime})
	}
	// soonest contract end first, then by UPN: the directory lists in no
	// promised order
	slices.SortFunc(p.Offboard, func(a, b Expiry) int { return byEnd(a.ContractEnd, b.ContractEnd, a.UPN, b.UPN) })
	slices.SortFunc(p.Warn, func(a, b Warning) int { return byEnd(a.ContractEnd, b.ContractEnd, a.UPN, b.UPN) })
	slices.SortFunc(p.NotWarned, func(a, b NotWarned) int { return byEnd(a.ContractEnd, b.ContractEnd, a.UPN, b.UPN) })
	slices.SortFunc(p.Delete, func(a, b Retired) int { return byEnd(a.ContractEnd, b.ContractEnd, a.UPN, b.UPN) })
	return p, nil
}

func byEnd(endA, endB time.Time, upnA, upnB string) int {
	return cmp.Or(endA.Compare(endB), cmp.Compare(strings.ToLower(upnA), strings.ToLower(upnB)))
}
