package demo

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/vendorflow/vendorflow/pkg/barriers"
	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/tenantsim"
)

// Reach is one "can A reach B" answer for two people of the demo tenant,
// from their attributes in the emulator and the vendor-isolation preset.
type Reach struct {
	From    string `json:"from"`
	To      string `json:"to"`
	Allowed bool   `json:"allowed"`
	Decider string `json:"decider"`
}

// reachability answers for every pair of the demo's service accounts and
// the first expert.
func reachability(t domain.Tenant, sim *tenantsim.Server) ([]Reach, error) {
	p, err := barriers.DefaultPolicy().Resolve(t)
	if err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	type person struct {
		upn  string
		segs []string
	}
	var people []person
	for _, u := range sim.Users() {
		du := toDomain(u)
		du.UsageLocation = u.UsageLocation
		if !t.Manages(du) && u.ID != tenantsim.DemoExpert1ID {
			continue
		}
		segs, err := barriers.SegmentFor(p, barriers.UserAttributes(du, nil))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", u.UserPrincipalName, err)
		}
		people = append(people, person{u.UserPrincipalName, segs})
	}
	var out []Reach
	for i, a := range people {
		for _, b := range people[i+1:] {
			v := p.CheckUsers(a.segs, b.segs)
			out = append(out, Reach{From: a.upn, To: b.upn, Allowed: v.Allowed, Decider: v.Decider})
		}
	}
	return out, nil
}

func (p *printer) reach(rs []Reach) {
	if p.quiet {
		return
	}
	p.section("Who can reach whom under the vendor-isolation barrier policy (" + barriers.EffectiveNotice + ")")
	tw := tabwriter.NewWriter(p.w, 0, 4, 2, ' ', 0)
	for _, r := range rs {
		verdict := "BLOCKED"
		if r.Allowed {
			verdict = "allowed"
		}
		fmt.Fprintf(tw, "  %s\t↔ %s\t%s\t(%s)\n", short(r.From), short(r.To), verdict, r.Decider)
	}
	_ = tw.Flush()
}

func short(upn string) string { u, _, _ := strings.Cut(upn, "@"); return u }
