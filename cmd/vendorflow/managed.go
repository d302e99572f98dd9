package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/tenantsim"
)

// maxManaged bounds `tenantsim --managed`.
const maxManaged = 1_000_000

// managedAccounts returns n service accounts as vendorflow's onboarding
// would have made them in tenant t (domain.DesiredUser: marker, segment,
// contract end, external email), spread over the tenant's vendors: the
// first round(n·expiredShare) with contracts that ended a day before now,
// the others ending in 90 days. They hold no licence. Benchmarks of the
// expiry sweep seed the emulator with them (`vendorflow tenantsim
// --managed N --expired-share X`).
func managedAccounts(t domain.Tenant, n int, expiredShare float64, now time.Time) ([]tenantsim.User, error) {
	if n < 0 || n > maxManaged {
		return nil, domain.Errorf(domain.Invalid, "--managed %d outside 0..%d", n, maxManaged)
	}
	if !(expiredShare >= 0 && expiredShare <= 1) {
		return nil, domain.Errorf(domain.Invalid, "--expired-share %v outside 0..1", expiredShare)
	}
	if len(t.Vendors) == 0 {
		return nil, domain.Errorf(domain.Invalid, "the tenant has no vendors to make accounts for")
	}
	expired := int(float64(n)*expiredShare + 0.5)
	end := now.Add(90 * 24 * time.Hour).UTC()
	out := make([]tenantsim.User, 0, n)
	for i := range n {
		v := t.Vendors[i%len(t.Vendors)]
		local := "m" + strconv.Itoa(i+1)
		mail := local + "@managed.example"
		if len(v.EmailDomains) > 0 {
			mail = local + "@" + v.EmailDomains[0]
		}
		req := domain.OnboardRequest{
			SchemaVersion: domain.SchemaVersion, RequestID: "seed-" + local, Vendor: v.Key,
			Person:         domain.Person{GivenName: "Managed", Surname: "Account", Email: mail},
			Contract:       domain.Period{Start: now.AddDate(0, -1, 0).Format(time.DateOnly), End: end.Format(time.DateOnly)},
			Sponsor:        "sponsor@" + t.Domain,
			ServiceAccount: local + "_SA",
		}
		o, err := domain.ValidateOnboard(t, req, now)
		if err != nil {
			return nil, fmt.Errorf("managed account %d: %w", i+1, err)
		}
		d := domain.DesiredUser(t, o)
		if i < expired {
			d.EmployeeLeaveDateTime = now.Add(-24 * time.Hour).UTC()
		}
		out = append(out, simUser(d))
	}
	return out, nil
}

// simUser is a directory user in the emulator's form.
func simUser(d domain.User) tenantsim.User {
	u := tenantsim.User{
		AccountEnabled: d.AccountEnabled, DisplayName: d.DisplayName, GivenName: d.GivenName, Surname: d.Surname,
		MailNickname: d.MailNickname, UserPrincipalName: d.UPN, UsageLocation: d.UsageLocation,
		CompanyName: d.CompanyName, Department: d.Department, EmployeeType: d.EmployeeType,
		EmployeeLeaveDateTime: d.EmployeeLeaveDateTime, OtherMails: d.OtherMails, UserType: "Member",
	}
	for k, v := range d.Extensions {
		if n, err := strconv.Atoi(strings.TrimPrefix(k, "extensionAttribute")); err == nil {
			u.OnPremisesExtensionAttributes.Set(n, v)
		}
	}
	return u
}
