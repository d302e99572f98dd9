package engine_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/engine"
)

// Different people whose emails render the same template name, a+x and
// a_x at one domain, and a at two domains of one vendor, onboard as
// separate accounts: whoever comes first keeps the template's name, the
// other gets the first free numbered one. Each person's name is then
// stable: a redelivery, a new request, another instance, and an offboard
// by vendor and email all find that same account. The pairs are raced
// on two engines (two instances sharing the journal and the tenant): the
// one that finds the name's lease taken is retried, as the handler would
// reschedule it.
func TestUPNCollisionsBetweenPeople(t *testing.T) {
	pairs := [][2]string{
		{"a+x@vendor1.com", "a_x@vendor1.com"},
		{"a@vendor1.com", "a@vendor1.co.uk"},
	}
	for _, pair := range pairs {
		t.Run(pair[0]+" and "+pair[1], func(t *testing.T) {
			r := newRig(t)
			for i := range r.tenant.Vendors {
				if r.tenant.Vendors[i].Key == "Vendor1" {
					r.tenant.Vendors[i].EmailDomains = append(r.tenant.Vendors[i].EmailDomains, "vendor1.co.uk")
				}
			}
			instances := []*engine.Engine{r.engine(engine.Hooks{}), r.engine(engine.Hooks{})}
			results := make([]engine.Result, 2)
			var wg sync.WaitGroup
			for i, email := range pair {
				wg.Go(func() {
					results[i] = process(t, instances[i], domain.KindOnboard, onboardPayload(t, fmt.Sprintf("on-%d", i), "Vendor1", email))
				})
			}
			wg.Wait()
			upns := make([]string, 2)
			for i, email := range pair {
				res := results[i]
				if res.Status == domain.RequestRetrying {
					// the other person held the name: the handler
					// reschedules, and the next run names anew
					res = process(t, instances[i], domain.KindOnboard, onboardPayload(t, fmt.Sprintf("on-%d", i), "Vendor1", email))
				}
				if res.Status != domain.RequestDone {
					t.Fatalf("%s: %s (%s): %s", email, res.Status, res.Code, res.Reason)
				}
				upns[i] = res.UPN
			}
			if strings.EqualFold(upns[0], upns[1]) {
				t.Fatalf("both people got %s", upns[0])
			}
			for i, email := range pair {
				u, ok := r.sim.UserByUPN(upns[i])
				if !ok || !slices.ContainsFunc(u.OtherMails, func(m string) bool { return strings.EqualFold(m, email) }) {
					t.Fatalf("%s is not %s's account", upns[i], email)
				}
				// the other instance, a new request: the same account
				again := process(t, instances[1-i], domain.KindOnboard, onboardPayload(t, fmt.Sprintf("again-%d", i), "Vendor1", email))
				if again.Status != domain.RequestDone || again.UPN != upns[i] {
					t.Fatalf("%s again: %s at %s, want done at %s", email, again.Status, again.UPN, upns[i])
				}
			}
			if n := len(r.snapshot().Managed); n != 2 {
				t.Fatalf("%d managed accounts, want 2", n)
			}
			for i, email := range pair {
				off := process(t, instances[i], domain.KindOffboard, offboardPayload(t, fmt.Sprintf("off-%d", i), domain.AccountRef{Vendor: "Vendor1", Email: email}))
				if off.Status != domain.RequestDone || off.UPN != upns[i] {
					t.Fatalf("offboard %s: %s at %s, want done at %s", email, off.Status, off.UPN, upns[i])
				}
			}
		})
	}
}
