// Package doctor is vendorflow's read-only preflight: it asks the
// configured tenant and Azure resources whether a first request could
// succeed, and for every check that fails says exactly what to fix.
//
// It changes nothing in the tenant or the queues. The journal check writes
// one probe row and deletes it again (a journal that cannot be written is
// exactly what it looks for).
package doctor

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/funcapp"
)

// Directory is what doctor reads of Graph (pkg/graph.Client).
type Directory interface {
	TokenRoles(ctx context.Context) ([]string, error)
	ListSKUs(ctx context.Context) ([]domain.SKU, error)
	MailAddress(ctx context.Context, upn string) (string, error)
	TAPPolicy(ctx context.Context) (domain.TAPPolicy, error)
	GetGroup(ctx context.Context, id string) (domain.Group, error)
	ListUsers(ctx context.Context, q domain.UserQuery, fn func(domain.User) error) error
}

// QueueInfo is what doctor needs to know of one queue.
type QueueInfo struct {
	DuplicateDetection bool
	// Window is the duplicate-detection window as the queue reports it
	// ("PT2H" on Service Bus); empty when unknown.
	Window string
}

// Queues reads queue properties: NotFound (domain) when the queue does not
// exist.
type Queues interface {
	Queue(ctx context.Context, name string) (QueueInfo, error)
}

// Journal is the journal's preflight and the account look-up of the
// marker check.
type Journal interface {
	Probe(ctx context.Context) error
	Account(ctx context.Context, upn string) (domain.AccountRecord, error)
}

// Deps are the configured tenant and the adapters doctor reads.
type Deps struct {
	Tenant domain.Tenant
	// Permissions are the Graph application permissions vendorflow needs
	// (graph.Permissions, docs/permissions.md).
	Permissions []string
	Directory   Directory
	// GraphWhere names the Graph endpoint for messages.
	GraphWhere string

	Queues      Queues
	QueueNames  funcapp.Queues
	QueuesWhere string

	// Journal is nil when it could not be opened; JournalErr says why.
	Journal      Journal
	JournalErr   error
	JournalWhere string
}

// Check is one line of the checklist.
type Check struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	OK    bool   `json:"ok"`
	// Detail says what was found.
	Detail string `json:"detail"`
	// Fix says exactly what to do; set when OK is false.
	Fix string `json:"fix,omitempty"`
}

// Report is the whole checklist.
type Report struct {
	Checks []Check `json:"checks"`
	// OK is true when every check passed.
	OK     bool `json:"ok"`
	Failed int  `json:"failed"`
}

// Check ids, stable for scripts reading `-o json`.
const (
	CheckToken        = "graph-token"
	CheckSKUs         = "skus"
	CheckSender       = "sender-mailbox"
	CheckTAPEnabled   = "tap-policy-enabled"
	CheckTAPScope     = "tap-policy-scope"
	CheckTAPLifetime  = "tap-policy-lifetime"
	CheckTAPUsability = "tap-policy-usability"
	CheckGroups       = "segment-groups"
	CheckAttributes   = "attributes"
	CheckQueues       = "queues"
	CheckJournal      = "journal"
)

// CheckIDs lists every check id in the order Run reports them.
func CheckIDs() []string {
	return []string{CheckToken, CheckSKUs, CheckSender, CheckTAPEnabled, CheckTAPScope, CheckTAPLifetime,
		CheckTAPUsability, CheckGroups, CheckAttributes, CheckQueues, CheckJournal}
}

// listed caps how many names a detail lists.
const listed = 5

