package plan

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vendorflow/vendorflow/pkg/domain"
)

// Report is the plan of one Plan call: each request's plan in input order
// and the totals over all of them.
type Report struct {
	// Directory and Journal say what the plan read (the Planner's Config).
	Directory string        `json:"directory,omitempty"`
	Journal   string        `json:"journal,omitempty"`
	Requests  []RequestPlan `json:"requests"`
	Totals    Totals        `json:"totals"`
	// Notes say what the plan could not check (a read the directory
	// refused, such as the TAP policy without its permission).
	Notes []string `json:"notes,omitempty"`
}

// RequestPlan is what one request would do.
type RequestPlan struct {
	// Label is the caller's name for the input (a file, a CSV line).
	Label     string `json:"label,omitempty"`
	Kind      string `json:"kind"`
	RequestID string `json:"requestId,omitempty"`
	// Account is the service account's UPN, and UserID its object id: a
	// real one, or "planned-user-N" for an account the plan would create.
	Account string `json:"account,omitempty"`
	UserID  string `json:"userId,omitempty"`
	// Problems lists every field problem of an invalid request, as the
	// handler would park it.
	Problems []domain.Problem `json:"problems,omitempty"`
	Steps    []StepPlan       `json:"steps"`
	// Seats is what the request takes (+1) and frees (−1) per SKU.
	Seats []SeatChange `json:"seats,omitempty"`
	// Segment is the segment and reachability of the account as the
	// onboarding leaves it.
	Segment *SegmentPlan `json:"segment,omitempty"`
	// Credential is what the vendor person would be sent (never a value).
	Credential *CredentialPlan `json:"credential,omitempty"`
	Outcome    Outcome         `json:"outcome"`
}

// Step statuses of a StepPlan.
const (
	// StepWouldChange: the step would run and change what Changes lists.
	StepWouldChange = "would change"
	// StepNothingToDo: the step would run and find the tenant as wanted.
	StepNothingToDo = "nothing to do"
	// StepWouldRecord: a step that changes only the journal (validate,
	// find-account, complete) would run.
	StepWouldRecord = "would run"
	// StepWouldFail: the step would fail; Error says why.
	StepWouldFail = "would fail"
	// StepNotReached: an earlier step stops the request first.
	StepNotReached = "not reached"
	// StepDoneBefore: the step finished in an earlier run of the request
	// (the journal says so) and would not run again.
	StepDoneBefore = "done before"
)

// StepPlan is one step of a request's plan.
type StepPlan struct {
	Step   domain.Step `json:"step"`
	Status string      `json:"status"`
	// Notes say what the step would decide without a Graph write (a
	// contract change, a credential kept, the journal records).
	Notes   []string `json:"notes,omitempty"`
	Changes []Change `json:"changes,omitempty"`
	Error   string   `json:"error,omitempty"`
}

// Change is one Graph write the run would make, as the overlay recorded
// it. Only the fields of its Action are set.
type Change struct {
	Action string `json:"action"`
	// Account is the UPN of the user written to.
	Account    string            `json:"account,omitempty"`
	Attributes []AttributeChange `json:"attributes,omitempty"`
	Group      *GroupRef         `json:"group,omitempty"`
	// LicensesAdded and LicensesRemoved are skuPartNumbers.
	LicensesAdded   []string `json:"licensesAdded,omitempty"`
	LicensesRemoved []string `json:"licensesRemoved,omitempty"`
	// TAPLifetime is a planned pass's lifetime; TAPID a removed pass's id.
	TAPLifetime string `json:"tapLifetime,omitempty"`
	TAPID       string `json:"tapId,omitempty"`
	// MailTo and MailSubject describe a mail; its body is never kept.
	MailTo      []string `json:"mailTo,omitempty"`
	MailSubject string   `json:"mailSubject,omitempty"`
	Note        string   `json:"note,omitempty"`
	// step is the step that made the change (the engine's Observer).
	step domain.Step
}

// AttributeChange is one user property, old → new ("" = not set).
type AttributeChange struct {
	Name string `json:"name"`
	Old  string `json:"old"`
	New  string `json:"new"`
}

// GroupRef names a group.
type GroupRef struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

// SeatChange is one SKU's seats taken (+) or freed (−) by a request.
type SeatChange struct {
	SKU    string `json:"sku"`
	Change int    `json:"change"`
}

// SegmentPlan is the barrier segment an account would be in and whom it
// could reach under the barrier policy.
type SegmentPlan struct {
	// Attribute and Value are the segment attribute as the account would
	// hold it; Groups the vendor segment groups it would be in.
	Attribute string     `json:"attribute"`
	Value     string     `json:"value"`
	Groups    []GroupRef `json:"groups,omitempty"`
	// Segments are the policy's segments the account falls in; Reaches
	// and Blocked judge it against every segment of the policy and users
	// in no segment ("(none)"). Empty when barriers are off.
	Segments []string `json:"segments,omitempty"`
	Reaches  []Reach  `json:"reaches,omitempty"`
	Blocked  []Reach  `json:"blocked,omitempty"`
	// Note says when it takes effect, or why there is no reachability.
	Note string `json:"note,omitempty"`
}

// Reach is one segment's verdict for the account.
type Reach struct {
	Segment string `json:"segment"`
	Decider string `json:"decider"`
	Reason  string `json:"reason,omitempty"`
}

