package domain

import "testing"

// FuzzDeriveUPN: whatever the person's names and email, a derived UPN is
// one the tenant accepts (ParseUPN) and the same person always gets the
// same one; every candidate is distinct and acceptable too.
func FuzzDeriveUPN(f *testing.F) {
	for _, s := range [][3]string{
		{"Ann", "Lee", "ann@vendor1.com"},
		{"Zoë", "O'Brien-Smith", "zoe.obrien@vendor1.com"},
		{"", "", "@x"},
		{"名", "字", "名字@vendor1.com"},
		{"A\u202eB", "C\x00D", "a b@c@vendor1.com"},
		{string(make([]byte, 300)), "x", "y@vendor1.com"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	t0 := demoTenant()
	v := t0.Vendors[0]
	f.Fuzz(func(t *testing.T, given, surname, email string) {
		p := Person{GivenName: given, Surname: surname, Email: email}
		upn, err := DeriveUPN(t0, v, p)
		if err != nil {
			return
		}
		if got, err := ParseUPN(upn, t0.Domain); err != nil || got != upn {
			t.Fatalf("DeriveUPN(%q, %q, %q) = %q, which the tenant refuses: %q, %v", given, surname, email, upn, got, err)
		}
		if again, _ := DeriveUPN(t0, v, p); again != upn {
			t.Fatalf("the same person got %q, then %q", upn, again)
		}
		cands, err := UPNCandidates(t0, v, p)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, c := range cands {
			if seen[c] {
				t.Fatalf("candidate %q twice", c)
			}
			seen[c] = true
			if _, err := ParseUPN(c, t0.Domain); err != nil {
				t.Fatalf("candidate %q refused: %v", c, err)
			}
		}
	})
}
