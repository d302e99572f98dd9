package demo

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vendorflow/vendorflow/pkg/config"
	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/engine"
	"github.com/vendorflow/vendorflow/pkg/tenantsim"
)

// Summary is what the demo leaves in the tenant, read back from the
// emulator itself (not from vendorflow's own bookkeeping).
type Summary struct {
	Tenant        string          `json:"tenant"`
	Emulator      string          `json:"emulator"`
	Requests      []engine.Result `json:"requests"`
	Accounts      []Account       `json:"accounts"`
	Seats         []Seat          `json:"seats"`
	Mails         []Mail          `json:"mails"`
	GraphRequests GraphRequests   `json:"graphRequests"`
	Rerun         Rerun           `json:"rerun"`
	Reachability  []Reach         `json:"reachability"`
	Sweep         SweepResult     `json:"sweep"`
}

// SweepResult is what the expiry sweep did.
type SweepResult struct {
	At                 time.Time    `json:"at"`
	Offboarded         []Offboarded `json:"offboarded"`
	FoundOnSecondSweep int          `json:"foundOnSecondSweep"`
	SeatsAfter         []Seat       `json:"seatsAfter"`
}

// Offboarded is one account the sweep offboarded, as the tenant then holds it.
type Offboarded struct {
	UPN       string `json:"upn"`
	RequestID string `json:"requestId"`
	Enabled   bool   `json:"enabled"`
	Licenses  int    `json:"licenses"`
}

// Account is one service account as the tenant holds it.
type Account struct {
	UPN            string   `json:"upn"`
	ExternalEmail  string   `json:"externalEmail"`
	Enabled        bool     `json:"enabled"`
	Licenses       []string `json:"licenses"`
	Segment        string   `json:"segment"`
	SegmentGroups  []string `json:"segmentGroups"`
	CredentialSent bool     `json:"credentialSent"`
}

// Seat is one SKU's seat use.
type Seat struct {
	SKU      string `json:"sku"`
	Enabled  int    `json:"enabled"`
	Consumed int    `json:"consumed"`
}

// Mail is one captured message, without its body (it holds the credential).
type Mail struct {
	From    string   `json:"from"`
	To      []string `json:"to"`
	Subject string   `json:"subject"`
}

// GraphRequests is the emulator's request log for the first pass.
type GraphRequests struct {
	Total   int            `json:"total"`
	Writes  int            `json:"writes"`
	ByRoute map[string]int `json:"byRoute"`
	Faults  map[string]int `json:"faultsInjected"`
}

// Rerun is what the second delivery of the same requests did.
type Rerun struct {
	GraphRequests int `json:"graphRequests"`
	GraphWrites   int `json:"graphWrites"`
	NewMails      int `json:"newMails"`
}

func (s *Summary) fill(t domain.Tenant, sim *tenantsim.Server, st tenantsim.Stats) {
	skuName := map[string]string{}
	for _, k := range sim.SKUs() {
		skuName[k.SkuID] = k.SkuPartNumber
		s.Seats = append(s.Seats, Seat{SKU: k.SkuPartNumber, Enabled: k.PrepaidUnits.Enabled, Consumed: k.ConsumedUnits})
	}
	groupName := map[string]string{}
	for _, g := range sim.Groups() {
		groupName[g.ID] = g.DisplayName
	}
	mailed := map[string]bool{}
	for _, m := range sim.Outbox() {
		s.Mails = append(s.Mails, Mail{From: m.From, To: m.To, Subject: m.Subject})
		for _, to := range m.To {
			mailed[strings.ToLower(to)] = true
		}
	}
	for _, u := range sim.Users() {
		du := toDomain(u)
		if !t.Manages(du) {
			continue
		}
		a := Account{UPN: u.UserPrincipalName, Enabled: u.AccountEnabled, Segment: t.SegmentOf(du)}
		if len(u.OtherMails) > 0 {
			a.ExternalEmail = u.OtherMails[0]
			a.CredentialSent = mailed[strings.ToLower(a.ExternalEmail)]
		}
		for _, l := range u.AssignedLicenses {
			a.Licenses = append(a.Licenses, skuName[l.SkuID])
		}
		for _, g := range u.MemberOf {
			a.SegmentGroups = append(a.SegmentGroups, groupName[g])
		}
		s.Accounts = append(s.Accounts, a)
	}
	slices.SortFunc(s.Accounts, func(a, b Account) int { return strings.Compare(a.UPN, b.UPN) })
	s.GraphRequests = GraphRequests{Total: st.Requests, Writes: st.Writes, ByRoute: st.Routes, Faults: map[string]int{}}
	for k, v := range st.Faults {
		s.GraphRequests.Faults[string(k)] = v
	}
}