// Run runs every check in order. A check whose question cannot be asked
// (Graph refused the read) fails with what was refused.
func Run(ctx context.Context, d Deps) Report {
	var r Report
	add := func(c Check) {
		r.Checks = append(r.Checks, c)
		if !c.OK {
			r.Failed++
		}
	}
	add(checkToken(ctx, d))
	add(checkSKUs(ctx, d))
	add(checkSender(ctx, d))
	for _, c := range checkTAP(ctx, d) {
		add(c)
	}
	add(checkGroups(ctx, d))
	add(checkAttributes(ctx, d))
	add(checkQueues(ctx, d))
	add(checkJournal(ctx, d))
	r.OK = r.Failed == 0
	return r
}

func pass(id, title, detail string) Check {
	return Check{ID: id, Title: title, OK: true, Detail: detail}
}

func fail(id, title, detail, fix string) Check {
	return Check{ID: id, Title: title, Detail: detail, Fix: fix}
}

// readFailed is the failure of a check whose read was refused, with the
// fix for a 403 (the permission) or for anything else (reachability).
func readFailed(id, title, what string, err error) Check {
	fix := "make Graph reachable with the app's identity and run doctor again"
	if strings.Contains(err.Error(), "access denied") {
		fix = "grant the permission the error names (docs/permissions.md, infra/app/graph-permissions.bicep) with admin consent, then run doctor again"
	}
	return fail(id, title, what+": "+err.Error(), fix)
}

func checkToken(ctx context.Context, d Deps) Check {
	const title = "Graph token and its application permissions"
	roles, err := d.Directory.TokenRoles(ctx)
	if err != nil {
		return fail(CheckToken, title, "no token for "+d.GraphWhere+": "+err.Error(),
			"check the identity settings: in Azure VENDORFLOW_MANAGED_IDENTITY=true and AZURE_CLIENT_ID (the user-assigned identity's client id); "+
				"elsewhere AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH")
	}
	var missing, extra []string
	for _, p := range d.Permissions {
		if !slices.Contains(roles, p) {
			missing = append(missing, p)
		}
	}
	for _, p := range roles {
		if !slices.Contains(d.Permissions, p) {
			extra = append(extra, p)
		}
	}
	sort.Strings(extra)
	if len(missing) > 0 {
		return fail(CheckToken, title,
			fmt.Sprintf("the token's roles claim lacks %s (it carries %d of the %d needed)", strings.Join(missing, ", "), len(d.Permissions)-len(missing), len(d.Permissions)),
			"grant "+strings.Join(missing, ", ")+" to the app as Microsoft Graph application permissions with admin consent "+
				"(`azd provision` grants them all: infra/app/graph-permissions.bicep; or Entra admin center → Enterprise applications → the app → Permissions), "+
				"then run doctor again: a new token carries them")
	}
	detail := fmt.Sprintf("the token carries all %d permissions of docs/permissions.md", len(d.Permissions))
	if len(extra) > 0 {
		detail += "; it also carries " + strings.Join(extra, ", ") + ", which vendorflow does not need (remove them for least privilege)"
	}
	if d.Tenant.Credentials.Kind == domain.CredentialPassword {
		detail += "; the User Administrator role that credentials.kind password needs is a directory role, not in the roles claim, and is not checked here"
	}
	return pass(CheckToken, title, detail)
}

