package engine_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/vendorflow/vendorflow/pkg/clock"
	"github.com/vendorflow/vendorflow/pkg/config"
	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/engine"
	"github.com/vendorflow/vendorflow/pkg/graph"
	"github.com/vendorflow/vendorflow/pkg/journal"
	"github.com/vendorflow/vendorflow/pkg/tenantsim"
)

var t0 = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)

// rig is the real stack over HTTP: tenantsim, the msgraph-sdk-go adapter,
// the SQLite journal and the engine, all on one fake clock.
type rig struct {
	t       testing.TB
	clk     *clock.Fake
	sim     *tenantsim.Server
	tenant  domain.Tenant
	journal *journal.Journal
	dir     *graph.Client
	srv     *httptest.Server
	dbPath  string
}

func newRig(t testing.TB) *rig {
	t.Helper()
	cfg, err := config.Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewFake(t0)
	sim, err := tenantsim.New(tenantsim.Config{Domain: cfg.Tenant.Domain, Clock: clk, RequireAuth: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.Load(tenantsim.DemoSeed(cfg.Tenant.Domain)); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	dir, err := graph.New(graph.Config{BaseURL: srv.URL + "/v1.0", Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, clk: clk, sim: sim, tenant: cfg.Tenant, dir: dir, srv: srv, dbPath: filepath.Join(t.TempDir(), "journal.db")}
	r.reopenJournal()
	return r
}

func (r *rig) reopenJournal() {
	r.t.Helper()
	if r.journal != nil {
		_ = r.journal.Close()
	}
	j, err := journal.Open(context.Background(), journal.Config{Path: r.dbPath, Clock: r.clk})
	if err != nil {
		r.t.Fatal(err)
	}
	r.journal = j
	r.t.Cleanup(func() { _ = j.Close() })
}

func (r *rig) engine(hooks engine.Hooks) *engine.Engine {
	r.t.Helper()
	e, err := engine.New(engine.Config{Tenant: r.tenant, Directory: r.dir, Journal: r.journal, Clock: r.clk, Hooks: hooks})
	if err != nil {
		r.t.Fatal(err)
	}
	return e
}

func onboardPayload(t testing.TB, id, vendor, email string) []byte {
	t.Helper()
	return namedPayload(t, id, vendor, email, "")
}

// namedPayload is onboardPayload naming its service account.
func namedPayload(t testing.TB, id, vendor, email, account string) []byte {
	t.Helper()
	b, err := json.Marshal(domain.OnboardRequest{
		SchemaVersion: 1, RequestID: id, Vendor: vendor,
		Person:         domain.Person{GivenName: "Test", Surname: "Person", Email: email},
		Contract:       domain.Period{Start: "2026-11-01", End: "2027-03-31"},
		Sponsor:        "pat.sponsor@ABC.com",
		ServiceAccount: account,
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// seedRequests are the four demo people, named as the seed's Figure 1.2
// names them: the Vendor2 person's account is named in the request, the
// others by the template.
func seedRequests(t *testing.T) [][]byte {
	return [][]byte{
		onboardPayload(t, "r1", "Vendor1", "Vendor1_A@Vendor1.com"),
		onboardPayload(t, "r2", "Vendor1", "Vendor1_B@Vendor1.com"),
		namedPayload(t, "r3", "Vendor2", "Vendor1_A@Vendor2.com", "Vendor2_A_SA"),
		onboardPayload(t, "r4", "Contractor", "Vendor@Outlook.com"),
	}
}

// snapshot is the tenant state the acceptance criteria speak of.
type snapshot struct {
	Managed  map[string]managedUser // by UPN
	Consumed map[string]int         // by SKU part number
	Mails    int
}

type managedUser struct {
	Enabled  bool
	Licenses int
	Company  string
	Groups   int
}

func (r *rig) snapshot() snapshot {
	s := snapshot{Managed: map[string]managedUser{}, Consumed: map[string]int{}, Mails: len(r.sim.Outbox())}
	for _, u := range r.sim.Users() {
		if u.OnPremisesExtensionAttributes.Get(15) != "vendorflow" {
			continue
		}
		s.Managed[u.UserPrincipalName] = managedUser{Enabled: u.AccountEnabled, Licenses: len(u.AssignedLicenses), Company: u.CompanyName, Groups: len(u.MemberOf)}
	}
	for _, k := range r.sim.SKUs() {
		s.Consumed[k.SkuPartNumber] = k.ConsumedUnits
	}
	return s
}

// validMails counts outbox mails whose credential is the user's current TAP.
func (r *rig) validMails(t *testing.T) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, m := range r.sim.Outbox() {
		tap := extractTAP(m.Body)
		for _, u := range r.sim.Users() {
			if len(u.OtherMails) > 0 && len(m.To) == 1 && equalFold(u.OtherMails[0], m.To[0]) && r.sim.TAPValid(u.ID, tap) {
				out[u.UserPrincipalName]++
			}
		}
	}
	return out
}