// toDomain keeps what the tenant settings read: segment and marker
// attributes.
func toDomain(u tenantsim.User) domain.User {
	ext := map[string]string{}
	for n := 1; n <= 15; n++ {
		if v := u.OnPremisesExtensionAttributes.Get(n); v != "" {
			ext["extensionAttribute"+strconv.Itoa(n)] = v
		}
	}
	return domain.User{UPN: u.UserPrincipalName, CompanyName: u.CompanyName, Department: u.Department, Extensions: ext, OtherMails: u.OtherMails}
}

// printer writes the human-readable progress.
type printer struct {
	w     io.Writer
	quiet bool
}

func (p *printer) line(format string, args ...any) {
	if !p.quiet {
		fmt.Fprintf(p.w, format+"\n", args...)
	}
}

func (p *printer) section(title string) { p.line("\n%s", title) }

func (p *printer) header(cfg config.Config, o Options) {
	p.line("vendorflow demo — tenant %s on the local emulator", cfg.Tenant.Domain)
	if o.FaultRate > 0 || o.Lag > 0 {
		p.line("injected faults: %.0f%% 429/503 on every route, replication lag %s (seed %d)", o.FaultRate*100, o.Lag, o.Seed)
	}
	p.section("Onboarding the four vendor people of the seed scenario")
}

// event prints step transitions; running events are shown only for retries.
func (p *printer) event(e engine.Event) {
	switch e.Status {
	case domain.StepDone:
		p.line("  %-16s %-20s done", e.RequestID, e.Step)
	case domain.StepFailed:
		p.line("  %-16s %-20s attempt %d failed: %s", e.RequestID, e.Step, e.Attempt, e.Message)
	case domain.StepRunning:
		if e.Attempt > 1 {
			p.line("  %-16s %-20s attempt %d", e.RequestID, e.Step, e.Attempt)
		}
	}
}

func (p *printer) summary(s Summary) {
	if p.quiet {
		return
	}
	p.section("Service accounts in " + s.Tenant)
	tw := tabwriter.NewWriter(p.w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "EXTERNAL PERSON\tSIGNS IN AS\tENABLED\tLICENSES\tSEGMENT\tGROUPS\tCREDENTIAL SENT")
	for _, a := range s.Accounts {
		fmt.Fprintf(tw, "%s\t%s\t%v\t%s\t%s\t%s\t%v\n", a.ExternalEmail, a.UPN, a.Enabled, strings.Join(a.Licenses, ","), a.Segment, strings.Join(a.SegmentGroups, ","), a.CredentialSent)
	}
	_ = tw.Flush()
	p.section("Seats")
	tw = tabwriter.NewWriter(p.w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SKU\tENABLED\tCONSUMED")
	for _, k := range s.Seats {
		fmt.Fprintf(tw, "%s\t%d\t%d\n", k.SKU, k.Enabled, k.Consumed)
	}
	_ = tw.Flush()
	p.section(fmt.Sprintf("Mails in the emulator's outbox: %d (bodies hold the credentials and are not shown)", len(s.Mails)))
	for _, m := range s.Mails {
		p.line("  %s → %s: %s", m.From, strings.Join(m.To, ","), m.Subject)
	}
	faults := 0
	for _, v := range s.GraphRequests.Faults {
		faults += v
	}
	p.section("Graph traffic")
	p.line("  first pass: %d requests, %d writes, %d injected faults absorbed", s.GraphRequests.Total, s.GraphRequests.Writes, faults)
	p.line("  replay:     %d requests, %d writes, %d new mails", s.Rerun.GraphRequests, s.Rerun.GraphWrites, s.Rerun.NewMails)
}