// configuredSKUs are the part numbers any account may receive, sorted.
func configuredSKUs(t domain.Tenant) []string {
	var out []string
	for p := range t.ManagedSKUs() {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

func checkSKUs(ctx context.Context, d Deps) Check {
	const title = "Licences: every configured SKU exists with free seats"
	skus, err := d.Directory.ListSKUs(ctx)
	if err != nil {
		return readFailed(CheckSKUs, title, "could not list subscribedSkus", err)
	}
	var missing, full, ok []string
	for _, part := range configuredSKUs(d.Tenant) {
		i := slices.IndexFunc(skus, func(s domain.SKU) bool { return strings.EqualFold(s.PartNumber, part) })
		switch {
		case i < 0:
			missing = append(missing, part)
		case skus[i].Free() <= 0:
			full = append(full, fmt.Sprintf("%s (%d of %d seats in use)", part, skus[i].Consumed, skus[i].Enabled))
		default:
			ok = append(ok, fmt.Sprintf("%s %d free", part, skus[i].Free()))
		}
	}
	switch {
	case len(missing) > 0:
		return fail(CheckSKUs, title, "the tenant has no subscription for "+strings.Join(missing, ", "),
			"buy or activate "+strings.Join(missing, ", ")+" in the Microsoft 365 admin center (Billing → Purchase services), "+
				"or correct tenant.skus / tenant.barrierSku / vendors[].skus in the configuration")
	case len(full) > 0:
		return fail(CheckSKUs, title, "no free seat: "+strings.Join(full, ", "),
			"free seats (offboard accounts that no longer need them) or buy more in the Microsoft 365 admin center (Billing → Your products → Buy licenses); "+
				"onboardings park with no_seat until a seat is free")
	}
	return pass(CheckSKUs, title, strings.Join(ok, ", "))
}

func checkSender(ctx context.Context, d Deps) Check {
	const title = "Sender mailbox"
	sender := d.Tenant.Sender
	mail, err := d.Directory.MailAddress(ctx, sender)
	switch {
	case domain.ErrorCode(err) == domain.NotFound:
		return fail(CheckSender, title, "no user "+sender+" in the tenant",
			"create the shared mailbox in Exchange Online (New-Mailbox -Shared -Name vendorflow -PrimarySmtpAddress "+sender+") or correct tenant.sender")
	case err != nil:
		return readFailed(CheckSender, title, "could not read "+sender, err)
	case mail == "":
		return fail(CheckSender, title, sender+" exists but has no mailbox (its mail property is empty)",
			"give "+sender+" an Exchange Online mailbox (a shared mailbox needs no licence), or point tenant.sender at one that has")
	}
	return pass(CheckSender, title, sender+" has the mailbox "+mail+"; that the app may send as it (Exchange RBAC for Applications) is checked only by sending (docs/deploy.md)")
}

func checkTAP(ctx context.Context, d Deps) []Check {
	t := d.Tenant
	titles := map[string]string{
		CheckTAPEnabled:   "Temporary Access Pass policy: enabled",
		CheckTAPScope:     "Temporary Access Pass policy: covers the service accounts",
		CheckTAPLifetime:  "Temporary Access Pass policy: allows credentials.tapLifetime",
		CheckTAPUsability: "Temporary Access Pass policy: allows reusable passes",
	}
	ids := []string{CheckTAPEnabled, CheckTAPScope, CheckTAPLifetime, CheckTAPUsability}
	if t.Credentials.Kind != domain.CredentialTAP {
		var out []Check
		for _, id := range ids {
			out = append(out, pass(id, titles[id], "not used: credentials.kind is "+t.Credentials.Kind))
		}
		return out
	}
	p, err := d.Directory.TAPPolicy(ctx)
	if err != nil {
		var out []Check
		for _, id := range ids {
			out = append(out, readFailed(id, titles[id], "could not read the TAP policy", err))
		}
		return out
	}
	const where = "Entra admin center → Protection → Authentication methods → Policies → Temporary Access Pass"
	var out []Check
	if p.Enabled {
		out = append(out, pass(CheckTAPEnabled, titles[CheckTAPEnabled], "enabled"))
	} else {
		out = append(out, fail(CheckTAPEnabled, titles[CheckTAPEnabled], "the Temporary Access Pass method is disabled: every credential delivery would be refused",
			"enable it: "+where+" → Enable"))
	}

	groups := segmentGroups(t)
	var outside, excluded []string
	for _, g := range groups {
		if slices.Contains(p.ExcludeGroups, g.id) {
			excluded = append(excluded, g.label())
		}
		if !p.AllUsers && !slices.Contains(p.IncludeGroups, g.id) {
			outside = append(outside, g.label())
		}
	}
	switch {
	case len(excluded) > 0:
		out = append(out, fail(CheckTAPScope, titles[CheckTAPScope], "the policy excludes the segment groups "+strings.Join(excluded, ", "),
			"remove them from the policy's Exclude list: "+where+" → Enable and target → Exclude"))
	case !p.AllUsers && len(groups) == 0:
		out = append(out, fail(CheckTAPScope, titles[CheckTAPScope], "the policy targets groups, and no vendor has a segmentGroupId that would put its accounts in one",
			"target All users, or set vendors[].segmentGroupId and include those groups: "+where+" → Enable and target"))
	case len(outside) > 0:
		out = append(out, fail(CheckTAPScope, titles[CheckTAPScope], "the policy targets neither All users nor the segment groups "+strings.Join(outside, ", "),
			"include those groups (or All users): "+where+" → Enable and target → Include"))
	case p.AllUsers:
		out = append(out, pass(CheckTAPScope, titles[CheckTAPScope], "targets all users"))
	default:
		out = append(out, pass(CheckTAPScope, titles[CheckTAPScope], "includes every segment group"))
	}

	life := time.Duration(t.Credentials.TAPLifetime)
	if life < p.MinLifetime || life > p.MaxLifetime {
		out = append(out, fail(CheckTAPLifetime, titles[CheckTAPLifetime],
			fmt.Sprintf("credentials.tapLifetime %s is outside the policy's %s..%s", short(life), short(p.MinLifetime), short(p.MaxLifetime)),
			fmt.Sprintf("set credentials.tapLifetime between %s and %s, or widen the policy's range: %s → Configure", short(p.MinLifetime), short(p.MaxLifetime), where)))
	} else {
		out = append(out, pass(CheckTAPLifetime, titles[CheckTAPLifetime], fmt.Sprintf("%s is within %s..%s", short(life), short(p.MinLifetime), short(p.MaxLifetime))))
	}
	if p.UsableOnce {
		out = append(out, fail(CheckTAPUsability, titles[CheckTAPUsability],
			"the policy makes every pass one-time; vendorflow issues reusable passes (isUsableOnce false) so a technician can sign in on the device and again in Remote Assist",
			"set One-time use to No: "+where+" → Configure"))
	} else {
		out = append(out, pass(CheckTAPUsability, titles[CheckTAPUsability], "reusable passes are allowed"))
	}
	return out
}

type segmentGroup struct{ id, vendor string }

func (g segmentGroup) label() string { return g.vendor + " (" + g.id + ")" }

// segmentGroups are the configured segment groups, one per group id.
func segmentGroups(t domain.Tenant) []segmentGroup {
	var out []segmentGroup
	for _, v := range t.Vendors {
		if v.SegmentGroupID != "" && !slices.ContainsFunc(out, func(g segmentGroup) bool { return g.id == v.SegmentGroupID }) {
			out = append(out, segmentGroup{id: v.SegmentGroupID, vendor: v.Key})
		}
	}
	return out
}

func checkGroups(ctx context.Context, d Deps) Check {
	const title = "Segment groups exist"
	groups := segmentGroups(d.Tenant)
	if len(groups) == 0 {
		return pass(CheckGroups, title, "no vendor names a segmentGroupId")
	}
	var missing, found []string
	for _, g := range groups {
		got, err := d.Directory.GetGroup(ctx, g.id)
		switch {
		case domain.ErrorCode(err) == domain.NotFound:
			missing = append(missing, g.label())
		case err != nil:
			return readFailed(CheckGroups, title, "could not read group "+g.label(), err)
		default:
			found = append(found, got.DisplayName)
		}
	}
	if len(missing) > 0 {
		return fail(CheckGroups, title, "no group with the id of "+strings.Join(missing, ", "),
			"create a security group per segment (Entra admin center → Groups → New group) and put its object id in vendors[].segmentGroupId, or remove the setting")
	}
	return pass(CheckGroups, title, fmt.Sprintf("%d found: %s", len(found), strings.Join(found, ", ")))
}

// checkAttributes: the segment attribute's vendor values and the marker and
// request attributes must not already be in use on accounts vendorflow does
// not manage, or the segment filters and the marker would take them in.
func checkAttributes(ctx context.Context, d Deps) Check {
	const title = "Segment and marker attributes are not used by other accounts"
	t := d.Tenant
	managed := func(u domain.User) bool { return u.Extensions[t.MarkerAttribute] == t.MarkerValue }
	var problems, fixes []string
	names := func(us []domain.User) string {
		var n []string
		for _, u := range us[:min(len(us), listed)] {
			n = append(n, u.UPN)
		}
		s := strings.Join(n, ", ")
		if len(us) > listed {
			s += fmt.Sprintf(" and %d more", len(us)-listed)
		}
		return s
	}
	list := func(q domain.UserQuery, keep func(domain.User) bool) ([]domain.User, error) {
		var out []domain.User
		err := d.Directory.ListUsers(ctx, q, func(u domain.User) error {
			if keep(u) {
				out = append(out, u)
			}
			return nil
		})
		return out, err
	}

	var segments []string
	for _, v := range t.Vendors {
		if v.Segment != "" && !slices.Contains(segments, v.Segment) {
			segments = append(segments, v.Segment)
		}
	}
	for _, seg := range segments {
		us, err := list(domain.UserQuery{Attribute: t.SegmentAttribute, Equals: seg, Brief: true}, func(u domain.User) bool { return !managed(u) })
		if err != nil {
			return readFailed(CheckAttributes, title, "could not list users by "+t.SegmentAttribute, err)
		}
		if len(us) > 0 {
			problems = append(problems, fmt.Sprintf("%d accounts not managed by vendorflow have %s %q, the segment of vendor accounts: %s", len(us), t.SegmentAttribute, seg, names(us)))
			fixes = append(fixes, "clear "+t.SegmentAttribute+" on those accounts (or give them another value), or choose another tenant.segmentAttribute")
		}
	}

	others, err := list(domain.UserQuery{Attribute: t.MarkerAttribute, Brief: true}, func(u domain.User) bool { return !managed(u) })
	if err != nil {
		return readFailed(CheckAttributes, title, "could not list users by "+t.MarkerAttribute, err)
	}
	if len(others) > 0 {
		problems = append(problems, fmt.Sprintf("%s is already used by another tool on %d accounts: %s", t.MarkerAttribute, len(others), names(others)))
		fixes = append(fixes, "choose a free extension attribute for tenant.markerAttribute")
	}
	if d.Journal != nil {
		marked, err := list(domain.UserQuery{MarkerAttribute: t.MarkerAttribute, MarkerValue: t.MarkerValue, Brief: true}, func(domain.User) bool { return true })
		if err != nil {
			return readFailed(CheckAttributes, title, "could not list the marked accounts", err)
		}
		var unknown []domain.User
		for _, u := range marked {
			if _, err := d.Journal.Account(ctx, u.UPN); domain.ErrorCode(err) == domain.NotFound {
				unknown = append(unknown, u)
			} else if err != nil {
				return fail(CheckAttributes, title, "could not read the journal: "+err.Error(), "see the journal check below")
			}
		}
		if len(unknown) > 0 {
			problems = append(problems, fmt.Sprintf("%d accounts carry %s=%s but the journal (%s) has no record of them: %s",
				len(unknown), t.MarkerAttribute, t.MarkerValue, d.JournalWhere, names(unknown)))
			fixes = append(fixes, "if another vendorflow (or a test) created them, point this one at its journal; otherwise clear "+t.MarkerAttribute+" on them or choose another tenant.markerValue")
		}
	}
	if t.RequestAttribute != "" {
		us, err := list(domain.UserQuery{Attribute: t.RequestAttribute, Brief: true}, func(u domain.User) bool { return !managed(u) })
		if err != nil {
			return readFailed(CheckAttributes, title, "could not list users by "+t.RequestAttribute, err)
		}
		if len(us) > 0 {
			problems = append(problems, fmt.Sprintf("%s (tenant.requestAttribute) is already used on %d accounts not managed by vendorflow: %s", t.RequestAttribute, len(us), names(us)))
			fixes = append(fixes, "choose a free extension attribute for tenant.requestAttribute")
		}
	}
	if len(problems) > 0 {
		return fail(CheckAttributes, title, strings.Join(problems, "; "), strings.Join(fixes, "; "))
	}
	return pass(CheckAttributes, title, fmt.Sprintf("%s (segments %s), %s and %s are free for vendorflow",
		t.SegmentAttribute, strings.Join(segments, ", "), t.MarkerAttribute, t.RequestAttribute))
}

func checkQueues(ctx context.Context, d Deps) Check {
	const title = "Queues exist with duplicate detection"
	names := []struct{ setting, name string }{
		{funcapp.SettingOnboardQueue, d.QueueNames.Onboard},
		{funcapp.SettingOffboardQueue, d.QueueNames.Offboard},
		{funcapp.SettingParkingQueue, d.QueueNames.Parked},
	}
	var missing, noDedup, ok []string
	for _, n := range names {
		info, err := d.Queues.Queue(ctx, n.name)
		switch {
		case domain.ErrorCode(err) == domain.NotFound:
			missing = append(missing, fmt.Sprintf("%s (%s)", n.name, n.setting))
		case err != nil:
			return fail(CheckQueues, title, "could not read queue "+n.name+" in "+d.QueuesWhere+": "+err.Error(),
				"make the namespace reachable and give the identity a role that may read queue properties (the Service Bus Data roles cannot: run doctor as a principal with Azure Service Bus Data Owner or Reader on the namespace)")
		case !info.DuplicateDetection:
			noDedup = append(noDedup, n.name)
		default:
			s := n.name
			if info.Window != "" {
				s += " (window " + info.Window + ")"
			}
			ok = append(ok, s)
		}
	}
	switch {
	case len(missing) > 0:
		return fail(CheckQueues, title, "no queue "+strings.Join(missing, ", ")+" in "+d.QueuesWhere,
			"create the queues with `azd provision` (infra/app/servicebus.bicep), or correct the queue-name app settings")
	case len(noDedup) > 0:
		return fail(CheckQueues, title, strings.Join(noDedup, ", ")+" in "+d.QueuesWhere+" has duplicate detection off: a redelivered request would be processed twice as a new message and a producer's retry would not be de-duplicated",
			"duplicate detection can only be set when a queue is created: delete "+strings.Join(noDedup, ", ")+" (after draining it) and create it again with requiresDuplicateDetection, e.g. `azd provision`")
	}
	return pass(CheckQueues, title, strings.Join(ok, ", ")+" in "+d.QueuesWhere)
}

func checkJournal(ctx context.Context, d Deps) Check {
	const title = "Journal reachable and writable"
	fix := "for Table Storage check VENDORFLOW_JOURNAL_TABLE_ENDPOINT and give the identity Storage Table Data Contributor on the account; " +
		"for the embedded journal check that journal.path is in a writable directory"
	if d.Journal == nil {
		return fail(CheckJournal, title, "could not open "+d.JournalWhere+": "+errString(d.JournalErr), fix)
	}
	if err := d.Journal.Probe(ctx); err != nil {
		return fail(CheckJournal, title, d.JournalWhere+": "+err.Error(), fix)
	}
	return pass(CheckJournal, title, d.JournalWhere+": readable and writable")
}

func errString(err error) string {
	if err == nil {
		return "unknown error"
	}
	return err.Error()
}

// short writes a duration without zero units: 8h, 1h30m, 10m, 45s.
func short(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
