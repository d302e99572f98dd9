package app_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/messaging/azservicebus/admin"

	"github.com/vendorflow/vendorflow/pkg/app"
	"github.com/vendorflow/vendorflow/pkg/config"
	"github.com/vendorflow/vendorflow/pkg/doctor"
	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/graph"
	"github.com/vendorflow/vendorflow/pkg/tenantsim"
)

// fakeAdmin answers GetQueue as the Service Bus administration client
// does: nil, nil for a queue that does not exist.
type fakeAdmin map[string]admin.QueueProperties

func (f fakeAdmin) GetQueue(_ context.Context, name string, _ *admin.GetQueueOptions) (*admin.GetQueueResponse, error) {
	p, ok := f[name]
	if !ok {
		return nil, nil
	}
	return &admin.GetQueueResponse{QueueName: name, QueueProperties: p}, nil
}

// provisioned is the three queues as infra/ creates them.
func provisioned() fakeAdmin {
	on, window := true, "PT10M"
	q := admin.QueueProperties{RequiresDuplicateDetection: &on, DuplicateDetectionHistoryTimeWindow: &window}
	return fakeAdmin{"vendorflow-onboard": q, "vendorflow-offboard": q, "vendorflow-parked": q}
}

// TestDoctor runs doctor through app.OpenDoctor against the emulator of
// the demo tenant (the real Graph adapter over HTTP) and, for the queues, a
// fake administration client: a fresh emulator passes every check, and
// each injected fault fails exactly its check with a fix.
func TestDoctor(t *testing.T) {
	tests := []struct {
		name   string
		sim    func(t *testing.T, s *tenantsim.Server)
		cfg    func(c *config.Config)
		queues func(f fakeAdmin)
		fail   []string // check ids that must fail, in any order
		fix    string   // a phrase the first failing check's fix holds
	}{
		{name: "fresh emulator"},
		{
			name: "missing permission",
			sim: func(_ *testing.T, s *tenantsim.Server) {
				s.SetRoles(slices.DeleteFunc(graph.Permissions(), func(p string) bool { return p == "LicenseAssignment.Read.All" }))
			},
			fail: []string{doctor.CheckToken, doctor.CheckSKUs},
			fix:  "grant LicenseAssignment.Read.All",
		},
		{
			name: "no free seats",
			sim: func(t *testing.T, s *tenantsim.Server) {
				seed := tenantsim.DemoSeed("ABC.com")
				for i := range seed.SKUs {
					if seed.SKUs[i].SkuPartNumber == tenantsim.PartRemoteAssist {
						seed.SKUs[i].PrepaidUnits.Enabled = 0
					}
				}
				load(t, s, seed)
			},
			fail: []string{doctor.CheckSKUs},
			fix:  "free seats",
		},
		{
			name: "TAP policy off",
			sim: func(t *testing.T, s *tenantsim.Server) {
				p := s.TAPPolicy()
				p.State = "disabled"
				setPolicy(t, s, p)
			},
			fail: []string{doctor.CheckTAPEnabled},
			fix:  "enable it",
		},
		{
			name: "lifetime above the policy's maximum",
			cfg:  func(c *config.Config) { c.Tenant.Credentials.TAPLifetime = domain.Duration(9 * time.Hour) },
			fail: []string{doctor.CheckTAPLifetime},
			fix:  "between 1h and 8h",
		},
		{
			name: "TAP policy targets another group",
			sim: func(t *testing.T, s *tenantsim.Server) {
				p := s.TAPPolicy()
				p.IncludeTargets = []tenantsim.TAPTarget{{TargetType: "group", ID: tenantsim.GroupIBExpertsID}}
				setPolicy(t, s, p)
			},
			fail: []string{doctor.CheckTAPScope},
			fix:  "include those groups",
		},
		{
			name: "one-time passes only",
			sim: func(t *testing.T, s *tenantsim.Server) {
				p := s.TAPPolicy()
				p.IsUsableOnce = true
				setPolicy(t, s, p)
			},
			fail: []string{doctor.CheckTAPUsability},
			fix:  "One-time use to No",
		},
		{
			name: "missing segment group",
			sim: func(t *testing.T, s *tenantsim.Server) {
				seed := tenantsim.DemoSeed("ABC.com")
				seed.Groups = slices.DeleteFunc(seed.Groups, func(g tenantsim.Group) bool { return g.ID == tenantsim.GroupIBVendor2ID })
				load(t, s, seed)
			},
			fail: []string{doctor.CheckGroups},
			fix:  "vendors[].segmentGroupId",
		},
		{
			name: "segment attribute used by an unmanaged account",
			sim: func(t *testing.T, s *tenantsim.Server) {
				seed := tenantsim.DemoSeed("ABC.com")
				seed.Users[1].CompanyName = "Vendor1" // an expert, not vendorflow's
				load(t, s, seed)
			},
			fail: []string{doctor.CheckAttributes},
			fix:  "clear companyName",
		},
		{
			name: "marker attribute used by another tool",
			sim: func(t *testing.T, s *tenantsim.Server) {
				seed := tenantsim.DemoSeed("ABC.com")
				seed.Users[2].OnPremisesExtensionAttributes.ExtensionAttribute15 = "hr-sync"
				load(t, s, seed)
			},
			fail: []string{doctor.CheckAttributes},
			fix:  "tenant.markerAttribute",
		},
		{
			name: "queue without duplicate detection",
			queues: func(f fakeAdmin) {
				off := false
				p := f["vendorflow-onboard"]
				p.RequiresDuplicateDetection = &off
				f["vendorflow-onboard"] = p
			},
			fail: []string{doctor.CheckQueues},
			fix:  "only be set when a queue is created",
		},
		{
			name:   "missing queue",
			queues: func(f fakeAdmin) { delete(f, "vendorflow-parked") },
			fail:   []string{doctor.CheckQueues},
			fix:    "azd provision",
		},
		{
			name: "journal cannot be opened",
			cfg:  func(c *config.Config) { c.Journal.Path = "/proc/vendorflow-doctor/journal.db" },
			fail: []string{doctor.CheckJournal},
			fix:  "journal.path",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim, err := tenantsim.New(tenantsim.Config{Domain: "ABC.com", RequireAuth: true})
			if err != nil {
				t.Fatal(err)
			}
			load(t, sim, tenantsim.DemoSeed("ABC.com"))
			if tt.sim != nil {
				tt.sim(t, sim)
			}
			cfg, err := config.Parse(config.Sample(), nil)
			if err != nil {
				t.Fatal(err)
			}
			cfg.Journal.Path = filepath.Join(t.TempDir(), "journal.db")
			cfg.Queue.ServiceBusNamespace = "example.servicebus.windows.net"
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			queues := provisioned()
			if tt.queues != nil {
				tt.queues(queues)
			}
			d, err := app.OpenDoctor(context.Background(), cfg, app.DoctorOptions{Emulator: sim, QueueAdmin: queues})
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			r := doctor.Run(context.Background(), d.Deps)

			var failed []string
			for _, c := range r.Checks {
				if !c.OK {
					failed = append(failed, c.ID)
					if c.Fix == "" {
						t.Errorf("%s failed without a fix: %s", c.ID, c.Detail)
					}
				}
			}
			slices.Sort(failed)
			want := slices.Clone(tt.fail)
			slices.Sort(want)
			if !slices.Equal(failed, want) {
				t.Fatalf("failed checks = %v, want %v; report:\n%s", failed, want, dump(r))
			}
			if r.OK != (len(want) == 0) || r.Failed != len(want) {
				t.Errorf("OK = %v, Failed = %d for %d failures", r.OK, r.Failed, len(want))
			}
			if tt.fix != "" {
				first := r.Checks[slices.IndexFunc(r.Checks, func(c doctor.Check) bool { return c.ID == tt.fail[0] })]
				if !strings.Contains(first.Fix, tt.fix) {
					t.Errorf("%s fix = %q, want it to contain %q", first.ID, first.Fix, tt.fix)
				}
			}
		})
	}
}

