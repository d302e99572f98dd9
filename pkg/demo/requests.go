package demo

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/vendorflow/vendorflow/pkg/domain"
)

// person is one of the seed document's four vendor people.
type person struct {
	vendor, given, surname, email string
	months                        int
	// account names the service account in the request; "" leaves it to
	// the tenant's upnTemplate ({local}_SA).
	account string
}

// seedPeople are the vendors of the seed scenario (DESIGN "The demo
// tenant"); the names are invented, the addresses and the service
// accounts are the seed's Figure 1.2. The template names three of them;
// the Vendor2 person's address has the same local part as a Vendor1
// person's, so that request names its account, as the seed's admin did.
func seedPeople() []person {
	return []person{
		{"Vendor1", "Alex", "Anders", "Vendor1_A@Vendor1.com", 6, ""},
		{"Vendor1", "Blake", "Brandt", "Vendor1_B@Vendor1.com", 6, ""},
		{"Vendor2", "Casey", "Castro", "Vendor1_A@Vendor2.com", 3, "Vendor2_A_SA"},
		{"Contractor", "Dana", "Dahl", "Vendor@Outlook.com", 1, ""},
	}
}

// OnboardRequests returns the four seed onboardings as producers would put
// them on the queue, with contracts that start today.
func OnboardRequests(now time.Time, sponsor string) ([][]byte, error) {
	day := now.UTC().Truncate(24 * time.Hour)
	var out [][]byte
	for i, p := range seedPeople() {
		r := domain.OnboardRequest{
			SchemaVersion:  domain.SchemaVersion,
			RequestID:      fmt.Sprintf("demo-onboard-%d", i+1),
			Vendor:         p.vendor,
			Person:         domain.Person{GivenName: p.given, Surname: p.surname, Email: p.email},
			Contract:       domain.Period{Start: day.Format(time.DateOnly), End: day.AddDate(0, p.months, 0).Format(time.DateOnly)},
			Sponsor:        sponsor,
			ServiceAccount: p.account,
		}
		b, err := json.Marshal(r)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}
