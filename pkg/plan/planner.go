package plan

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/vendorflow/vendorflow/pkg/barriers"
	"github.com/vendorflow/vendorflow/pkg/clock"
	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/engine"
	"github.com/vendorflow/vendorflow/pkg/journal"
)

// JournalReader is what the planner reads of the real journal: the account
// records and requests the engine consults. Every engine.Journal (the
// SQLite journal opened read-only, the Table journal) implements it.
type JournalReader interface {
	// Account returns the journal's record of an account; NotFound if none.
	Account(ctx context.Context, upn string) (domain.AccountRecord, error)
	// Request returns one request; NotFound when absent.
	Request(ctx context.Context, id string) (domain.RequestRecord, error)
	// Steps returns the request's step records in plan order.
	Steps(ctx context.Context, requestID string) ([]domain.StepRecord, error)
}

// Config configures a Planner.
type Config struct {
	Tenant domain.Tenant
	// Directory is read, never written.
	Directory Reader
	// Journal is the real journal, read only; nil means nothing is on
	// record (a machine that has not run a request yet).
	Journal JournalReader
	// Policy is the information-barrier policy reachability is judged by,
	// resolved (Policy.Resolve); nil: the vendor-isolation preset derived
	// from Tenant (barriers.DefaultPolicy), as `vendorflow barriers`
	// uses. Not used when Tenant.InformationBarriers is off.
	Policy *barriers.Policy
	// Clock is the time of validation and of the scratch journal (default
	// clock.Real{}).
	Clock clock.Clock
	// DirectoryName and JournalName say in the report what was read
	// ("Graph at http://127.0.0.1:8089/v1.0", "the journal var/journal.db").
	DirectoryName, JournalName string
}

// SetDefaults fills unset fields.
func (c *Config) SetDefaults() {
	if c.Clock == nil {
		c.Clock = clock.Real{}
	}
}

// Validate checks the configuration.
func (c Config) Validate() error {
	if c.Directory == nil {
		return errors.New("plan: Directory is required")
	}
	return c.Tenant.Validate()
}

// Planner plans requests. It is safe for concurrent use: each Plan call
// has its own overlay and scratch journal.
type Planner struct {
	cfg Config
	// policy is nil when barriers are off; segments are its segment names
	// then "" (users in no segment), as its Matrix orders them.
	policy   *barriers.Policy
	segments []string
}

// New returns a Planner.
func New(cfg Config) (*Planner, error) {
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	p := &Planner{cfg: cfg}
	if cfg.Tenant.InformationBarriers != domain.BarriersOff {
		pol := barriers.DefaultPolicy()
		if cfg.Policy != nil {
			pol = *cfg.Policy
		}
		pol, err := pol.Resolve(cfg.Tenant)
		if err != nil {
			return nil, fmt.Errorf("plan: barrier policy: %w", err)
		}
		if err := pol.Validate(); err != nil {
			return nil, fmt.Errorf("plan: barrier policy: %w", err)
		}
		p.policy, p.segments = &pol, pol.Matrix().Segments
	}
	return p, nil
}

// Input is one request to plan.
type Input struct {
	// Kind is domain.KindOnboard or domain.KindOffboard.
	Kind string
	// Body is the request's JSON, as it would be put on the queue.
	Body []byte
	// Label names the input in the report (a file name, "line 12").
	Label string
}

