// Package reach answers "can A reach B" under the information-barrier
// policy, for people named by their service account's UPN or by a vendor
// person's external email: it looks both up in the directory, works out
// their segments from their attributes (barriers.SegmentFor) and asks the
// policy (barriers.Policy.CheckUsers). `vendorflow barriers check` and the
// ops console's reach page share it.
package reach

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/vendorflow/vendorflow/pkg/barriers"
	"github.com/vendorflow/vendorflow/pkg/domain"
)

// Directory is what a check reads of the tenant; *graph.Client
// implements it. FindUser answers NotFound for an unknown UPN.
type Directory interface {
	FindUser(ctx context.Context, upn string) (domain.User, error)
	MemberOf(ctx context.Context, userID string) ([]string, error)
}

// Accounts finds a vendor person's service account by external email;
// *engine.Engine implements it (NotFound when there is none).
type Accounts interface {
	AccountOf(ctx context.Context, v domain.Vendor, email string) (domain.User, error)
}

// Checker answers reachability questions. Policy must be resolved against
// Tenant and valid (see Policy).
type Checker struct {
	Tenant    domain.Tenant
	Policy    barriers.Policy
	Directory Directory
	Accounts  Accounts
}

// Party is one side of a question: who was asked about, the account that
// stands for them, and its segments (none when in no segment).
type Party struct {
	Who      string   `json:"who"`
	UPN      string   `json:"upn"`
	Segments []string `json:"segments"`
}

// SegmentsText is the party's segments for a sentence: "no segment" when
// there are none.
func (p Party) SegmentsText() string {
	if len(p.Segments) == 0 {
		return "no segment"
	}
	return strings.Join(p.Segments, ", ")
}

// Answer is the policy's verdict on whether From may reach To.
type Answer struct {
	From    Party            `json:"from"`
	To      Party            `json:"to"`
	Verdict barriers.Verdict `json:"verdict"`
}

// Check answers whether a may reach b; each is a UPN in the tenant's
// domain or a vendor person's external email. Errors: Invalid for a name
// that is neither, NotFound for a person the directory does not have.
func (c Checker) Check(ctx context.Context, a, b string) (Answer, error) {
	from, err := c.Resolve(ctx, a)
	if err != nil {
		return Answer{}, err
	}
	to, err := c.Resolve(ctx, b)
	if err != nil {
		return Answer{}, err
	}
	return Answer{From: from, To: to, Verdict: c.Policy.CheckUsers(from.Segments, to.Segments)}, nil
}

// Resolve finds who's account and segments.
func (c Checker) Resolve(ctx context.Context, who string) (Party, error) {
	who = strings.TrimSpace(who)
	t := c.Tenant
	var u domain.User
	if _, err := domain.ParseUPN(who, t.Domain); err == nil {
		if u, err = c.Directory.FindUser(ctx, who); err != nil {
			return Party{}, fmt.Errorf("%s: %w", who, err)
		}
	} else {
		email, perr := domain.ParseEmail(who)
		if perr != nil {
			return Party{}, domain.Errorf(domain.Invalid, "%q is neither a UPN in %s nor an email address", who, t.Domain)
		}
		v, ok := VendorForEmail(t, email)
		if !ok {
			return Party{}, domain.Errorf(domain.NotFound, "no vendor allows the domain of %s", email)
		}
		if u, err = c.Accounts.AccountOf(ctx, v, email); err != nil {
			return Party{}, err
		}
	}
	groups, err := c.Directory.MemberOf(ctx, u.ID)
	if err != nil {
		return Party{}, fmt.Errorf("groups of %s: %w", u.UPN, err)
	}
	segs, err := barriers.SegmentFor(c.Policy, barriers.UserAttributes(u, groups))
	if err != nil {
		return Party{}, err
	}
	return Party{Who: who, UPN: u.UPN, Segments: segs}, nil
}

// VendorForEmail is the registry's vendor that allows email's domain.
func VendorForEmail(t domain.Tenant, email string) (domain.Vendor, bool) {
	dom := email[strings.LastIndexByte(email, '@')+1:]
	for _, v := range t.Vendors {
		for _, d := range v.EmailDomains {
			if strings.EqualFold(d, dom) {
				return v, true
			}
		}
	}
	return domain.Vendor{}, false
}

// Policy reads a policy file from r (nil: the vendor-isolation preset,
// barriers.DefaultPolicy), resolves it against t's vendor registry and
// validates it.
func Policy(t domain.Tenant, r io.Reader) (barriers.Policy, error) {
	p := barriers.DefaultPolicy()
	if r != nil {
		var err error
		if p, err = barriers.Read(r); err != nil {
			return barriers.Policy{}, err
		}
	}
	p, err := p.Resolve(t)
	if err != nil {
		return barriers.Policy{}, err
	}
	return p, p.Validate()
}

// Unavailable answers every question with Err's reason: what the console
// is given when the barrier policy cannot be built from the vendor
// registry, so that the rest of the app runs on.
type Unavailable struct{ Err error }

// Check implements the console's ReachChecker.
func (u Unavailable) Check(context.Context, string, string) (Answer, error) {
	return Answer{}, domain.Errorf(domain.Invalid, "the barrier policy cannot be built from the vendor registry, so no reachability can be answered: %s; `vendorflow barriers validate` says the same", domain.ErrorMessage(u.Err))
}