// CredentialPlan is the credential the run would deliver.
type CredentialPlan struct {
	// Kind is "tap" or "password"; ValidFor a pass's lifetime.
	Kind     string   `json:"kind"`
	ValidFor string   `json:"validFor,omitempty"`
	MailedTo []string `json:"mailedTo,omitempty"`
	// Kept: no new credential; the person keeps the one they have.
	Kept bool `json:"kept,omitempty"`
}

// Outcome is where a request would end.
type Outcome struct {
	// Status is the request status the run would reach: done, parked,
	// retrying or superseded.
	Status domain.RequestStatus `json:"status"`
	// AlreadyDone: the journal has the request finished; nothing would run.
	AlreadyDone bool `json:"alreadyDone,omitempty"`
	// Step is where the request would stop, Code and Reason why (the
	// engine's own words). A superseded request is a Conflict.
	Step   domain.Step `json:"step,omitempty"`
	Code   domain.Code `json:"code,omitempty"`
	Reason string      `json:"reason,omitempty"`
	// ExitCode is domain.OutcomeOf(Code).ExitCode: 0 done, 2 invalid, 3
	// conflict, 4 not found, 5 business, 6 transient, 1 other.
	ExitCode int `json:"exitCode"`
}

// Done reports whether the request would reach done (or is done already).
func (o Outcome) Done() bool { return o.Status == domain.RequestDone }

// Totals sum up a Report.
type Totals struct {
	Requests int `json:"requests"`
	// WouldSucceed counts the requests that would reach done (or are done
	// already); WouldFail the others, Invalid among them those whose
	// request is invalid.
	WouldSucceed int `json:"wouldSucceed"`
	WouldFail    int `json:"wouldFail"`
	Invalid      int `json:"invalid"`
	// ByCode counts the failing requests per error code.
	ByCode map[domain.Code]int `json:"byCode,omitempty"`
	// Seats is per SKU the plan touched or wanted, in the tenant's order.
	Seats []SeatTotal `json:"seats,omitempty"`
	// GraphReads is how many directory reads the plan made (calls of the
	// adapter: one may be more than one request, as a deleted-user lookup
	// is two queries); GraphWrites how many writes the run would make (the
	// recorded changes; a real run may add retries). The plan itself makes
	// no write.
	GraphReads  int `json:"graphReads"`
	GraphWrites int `json:"graphWrites"`
}

// SeatTotal is one SKU's seats over the whole plan.
type SeatTotal struct {
	SKU   string `json:"sku"`
	SKUID string `json:"skuId"`
	// FreeBefore is prepaid enabled minus consumed, as read.
	FreeBefore int `json:"freeBefore"`
	// Assigned and Released are the seats the plan takes and frees.
	Assigned  int `json:"assigned"`
	Released  int `json:"released"`
	FreeAfter int `json:"freeAfter"`
	// Needed is every seat the requests want: Assigned plus Short, the
	// seats of requests that would fail for want of a free one.
	Needed int `json:"needed"`
	Short  int `json:"short"`
}

// ExitCode is the exit code of the first request that would not reach
// done, in input order (its Outcome.ExitCode), or 0.
func (r Report) ExitCode() int {
	for _, p := range r.Requests {
		if !p.Outcome.Done() {
			return p.Outcome.ExitCode
		}
	}
	return 0
}

// userAttributes lists u's properties that a plan shows, by their Graph
// names, in a fixed order; extension attributes last, by number.
func userAttributes(u domain.User) [][2]string {
	out := [][2]string{
		{"userPrincipalName", u.UPN},
		{"displayName", u.DisplayName},
		{"givenName", u.GivenName},
		{"surname", u.Surname},
		{"mailNickname", u.MailNickname},
		{"accountEnabled", strconv.FormatBool(u.AccountEnabled)},
		{"usageLocation", u.UsageLocation},
		{"companyName", u.CompanyName},
		{"department", u.Department},
		{"employeeType", u.EmployeeType},
		{"employeeLeaveDateTime", formatTime(u.EmployeeLeaveDateTime)},
		{"otherMails", strings.Join(u.OtherMails, ", ")},
	}
	names := make([]string, 0, len(u.Extensions))
	for k := range u.Extensions {
		names = append(names, k)
	}
	slices.SortFunc(names, func(a, b string) int { return extNumber(a) - extNumber(b) })
	for _, k := range names {
		out = append(out, [2]string{k, u.Extensions[k]})
	}
	return out
}

// extNumber is N of extensionAttributeN (0 for any other name).
func extNumber(name string) int {
	n, _ := strconv.Atoi(strings.TrimPrefix(name, "extensionAttribute"))
	return n
}

// diffAttributes lists the properties that differ between before and
// after, old → new. For a new user (before is the zero User) it is every
// property after sets.
func diffAttributes(before, after domain.User) []AttributeChange {
	old := map[string]string{}
	newUser := before.UPN == ""
	if !newUser {
		for _, kv := range userAttributes(before) {
			old[kv[0]] = kv[1]
		}
	}
	var out []AttributeChange
	seen := map[string]bool{}
	for _, kv := range userAttributes(after) {
		seen[kv[0]] = true
		if newUser && kv[1] == "" {
			continue
		}
		if !newUser && old[kv[0]] == kv[1] {
			continue
		}
		out = append(out, AttributeChange{Name: kv[0], Old: old[kv[0]], New: kv[1]})
	}
	if !newUser {
		for _, kv := range userAttributes(before) {
			if !seen[kv[0]] && kv[1] != "" {
				out = append(out, AttributeChange{Name: kv[0], Old: kv[1]})
			}
		}
	}
	return out
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