// Plan plans inputs in order, as if each were processed after the one
// before it: one overlay and one scratch journal serve them all, so that
// seats, names and accounts accumulate over a roster. It returns an error
// only when planning itself failed (the scratch journal, a cancelled
// context, an input of an unknown kind); a request that would fail is a
// plan with that outcome.
func (p *Planner) Plan(ctx context.Context, inputs []Input) (Report, error) {
	for i, in := range inputs {
		if in.Kind != domain.KindOnboard && in.Kind != domain.KindOffboard {
			return Report{}, domain.Errorf(domain.Invalid, "plan: input %d (%s): kind must be %s or %s, not %q", i+1, in.Label, domain.KindOnboard, domain.KindOffboard, in.Kind)
		}
	}
	scratch, err := journal.Open(ctx, journal.Config{Path: ":memory:", Clock: p.cfg.Clock})
	if err != nil {
		return Report{}, fmt.Errorf("plan: scratch journal: %w", err)
	}
	defer scratch.Close()
	r := &planRun{p: p, scratch: scratch, seeded: map[string]bool{}, short: map[string]int{}}
	r.ov = newOverlay(p.cfg.Directory, p.cfg.Clock, r.record)
	r.eng, err = engine.New(engine.Config{
		Tenant: p.cfg.Tenant, Directory: r.ov, Journal: scratch, Clock: p.cfg.Clock,
		// the engine's warnings would be about planned failures, which the
		// report states
		Logger: slog.New(slog.DiscardHandler),
		// nothing in the overlay is cured by waiting: the first failure is
		// the plan's answer
		MaxAttempts: 1,
		// the overlay's counts are current; the engine reads them every time
		SKUCacheTTL: -1,
		Observer:    r.observe,
	})
	if err != nil {
		return Report{}, fmt.Errorf("plan: %w", err)
	}
	rep := Report{Directory: p.cfg.DirectoryName, Journal: p.cfg.JournalName, Requests: make([]RequestPlan, 0, len(inputs))}
	for _, in := range inputs {
		rp, err := r.one(ctx, in)
		if err != nil {
			return Report{}, err
		}
		rep.Requests = append(rep.Requests, rp)
	}
	rep.Totals = r.totals(rep.Requests)
	rep.Notes = slices.Compact(r.ov.notes)
	return rep, nil
}

// planRun is one Plan call.
type planRun struct {
	p       *Planner
	ov      *overlay
	scratch *journal.Journal
	eng     *engine.Engine
	// seeded marks the accounts ("account:<upn>") and requests
	// ("request:<id>") copied from the real journal, once each.
	seeded map[string]bool
	// short counts per SKU id the seats requests lacked.
	short map[string]int
	// writes counts every recorded change.
	writes int
	// The current request's step (the engine's Observer), events and
	// recorded changes.
	step    domain.Step
	events  []engine.Event
	changes []Change
}

func (r *planRun) record(c Change) {
	c.step = r.step
	r.changes = append(r.changes, c)
	r.writes++
}

func (r *planRun) observe(ev engine.Event) {
	if ev.Status == domain.StepRunning {
		r.step = ev.Step
	}
	r.events = append(r.events, ev)
}

// one plans one input.
func (r *planRun) one(ctx context.Context, in Input) (RequestPlan, error) {
	t := r.p.cfg.Tenant
	rp := RequestPlan{Label: in.Label, Kind: in.Kind}
	r.step, r.events, r.changes = "", nil, nil
	var (
		upns []string
		onb  *domain.Onboarding
		verr error
	)
	switch in.Kind {
	case domain.KindOnboard:
		var req domain.OnboardRequest
		if err := domain.DecodeRequest(in.Body, &req); err == nil {
			rp.RequestID = req.RequestID
			o, err := domain.ValidateOnboard(t, req, r.p.cfg.Clock.Now())
			if verr = err; err == nil {
				onb, upns, rp.Account = &o, o.UPNs, o.UPN
			}
		}
	case domain.KindOffboard:
		var req domain.OffboardRequest
		if err := domain.DecodeRequest(in.Body, &req); err == nil {
			rp.RequestID = req.RequestID
			o, err := domain.ValidateOffboard(t, req)
			if verr = err; err == nil {
				upns, rp.Account = o.UPNs, o.UPN
			}
		}
	}
	var de *domain.Error
	if errors.As(verr, &de) {
		rp.Problems = de.Problems
	}
	if rp.RequestID == "" {
		rp.RequestID, _ = domain.RequestIDOf(in.Body)
	}
	if err := r.seed(ctx, rp.RequestID, upns); err != nil {
		return RequestPlan{}, err
	}
	res, err := r.eng.Process(ctx, in.Kind, in.Body)
	if err != nil {
		return RequestPlan{}, fmt.Errorf("plan %s: %w", describe(in, rp.RequestID), err)
	}
	if res.RequestID != "" {
		rp.RequestID = res.RequestID
	}
	if res.UPN != "" {
		rp.Account = res.UPN
	}
	rp.Outcome = r.outcome(res)
	var before map[domain.Step]bool
	if domain.ValidRequestID(rp.RequestID) {
		if before, err = r.doneBefore(ctx, rp.RequestID); err != nil {
			return RequestPlan{}, err
		}
	}
	acct := r.account(rp.Account)
	if acct != nil {
		rp.UserID = acct.u.ID
	}
	rp.Steps = r.steps(in.Kind, acct, before)
	rp.Seats = seatChanges(r.changes)
	if onb != nil {
		r.countShort(ctx, *onb, rp.Outcome, acct)
		if acct != nil {
			if rp.Segment, err = r.segment(ctx, acct); err != nil {
				return RequestPlan{}, err
			}
		}
		rp.Credential = r.credential(rp.Steps)
	}
	return rp, nil
}

