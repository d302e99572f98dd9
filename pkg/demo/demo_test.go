package demo

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
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
			// The seed's Figure 1.2, exactly: each external person beside
			// the service account they sign in with.
			got := map[string]string{}
			for _, a := range sum.Accounts {
				got[strings.ToLower(a.ExternalEmail)] = a.UPN
			}
			if d := cmp.Diff(map[string]string{
				"vendor1_a@vendor1.com": "Vendor1_A_SA@ABC.com",
				"vendor1_b@vendor1.com": "Vendor1_B_SA@ABC.com",
				"vendor1_a@vendor2.com": "Vendor2_A_SA@ABC.com",
				"vendor@outlook.com":    "Vendor_SA@ABC.com",
			}, got); d != "" {
				t.Errorf("service accounts (-Figure 1.2 +demo):\n%s", d)
			}
			for _, a := range sum.Accounts {
				if !a.Enabled || !slices.Equal(a.Licenses, []string{"MICROSOFT_REMOTE_ASSIST", "INFORMATION_PROTECTION_COMPLIANCE"}) || a.Segment == "" || len(a.SegmentGroups) != 1 || !a.CredentialSent {
					t.Errorf("account %+v is not complete", a)
				}
			}
			if len(sum.Mails) != 4 {
				t.Errorf("mails = %d, want 4", len(sum.Mails))
			}
			seats := map[string]int{}
			for _, s := range sum.Seats {
				seats[s.SKU] = s.Consumed
			}
			if seats["MICROSOFT_REMOTE_ASSIST"] != 4 || seats["INFORMATION_PROTECTION_COMPLIANCE"] != 4 {
				t.Errorf("seats consumed = %v, want 4 Remote Assist and 4 barrier licences", seats)
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
				"Vendor1_A_SA|Vendor1_B_SA": true,
				"Vendor1_A_SA|Vendor2_A_SA": false,
				"Vendor1_A_SA|Vendor_SA":    false,
				"Vendor2_A_SA|Vendor_SA":    false,
				"Vendor_SA|ava.expert":      true,
				"Vendor2_A_SA|ava.expert":   true,
			} {
				if got, ok := allowed[pair]; !ok || got != want {
					t.Errorf("reach %s = %v (known %v), want %v", pair, got, ok, want)
				}
			}
			sw := sum.Sweep
			if len(sw.Offboarded) != 1 || sw.Offboarded[0].UPN != "Vendor_SA@ABC.com" || sw.Offboarded[0].Enabled || sw.Offboarded[0].Licenses != 0 || sw.FoundOnSecondSweep != 0 {
				t.Errorf("sweep = %+v, want the contractor offboarded once", sw)
			}
			after := map[string]int{}
			for _, s := range sw.SeatsAfter {
				after[s.SKU] = s.Consumed
			}
			if after["MICROSOFT_REMOTE_ASSIST"] != 3 || after["INFORMATION_PROTECTION_COMPLIANCE"] != 3 {
				t.Errorf("seats after the sweep = %v, want 3 of each", after)
			}
			if strings.Contains(out.String(), "Temporary Access Pass:") {
				t.Error("the demo printed a credential")
			}
		})
	}
}
