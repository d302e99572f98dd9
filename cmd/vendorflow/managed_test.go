package main

import (
	"testing"
	"time"

	"github.com/vendorflow/vendorflow/pkg/config"
	"github.com/vendorflow/vendorflow/pkg/tenantsim"
)

// The seeded accounts are vendorflow's as the engine sees them (marker,
// segment, external email, contract end), and the share asked for has
// ended; the emulator takes them.
func TestManagedAccounts(t *testing.T) {
	cfg, err := config.Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	users, err := managedAccounts(cfg.Tenant, 50, 0.1, now)
	if err != nil {
		t.Fatal(err)
	}
	expired, upns := 0, map[string]bool{}
	for _, u := range users {
		if u.OnPremisesExtensionAttributes.Get(15) != "vendorflow" || len(u.OtherMails) != 1 || u.CompanyName == "" || !u.AccountEnabled {
			t.Fatalf("not a vendorflow account: %+v", u)
		}
		if u.EmployeeLeaveDateTime.Before(now) {
			expired++
		}
		upns[u.UserPrincipalName] = true
	}
	if expired != 5 || len(upns) != 50 {
		t.Errorf("%d expired of %d unique, want 5 of 50", expired, len(upns))
	}
	sim, err := tenantsim.New(tenantsim.Config{Domain: cfg.Tenant.Domain})
	if err != nil {
		t.Fatal(err)
	}
	seed := tenantsim.DemoSeed(cfg.Tenant.Domain)
	seed.Users = append(seed.Users, users...)
	if err := sim.Load(seed); err != nil {
		t.Fatalf("the emulator refuses the accounts: %v", err)
	}
	for _, bad := range []struct {
		n     int
		share float64
	}{{-1, 0}, {maxManaged + 1, 0}, {10, 1.5}, {10, -0.1}} {
		if _, err := managedAccounts(cfg.Tenant, bad.n, bad.share, now); err == nil {
			t.Errorf("managedAccounts(%d, %v) accepted", bad.n, bad.share)
		}
	}
}