func describe(in Input, id string) string {
	switch {
	case in.Label != "" && id != "":
		return in.Label + " (" + id + ")"
	case in.Label != "":
		return in.Label
	}
	return id
}

// doneBefore is the steps of the request the scratch journal has done
// that did not run in this plan: done in an earlier real run.
func (r *planRun) doneBefore(ctx context.Context, id string) (map[domain.Step]bool, error) {
	recs, err := r.scratch.Steps(ctx, id)
	if err != nil && domain.ErrorCode(err) != domain.NotFound {
		return nil, fmt.Errorf("plan: scratch journal: %w", err)
	}
	ran := map[domain.Step]bool{}
	for _, ev := range r.events {
		ran[ev.Step] = true
	}
	out := map[domain.Step]bool{}
	for _, s := range recs {
		if s.Status == domain.StepDone && !ran[s.Step] {
			out[s.Step] = true
		}
	}
	return out, nil
}

// account is the overlay's entry for the request's account, live or
// deleted, or nil when the plan never read it.
func (r *planRun) account(upn string) *entry {
	if upn == "" {
		return nil
	}
	if id, ok := r.ov.live[key(upn)]; ok {
		return r.ov.users[id]
	}
	if id, ok := r.ov.gone[key(upn)]; ok {
		return r.ov.users[id]
	}
	return nil
}

// outcome is where the run ended: the engine's result, with the step it
// stopped at from the events.
func (r *planRun) outcome(res engine.Result) Outcome {
	o := Outcome{Status: res.Status, AlreadyDone: res.AlreadyDone, Code: res.Code, Reason: res.Reason}
	if res.Status != domain.RequestDone {
		for _, ev := range slices.Backward(r.events) {
			if ev.Status == domain.StepFailed {
				o.Step = ev.Step
				break
			}
		}
		switch {
		case res.Status == domain.RequestSuperseded:
			// a newer request for the account wins: a conflict of intents
			o.Code = domain.Conflict
		case o.Code == "":
			o.Code = domain.Transient
		}
		if o.Step == "" && o.Code == domain.Invalid {
			o.Step = domain.StepValidate
		}
	}
	o.ExitCode = domain.OutcomeOf(o.Code).ExitCode
	return o
}

// journalOnly are the steps that record in the journal and make no Graph
// write of their own (mark-offboarded's PATCH is usually made by
// disable-sign-in already).
var journalOnly = map[domain.Step]bool{
	domain.StepValidate: true, domain.StepFindAccount: true, domain.StepComplete: true, domain.StepMarkOffboarded: true,
}

