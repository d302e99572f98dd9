package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"

	"github.com/vendorflow/vendorflow/pkg/tenantsim"
)

// The emulator's admin API (/_sim/), read and written over HTTP as an
// operator would.

func (s *stack) simDo(method, path string, body, into any) {
	s.t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			s.t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.simURL+"/_sim/"+path, r)
	if err != nil {
		s.t.Fatal(err)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		s.t.Fatalf("%s /_sim/%s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatalf("%s /_sim/%s: %v", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		s.t.Fatalf("%s /_sim/%s: HTTP %d: %s", method, path, resp.StatusCode, b)
	}
	if into != nil {
		if err := json.Unmarshal(b, into); err != nil {
			s.t.Fatalf("%s /_sim/%s: %v", method, path, err)
		}
	}
}

// users are the emulator's live users.
func (s *stack) users() []tenantsim.User {
	var u []tenantsim.User
	s.simDo(http.MethodGet, "users", nil, &u)
	return u
}

// managed are the live users that carry vendorflow's marker (the demo
// configuration: extensionAttribute15 = "vendorflow").
func (s *stack) managed() []tenantsim.User {
	return slices.DeleteFunc(s.users(), func(u tenantsim.User) bool {
		return u.OnPremisesExtensionAttributes.ExtensionAttribute15 != "vendorflow"
	})
}

// user is the live user with this UPN; ok is false if there is none.
func (s *stack) user(upn string) (tenantsim.User, bool) {
	for _, u := range s.users() {
		if strings.EqualFold(u.UserPrincipalName, upn) {
			return u, true
		}
	}
	return tenantsim.User{}, false
}

// mustUser is user that fails the test when there is none.
func (s *stack) mustUser(upn string) tenantsim.User {
	s.t.Helper()
	u, ok := s.user(upn)
	if !ok {
		s.t.Fatalf("the tenant has no user %s", upn)
	}
	return u
}

// deleted are the soft-deleted users.
func (s *stack) deleted() []tenantsim.User {
	var u []tenantsim.User
	s.simDo(http.MethodGet, "deleted", nil, &u)
	return u
}

// remoteAssist is the MICROSOFT_REMOTE_ASSIST SKU, with consumedUnits.
func (s *stack) remoteAssist() tenantsim.SKU {
	s.t.Helper()
	var skus []tenantsim.SKU
	s.simDo(http.MethodGet, "skus", nil, &skus)
	for _, k := range skus {
		if k.SkuPartNumber == tenantsim.PartRemoteAssist {
			return k
		}
	}
	s.t.Fatalf("the tenant has no %s SKU: %+v", tenantsim.PartRemoteAssist, skus)
	return tenantsim.SKU{}
}

// outbox is the captured mail, oldest first. Bodies hold Temporary Access
// Passes: the tests never print them.
func (s *stack) outbox() []tenantsim.Mail {
	var m []tenantsim.Mail
	s.simDo(http.MethodGet, "outbox", nil, &m)
	return m
}

// mailsTo counts the captured mails per recipient.
func mailsTo(mails []tenantsim.Mail) map[string]int {
	n := map[string]int{}
	for _, m := range mails {
		for _, to := range m.To {
			n[strings.ToLower(to)]++
		}
	}
	return n
}

// stats is the emulator's Graph request log.
func (s *stack) stats() tenantsim.Stats {
	var st tenantsim.Stats
	s.simDo(http.MethodGet, "stats", nil, &st)
	return st
}

// setFaults replaces the emulator's fault settings.
func (s *stack) setFaults(f tenantsim.Faults) {
	s.t.Helper()
	s.simDo(http.MethodPut, "faults", f, nil)
}

// allRoutes is a fault setting for every Graph route.
func allRoutes(seed int64, rf tenantsim.RouteFaults) tenantsim.Faults {
	return tenantsim.Faults{Seed: seed, Routes: map[string]tenantsim.RouteFaults{tenantsim.AllRoutes: rf}}
}

// hasLicense reports whether u holds skuID.
func hasLicense(u tenantsim.User, skuID string) bool {
	return slices.ContainsFunc(u.AssignedLicenses, func(l tenantsim.AssignedLicense) bool { return l.SkuID == skuID })
}

// describeUser is a one-line summary for failure messages (no secrets).
func describeUser(u tenantsim.User) string {
	var skus []string
	for _, l := range u.AssignedLicenses {
		skus = append(skus, l.SkuID)
	}
	return fmt.Sprintf("%s enabled=%t company=%q groups=%v licenses=%v leave=%s sessionsValidFrom=%s",
		u.UserPrincipalName, u.AccountEnabled, u.CompanyName, u.MemberOf, skus,
		u.EmployeeLeaveDateTime.Format("2006-01-02T15:04:05Z07:00"), u.SignInSessionsValidFromDateTime.Format("15:04:05.000"))
}

// abandonedResponses counts the Graph requests whose client went away while
// the emulator delayed the response (its debug log).
func (s *stack) abandonedResponses() int {
	s.t.Helper()
	b, err := os.ReadFile(s.sim.stderr)
	if err != nil {
		s.t.Fatal(err)
	}
	return strings.Count(string(b), "client gave up during slow response")
}

// validCredential reports whether the last credential mailed to p signs
// p in, and no earlier one does, judged by the emulator (POST /_sim/signin).
func (s *stack) validCredential(p person) bool {
	s.t.Helper()
	var passes []string
	for _, m := range s.outbox() {
		if len(m.To) == 1 && strings.EqualFold(m.To[0], p.email()) {
			if pass := mailedPass(m.Body); pass != "" {
				passes = append(passes, pass)
			}
		}
	}
	if len(passes) == 0 {
		return false
	}
	for i, pass := range passes {
		var r struct{ Valid bool }
		s.simDo(http.MethodPost, "signin", tenantsim.SignInCheck{UserPrincipalName: p.upn(), TemporaryAccessPass: pass}, &r)
		if r.Valid != (i == len(passes)-1) {
			s.t.Logf("%s: pass %d of %d mailed: valid=%v", p.upn(), i+1, len(passes), r.Valid)
			return false
		}
	}
	return true
}

// mailedPass is the Temporary Access Pass in a credential mail's body.
func mailedPass(body string) string {
	const key = "Temporary Access Pass:"
	i := strings.Index(body, key)
	if i < 0 {
		return ""
	}
	line, _, _ := strings.Cut(body[i+len(key):], "\n")
	return strings.TrimSpace(line)
}
