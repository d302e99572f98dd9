package plan

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/vendorflow/vendorflow/pkg/clock"
	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/graph"
	"github.com/vendorflow/vendorflow/pkg/tenantsim"
)

// emulated is the demo tenant's emulator with the real adapter over HTTP.
func emulated(t *testing.T, seats int) (*tenantsim.Server, *graph.Client) {
	t.Helper()
	clk := clock.NewFake(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
	sim, err := tenantsim.New(tenantsim.Config{Domain: "ABC.com", Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	seed, err := tenantsim.DemoSeed("ABC.com").WithSeats(tenantsim.PartRemoteAssist, seats)
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.Load(seed); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	c, err := graph.New(graph.Config{BaseURL: srv.URL + "/v1.0", Clock: clk, HTTPClient: srv.Client(), LagRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	return sim, c
}

func person(local string) domain.User {
	return domain.User{UPN: local + "@ABC.com", DisplayName: local, MailNickname: local, AccountEnabled: true, UsageLocation: "US",
		OtherMails: []string{local + "@vendor1.com"}, Extensions: map[string]string{"extensionAttribute15": "vendorflow"}}
}

// The overlay refuses what Graph would refuse, with the adapter's code and
// message for the same case, which the real adapter answers here against
// the emulator (after the overlay, which must not have written).
func TestOverlayRefusesAsTheAdapterDoes(t *testing.T) {
	ctx := context.Background()
	sim, c := emulated(t, 0)
	real, err := c.CreateUser(ctx, person("held"), "Pa55word!x-long")
	if err != nil {
		t.Fatal(err)
	}
	ra := ""
	for _, s := range sim.SKUs() {
		if s.SkuPartNumber == tenantsim.PartRemoteAssist {
			ra = s.SkuID
		}
	}
	tests := []struct {
		name  string
		plan  func(o *overlay) error
		graph func() error
	}{
		{
			name:  "no free seat",
			plan:  func(o *overlay) error { return o.AssignLicenses(ctx, real.ID, []string{ra}, nil) },
			graph: func() error { return c.AssignLicenses(ctx, real.ID, []string{ra}, nil) },
		},
		{
			name:  "a licence to remove that is not assigned",
			plan:  func(o *overlay) error { return o.AssignLicenses(ctx, real.ID, nil, []string{ra}) },
			graph: func() error { return c.AssignLicenses(ctx, real.ID, nil, []string{ra}) },
		},
		{
			name: "a UPN taken",
			plan: func(o *overlay) error {
				_, err := o.CreateUser(ctx, person("held"), "Pa55word!x-long")
				return err
			},
			graph: func() error {
				_, err := c.CreateUser(ctx, person("held"), "Pa55word!x-long")
				return err
			},
		},
		{
			name:  "a group that does not exist",
			plan:  func(o *overlay) error { return o.AddMember(ctx, "00000000-0000-0000-0000-00000000dead", real.ID) },
			graph: func() error { return c.AddMember(ctx, "00000000-0000-0000-0000-00000000dead", real.ID) },
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var recorded []Change
			o := newOverlay(c, clock.Real{}, func(ch Change) { recorded = append(recorded, ch) })
			writes := sim.Stats().Writes
			perr := tc.plan(o)
			if n := sim.Stats().Writes - writes; n != 0 || len(recorded) != 0 {
				t.Fatalf("the overlay wrote %d times and recorded %+v", n, recorded)
			}
			gerr := tc.graph()
			if perr == nil || gerr == nil {
				t.Fatalf("overlay %v, adapter %v: want both to fail", perr, gerr)
			}
			if domain.ErrorCode(perr) != domain.ErrorCode(gerr) || domain.ErrorMessage(perr) != domain.ErrorMessage(gerr) {
				t.Errorf("overlay %s %q, adapter %s %q", domain.ErrorCode(perr), domain.ErrorMessage(perr), domain.ErrorCode(gerr), domain.ErrorMessage(gerr))
			}
		})
	}
}

// Seats taken in the overlay count against later assignments, and seats
// freed make room again; a user created in the plan is visible to later
// reads under its planned id, and never reaches the directory.
func TestOverlayAccumulates(t *testing.T) {
	ctx := context.Background()
	sim, c := emulated(t, 1)
	var recorded []Change
	o := newOverlay(c, clock.Real{}, func(ch Change) { recorded = append(recorded, ch) })
	a, err := o.CreateUser(ctx, person("a_SA"), "Pa55word!x-long")
	if err != nil {
		t.Fatal(err)
	}
	b, err := o.CreateUser(ctx, person("b_SA"), "Pa55word!x-long")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := o.FindUser(ctx, "A_sa@abc.com"); err != nil || got.ID != a.ID {
		t.Fatalf("FindUser of a planned user = %+v, %v", got, err)
	}
	skus, err := o.ListSKUs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ra := ""
	for _, s := range skus {
		if s.PartNumber == tenantsim.PartRemoteAssist {
			ra = s.ID
		}
	}
	if err := o.AssignLicenses(ctx, a.ID, []string{ra}, nil); err != nil {
		t.Fatal(err)
	}
	if err := o.AssignLicenses(ctx, b.ID, []string{ra}, nil); domain.ErrorCode(err) != domain.Business {
		t.Fatalf("second seat of one: %v, want Business", err)
	}
	if err := o.AssignLicenses(ctx, a.ID, nil, []string{ra}); err != nil {
		t.Fatal(err)
	}
	if err := o.AssignLicenses(ctx, b.ID, []string{ra}, nil); err != nil {
		t.Fatalf("the seat a freed: %v", err)
	}
	tap, err := o.CreateTAP(ctx, b.ID, 8*time.Hour)
	if err != nil || !tap.Value.IsZero() {
		t.Fatalf("planned pass %+v (value set: %v), %v", tap, !tap.Value.IsZero(), err)
	}
	if ts, _ := o.ListTAPs(ctx, b.ID); len(ts) != 1 || ts[0].ID != tap.ID {
		t.Errorf("passes of b: %+v", ts)
	}
	if len(recorded) != 6 {
		t.Errorf("recorded %d changes, want 6 (2 creates, 3 assignments, 1 pass; the refused one is not): %+v", len(recorded), recorded)
	}
	if st := sim.Stats(); st.Writes != 0 || len(sim.Users()) != 4 {
		t.Errorf("the emulator saw %d writes and holds %d users", st.Writes, len(sim.Users()))
	}
	if err := o.ListUsers(ctx, domain.UserQuery{}, func(domain.User) error { return nil }); domain.ErrorCode(err) != domain.Internal {
		t.Errorf("ListUsers: %v, want it refused", err)
	}
}

func TestTAPRefusal(t *testing.T) {
	on := domain.TAPPolicy{Enabled: true, AllUsers: true, MinLifetime: time.Hour, MaxLifetime: 8 * time.Hour}
	tests := []struct {
		name   string
		policy func(p *domain.TAPPolicy)
		groups []string
		life   time.Duration
		want   string
	}{
		{name: "allowed", life: 8 * time.Hour},
		{name: "disabled", policy: func(p *domain.TAPPolicy) { p.Enabled = false }, life: time.Hour, want: "the method is disabled"},
		{name: "outside the include groups", policy: func(p *domain.TAPPolicy) { p.AllUsers, p.IncludeGroups = false, []string{"g1"} },
			groups: []string{"g2"}, life: time.Hour, want: "the account is not in its include targets"},
		{name: "in an include group", policy: func(p *domain.TAPPolicy) { p.AllUsers, p.IncludeGroups = false, []string{"g1"} },
			groups: []string{"g1"}, life: time.Hour},
		{name: "excluded", policy: func(p *domain.TAPPolicy) { p.ExcludeGroups = []string{"g2"} },
			groups: []string{"g2"}, life: time.Hour, want: "the account is in its exclude targets"},
		{name: "too short", life: 30 * time.Minute, want: "a lifetime of 30m is outside its 1h to 8h"},
		{name: "one-time only", policy: func(p *domain.TAPPolicy) { p.UsableOnce = true }, life: time.Hour,
			want: "it allows one-time passes only, and vendorflow issues reusable ones"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := on
			if tc.policy != nil {
				tc.policy(&p)
			}
			if got := tapRefusal(p, tc.groups, tc.life); got != tc.want {
				t.Errorf("tapRefusal = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestHuman(t *testing.T) {
	for d, want := range map[time.Duration]string{
		8 * time.Hour: "8h", 90 * time.Minute: "1h30m", 10 * time.Minute: "10m", 0: "0m", 1500 * time.Millisecond: "1.5s",
	} {
		if got := human(d); got != want {
			t.Errorf("human(%s) = %q, want %q", d, got, want)
		}
	}
}