// steps is the plan of every step of kind, from the events of this run,
// the recorded changes and the steps done before.
func (r *planRun) steps(kind string, acct *entry, before map[domain.Step]bool) []StepPlan {
	order, _ := domain.Plan(kind)
	last := map[domain.Step]engine.Event{}
	for _, ev := range r.events {
		last[ev.Step] = ev
	}
	out := make([]StepPlan, 0, len(order))
	for _, s := range order {
		sp := StepPlan{Step: s}
		for _, c := range r.changes {
			if c.step == s {
				sp.Changes = append(sp.Changes, c)
			}
		}
		ev, ran := last[s]
		switch {
		case ran && ev.Status == domain.StepFailed:
			sp.Status, sp.Error = StepWouldFail, ev.Message
		case ran && ev.Status == domain.StepDone && len(sp.Changes) > 0:
			sp.Status = StepWouldChange
		case ran && ev.Status == domain.StepDone && journalOnly[s]:
			sp.Status = StepWouldRecord
		case ran && ev.Status == domain.StepDone:
			sp.Status = StepNothingToDo
		case before[s]:
			sp.Status = StepDoneBefore
		default:
			sp.Status = StepNotReached
		}
		if ran && ev.Status == domain.StepDone {
			sp.Notes = r.notes(s, sp.Changes, acct)
		}
		out = append(out, sp)
	}
	return out
}

// notes say what a step that ran decided besides its writes.
func (r *planRun) notes(s domain.Step, changes []Change, acct *entry) []string {
	has := func(action string) *Change {
		for i := range changes {
			if changes[i].Action == action {
				return &changes[i]
			}
		}
		return nil
	}
	switch s {
	case domain.StepValidate:
		return []string{"the request is valid"}
	case domain.StepEnsureUser:
		if has(ActionCreateUser) != nil || has(ActionRestoreUser) != nil || acct == nil {
			return nil
		}
		n := []string{"the account exists and is this person's: it is kept"}
		if c := has(ActionUpdateUser); c != nil {
			for _, a := range c.Attributes {
				if a.Name == "employeeLeaveDateTime" && a.Old != "" {
					what := "extension"
					if a.New < a.Old {
						what = "shortening"
					}
					n = append(n, fmt.Sprintf("contract %s: ends %s → %s", what, a.Old, a.New))
				}
			}
		}
		return n
	case domain.StepDeliverCredentials:
		if len(changes) == 0 {
			return []string{"no new credential: the person already holds one for this active account (the request does not set reissueCredential)"}
		}
	case domain.StepComplete:
		return []string{"records the account as active in the journal"}
	case domain.StepFindAccount:
		switch {
		case acct == nil:
		case acct.deleted:
			return []string{"the account is already deleted: nothing is left to take away"}
		default:
			return []string{"finds " + acct.u.UPN + " (" + acct.u.ID + ")"}
		}
	case domain.StepMarkOffboarded:
		return []string{"records the account as offboarded in the journal"}
	}
	return nil
}

// seatChanges sums the seats the changes take and free, per SKU.
func seatChanges(changes []Change) []SeatChange {
	var out []SeatChange
	add := func(sku string, n int) {
		for i := range out {
			if out[i].SKU == sku {
				out[i].Change += n
				return
			}
		}
		out = append(out, SeatChange{SKU: sku, Change: n})
	}
	for _, c := range changes {
		for _, s := range c.LicensesAdded {
			add(s, 1)
		}
		for _, s := range c.LicensesRemoved {
			add(s, -1)
		}
	}
	return out
}

// countShort counts, for an onboarding that would stop for want of a seat,
// each licence it lacks whose SKU has no free seat.
func (r *planRun) countShort(ctx context.Context, o domain.Onboarding, out Outcome, acct *entry) {
	if out.Step != domain.StepEnsureLicenses || out.Code != domain.Business || !r.ov.skusRead {
		return
	}
	skus, err := r.ov.ListSKUs(ctx)
	if err != nil {
		return // (read once already: not reached)
	}
	var held []string
	if acct != nil {
		held = acct.u.SKUIDs
	}
	for _, part := range o.SKUs {
		i := slices.IndexFunc(skus, func(s domain.SKU) bool { return strings.EqualFold(s.PartNumber, part) })
		if i < 0 || slices.ContainsFunc(held, func(h string) bool { return strings.EqualFold(h, skus[i].ID) }) {
			continue
		}
		if skus[i].Free() <= 0 {
			r.short[key(skus[i].ID)]++
		}
	}
}

