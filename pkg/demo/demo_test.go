package demo

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vendorflow/vendorflow/pkg/clock"
	"github.com/vendorflow/vendorflow/pkg/config"
)

// The demo's acceptance: four accounts enabled, licensed, segmented; four
// mails; four Remote Assist seats consumed; the replay makes no Graph write
// and sends no mail. With 20% faults and replication lag the same holds.
func TestRun(t *testing.T) {
	cfg, err := config.Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		rate   float64
		lag    time.Duration
		faulty bool
	}{{"clean", 0, 0, false}, {"faults and lag", 0.2, 2 * time.Second, true}} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			sum, err := Run(context.Background(), cfg, Options{
				Out: &out, FaultRate: tc.rate, Lag: tc.lag, Seed: 7, StateDir: t.TempDir(),
				Clock: clock.NewFake(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)),
			})
			if err != nil {
				t.Fatalf("Run: %v\n%s", err, out.String())
			}
			if len(sum.Accounts) != 4 {
				t.Fatalf("accounts = %d", len(sum.Accounts))
			}
			for _, a := range sum.Accounts {
				if !a.Enabled || len(a.Licenses) != 1 || a.Licenses[0] != "MICROSOFT_REMOTE_ASSIST" || a.Segment == "" || len(a.SegmentGroups) != 1 || !a.CredentialSent {
					t.Errorf("account %+v is not complete", a)
				}
			}
			if len(sum.Mails) != 4 {
				t.Errorf("mails = %d, want 4", len(sum.Mails))
			}
			for _, s := range sum.Seats {
				if s.SKU == "MICROSOFT_REMOTE_ASSIST" && s.Consumed != 4 {
					t.Errorf("Remote Assist seats consumed = %d, want 4", s.Consumed)
				}
			}
			if sum.Rerun != (Rerun{}) {
				t.Errorf("replay = %+v, want nothing at all", sum.Rerun)
			}
			faults := 0
			for _, n := range sum.GraphRequests.Faults {
				faults += n
			}
			if tc.faulty != (faults > 0) {
				t.Errorf("injected faults = %d (faulty run: %v)", faults, tc.faulty)
			}
			allowed := map[string]bool{}
			for _, r := range sum.Reachability {
				allowed[short(r.From)+"|"+short(r.To)] = r.Allowed
				allowed[short(r.To)+"|"+short(r.From)] = r.Allowed
			}
			for pair, want := range map[string]bool{
				"Vendor1_Vendor1_A_SA|Vendor1_Vendor1_B_SA": true,
				"Vendor1_Vendor1_A_SA|Vendor2_Vendor1_A_SA": false,
				"Vendor1_Vendor1_A_SA|Contractor_Vendor_SA": false,
				"Vendor2_Vendor1_A_SA|Contractor_Vendor_SA": false,
				"Contractor_Vendor_SA|ava.expert":           true,
				"Vendor2_Vendor1_A_SA|ava.expert":           true,
			} {
				if got, ok := allowed[pair]; !ok || got != want {
					t.Errorf("reach %s = %v (known %v), want %v", pair, got, ok, want)
				}
			}
			sw := sum.Sweep
			if len(sw.Offboarded) != 1 || sw.Offboarded[0].UPN != "Contractor_Vendor_SA@ABC.com" || sw.Offboarded[0].Enabled || sw.Offboarded[0].Licenses != 0 || sw.FoundOnSecondSweep != 0 {
				t.Errorf("sweep = %+v, want the contractor offboarded once", sw)
			}
			for _, s := range sw.SeatsAfter {
				if s.SKU == "MICROSOFT_REMOTE_ASSIST" && s.Consumed != 3 {
					t.Errorf("seats after the sweep = %d, want 3", s.Consumed)
				}
			}
			if strings.Contains(out.String(), "Temporary Access Pass:") {
				t.Error("the demo printed a credential")
			}
		})
	}
}