// TestDoctorWritesNothingToTheTenant: a doctor run makes no Graph write.
func TestDoctorWritesNothingToTheTenant(t *testing.T) {
	sim, err := tenantsim.New(tenantsim.Config{Domain: "ABC.com", RequireAuth: true})
	if err != nil {
		t.Fatal(err)
	}
	load(t, sim, tenantsim.DemoSeed("ABC.com"))
	cfg, err := config.Parse(config.Sample(), nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Journal.Path = filepath.Join(t.TempDir(), "journal.db")
	d, err := app.OpenDoctor(context.Background(), cfg, app.DoctorOptions{Emulator: sim})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if r := doctor.Run(context.Background(), d.Deps); !r.OK {
		t.Fatalf("report:\n%s", dump(r))
	}
	if w := sim.Stats().Writes; w != 0 {
		t.Errorf("doctor made %d Graph writes, want 0", w)
	}
}

func load(t *testing.T, s *tenantsim.Server, seed tenantsim.Seed) {
	t.Helper()
	if err := s.Load(seed); err != nil {
		t.Fatal(err)
	}
}

func setPolicy(t *testing.T, s *tenantsim.Server, p tenantsim.TAPPolicy) {
	t.Helper()
	if err := s.SetTAPPolicy(p); err != nil {
		t.Fatal(err)
	}
}

func dump(r doctor.Report) string {
	var b strings.Builder
	for _, c := range r.Checks {
		mark := "ok  "
		if !c.OK {
			mark = "FAIL"
		}
		b.WriteString(mark + " " + c.ID + ": " + c.Detail + "\n")
	}
	return b.String()
}