// credential is the credential the deliver-credentials step would send.
func (r *planRun) credential(steps []StepPlan) *CredentialPlan {
	for _, sp := range steps {
		if sp.Step != domain.StepDeliverCredentials || (sp.Status != StepWouldChange && sp.Status != StepNothingToDo) {
			continue
		}
		cp := &CredentialPlan{Kind: r.p.cfg.Tenant.Credentials.Kind}
		if len(sp.Changes) == 0 {
			cp.Kept = true
			return cp
		}
		for _, c := range sp.Changes {
			switch c.Action {
			case ActionCreateTAP:
				cp.ValidFor = c.TAPLifetime
			case ActionSendMail:
				cp.MailedTo = append(cp.MailedTo, c.MailTo...)
			}
		}
		return cp
	}
	return nil
}

// segment is the account's segment and reachability as the plan leaves it.
func (r *planRun) segment(ctx context.Context, acct *entry) (*SegmentPlan, error) {
	t := r.p.cfg.Tenant
	if acct.deleted {
		return nil, nil
	}
	groups, err := r.ov.memberships(ctx, acct)
	if err != nil {
		return nil, fmt.Errorf("plan: memberships of %s: %w", acct.u.UPN, err)
	}
	sp := &SegmentPlan{Attribute: t.SegmentAttribute, Value: t.SegmentOf(acct.u)}
	vendorGroups := map[string]bool{}
	for _, v := range t.Vendors {
		if v.SegmentGroupID != "" {
			vendorGroups[v.SegmentGroupID] = true
		}
	}
	for _, g := range groups {
		if vendorGroups[g] {
			gr, _ := r.ov.group(ctx, g)
			sp.Groups = append(sp.Groups, GroupRef{ID: g, Name: gr.DisplayName})
		}
	}
	pol := r.p.policy
	if pol == nil {
		sp.Note = "information barriers are off: no reachability to judge"
		return sp, nil
	}
	mine, err := barriers.SegmentFor(*pol, barriers.UserAttributes(acct.u, groups))
	sp.Segments = mine
	if err != nil {
		sp.Note = domain.ErrorMessage(err)
		return sp, nil
	}
	for _, seg := range r.p.segments {
		var other []string
		label := seg
		if seg == "" {
			label = barriers.NoSegmentLabel
		} else {
			other = []string{seg}
		}
		v := pol.CheckUsers(mine, other)
		if v.Allowed {
			sp.Reaches = append(sp.Reaches, Reach{Segment: label, Decider: v.Decider})
		} else {
			sp.Blocked = append(sp.Blocked, Reach{Segment: label, Decider: v.Decider, Reason: v.Reason})
		}
	}
	sp.Note = barriers.EffectiveNotice
	return sp, nil
}

// totals sums up the plans.
func (r *planRun) totals(plans []RequestPlan) Totals {
	t := Totals{Requests: len(plans), GraphReads: r.ov.reads, GraphWrites: r.writes}
	for _, p := range plans {
		if p.Outcome.Done() {
			t.WouldSucceed++
			continue
		}
		t.WouldFail++
		if t.ByCode == nil {
			t.ByCode = map[domain.Code]int{}
		}
		t.ByCode[p.Outcome.Code]++
		if p.Outcome.Code == domain.Invalid {
			t.Invalid++
		}
	}
	if !r.ov.skusRead {
		return t
	}
	managed := r.p.cfg.Tenant.ManagedSKUs()
	for _, s := range r.ov.skus {
		st := SeatTotal{SKU: s.PartNumber, SKUID: s.ID, FreeBefore: s.Free(), Short: r.short[key(s.ID)]}
		for _, p := range plans {
			for _, c := range p.Seats {
				if c.SKU != s.PartNumber {
					continue
				}
				if c.Change > 0 {
					st.Assigned += c.Change
				} else {
					st.Released -= c.Change
				}
			}
		}
		st.FreeAfter = st.FreeBefore - st.Assigned + st.Released
		st.Needed = st.Assigned + st.Short
		if managed[strings.ToUpper(s.PartNumber)] || st.Assigned+st.Released+st.Short > 0 {
			t.Seats = append(t.Seats, st)
		}
	}
	return t
}
