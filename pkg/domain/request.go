package domain

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// SchemaVersion is the request schema version this build understands. The
// JSON Schemas for producers are in schema/.
const SchemaVersion = 1

// Request kinds.
const (
	KindOnboard  = "onboard"
	KindOffboard = "offboard"
)

// OnboardRequest is what procurement puts on the onboarding queue.
type OnboardRequest struct {
	SchemaVersion int    `json:"schemaVersion"`
	RequestID     string `json:"requestId"`
	Vendor        string `json:"vendor"`
	Person        Person `json:"person"`
	Contract      Period `json:"contract"`
	// Sponsor is the internal user (UPN in the tenant domain) responsible
	// for the vendor person.
	Sponsor string `json:"sponsor"`
	// ServiceAccount optionally names the service account: the UPN's local
	// part (e.g. "Vendor2_A_SA"), in the UPN character set, at most 64
	// characters. Without it the tenant's upnTemplate names it, with a
	// numbered name when that one is another person's.
	ServiceAccount string `json:"serviceAccount,omitempty"`
	// ReissueCredential asks for a new credential when the person's
	// account is already active: a contract change (a later or earlier
	// contract.end) otherwise keeps the credential the person has.
	ReissueCredential bool `json:"reissueCredential,omitempty"`
}

// Person is the vendor's person.
type Person struct {
	GivenName string `json:"givenName"`
	Surname   string `json:"surname"`
	// Email is the person's external address; its domain must be allowed
	// for the vendor. Credentials are mailed here.
	Email string `json:"email"`
}

// Period is a contract's start and end, each an RFC 3339 timestamp or a
// date (YYYY-MM-DD, UTC). A date-only end means the end of that day.
type Period struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// OffboardRequest ends an account before (or when) its contract ends.
type OffboardRequest struct {
	SchemaVersion int        `json:"schemaVersion"`
	RequestID     string     `json:"requestId"`
	Account       AccountRef `json:"account"`
	// Reason is free text for the journal (1 to 256 characters).
	Reason string `json:"reason"`
}

// AccountRef names an account by UPN, or by vendor and external email
// (from which the UPN is derived).
type AccountRef struct {
	UPN    string `json:"upn,omitempty"`
	Vendor string `json:"vendor,omitempty"`
	Email  string `json:"email,omitempty"`
}

// Onboarding is a validated, normalised onboard request with everything
// derived from the tenant settings.
type Onboarding struct {
	RequestID     string
	Vendor        Vendor
	Person        Person
	ContractStart time.Time
	ContractEnd   time.Time
	Sponsor       string
	UPN           string
	MailNickname  string
	DisplayName   string
	UsageLocation string
	SKUs          []string
	// UPNs are the names the account may have, in the order they are
	// tried: UPN (the request's serviceAccount, or the template's), then,
	// for a template name only, its numbered alternatives (UPNCandidates).
	UPNs []string
	// Named is set when the request named its service account.
	Named bool
	// Reissue is the request's reissueCredential.
	Reissue bool
}

// WithUPN returns o for the account named upn (one of o.UPNs).
func (o Onboarding) WithUPN(upn string) Onboarding {
	o.UPN, o.MailNickname = upn, MailNickname(upn)
	return o
}

// Offboarding is a validated offboard request.
type Offboarding struct {
	RequestID string
	UPN       string
	Reason    string
	// Email is set when the account was named by vendor and email: UPNs
	// are then the names it may have (UPNCandidates), and the account is
	// the one among them that belongs to Email.
	Email string
	UPNs  []string
}

var requestIDRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$`)

// ValidateOnboard checks every field of r against the tenant settings and
// returns the normalised onboarding, or an *Error (Code Invalid) listing
// every problem with its field path. now is the injected clock's time.
func ValidateOnboard(t Tenant, r OnboardRequest, now time.Time) (Onboarding, error) {
	var ps problems
	if r.SchemaVersion != SchemaVersion {
		ps.add("schemaVersion", fmt.Sprintf("must be %d (got %d)", SchemaVersion, r.SchemaVersion))
	}
	checkRequestID(&ps, r.RequestID)
	v, known := t.Vendor(r.Vendor)
	if !known {
		ps.add("vendor", fmt.Sprintf("unknown vendor %q; known vendors: %s", Clip(r.Vendor), vendorKeys(t)))
	}
	given := checkName(&ps, "person.givenName", r.Person.GivenName)
	surname := checkName(&ps, "person.surname", r.Person.Surname)
	email, err := ParseEmail(r.Person.Email)
	if err != nil {
		ps.add("person.email", err.Error())
	} else if known && !domainAllowed(v, email) {
		ps.add("person.email", fmt.Sprintf("domain %q is not allowed for vendor %s (allowed: %s)",
			email[strings.LastIndexByte(email, '@')+1:], v.Key, strings.Join(v.EmailDomains, ", ")))
	}
	start, errS := parseInstant(r.Contract.Start, false)
	if errS != nil {
		ps.add("contract.start", errS.Error())
	}
	end, errE := parseInstant(r.Contract.End, true)
	if errE != nil {
		ps.add("contract.end", errE.Error())
	}
	if errS == nil && errE == nil {
		switch {
		case !end.After(start):
			ps.add("contract.end", "must be after contract.start")
		case !end.After(now):
			ps.add("contract.end", fmt.Sprintf("the contract ended at %s; nothing to onboard", end.Format(time.RFC3339)))
		case end.Sub(start) > time.Duration(t.MaxContract):
			ps.add("contract.end", fmt.Sprintf("contract is longer than the maximum of %s", time.Duration(t.MaxContract)))
		}
	}
	sponsor, err := ParseUPN(r.Sponsor, t.Domain)
	if err != nil {
		ps.add("sponsor", "must be an internal user: "+err.Error())
	}
	var named string
	if r.ServiceAccount != "" {
		named, err = checkServiceAccount(t, r.ServiceAccount)
		if err != nil {
			ps.add("serviceAccount", err.Error())
		}
	}
	if len(ps) > 0 {
		return Onboarding{}, ps.err("invalid onboard request")
	}
	p := Person{GivenName: given, Surname: surname, Email: email}
	upns := []string{named}
	if named == "" {
		if upns, err = UPNCandidates(t, v, p); err != nil {
			return Onboarding{}, &Error{Code: Invalid, Message: "invalid onboard request", Problems: []Problem{{Field: "person.email", Message: err.Error()}}}
		}
	}
	upn := upns[0]
	loc := t.UsageLocation
	if v.UsageLocation != "" {
		loc = v.UsageLocation
	}
	return Onboarding{
		RequestID:     r.RequestID,
		Vendor:        v,
		Person:        p,
		ContractStart: start,
		ContractEnd:   end,
		Sponsor:       sponsor,
		UPN:           upn,
		MailNickname:  MailNickname(upn),
		DisplayName:   fmt.Sprintf("%s %s (%s)", given, surname, v.DisplayName),
		UsageLocation: loc,
		SKUs:          append([]string(nil), t.SKUsFor(v)...),
		UPNs:          upns,
		Named:         named != "",
		Reissue:       r.ReissueCredential,
	}, nil
}

// checkServiceAccount checks a requested service-account name (the UPN's
// local part) and returns the UPN. The tenant's sender mailbox is refused.
func checkServiceAccount(t Tenant, name string) (string, error) {
	if strings.Contains(name, "@") {
		return "", fmt.Errorf("%q: give the name before '@' only; the domain is always %s", Clip(name), t.Domain)
	}
	upn, err := ParseUPN(name+"@"+t.Domain, t.Domain)
	if err != nil {
		return "", fmt.Errorf("not a usable UPN name: %w", err)
	}
	if strings.EqualFold(upn, t.Sender) {
		return "", fmt.Errorf("%q is the tenant's sender mailbox", name)
	}
	return upn, nil
}

// ValidateOffboard checks an offboard request and resolves the UPN.
func ValidateOffboard(t Tenant, r OffboardRequest) (Offboarding, error) {
	var ps problems
	if r.SchemaVersion != SchemaVersion {
		ps.add("schemaVersion", fmt.Sprintf("must be %d (got %d)", SchemaVersion, r.SchemaVersion))
	}
	checkRequestID(&ps, r.RequestID)
	reason := strings.TrimSpace(r.Reason)
	if reason == "" || utf8.RuneCountInString(reason) > 256 || strings.IndexFunc(reason, unicode.IsControl) >= 0 {
		ps.add("reason", "must be 1 to 256 characters without control characters")
	}
	var (
		upn, byEmail string
		upns         []string
	)
	ref := r.Account
	switch {
	case ref.UPN != "" && (ref.Vendor != "" || ref.Email != ""):
		ps.add("account", "give either upn, or vendor and email, not both")
	case ref.UPN != "":
		u, err := ParseUPN(ref.UPN, t.Domain)
		if err != nil {
			ps.add("account.upn", err.Error())
		}
		upn = u
	case ref.Vendor != "" || ref.Email != "":
		v, ok := t.Vendor(ref.Vendor)
		if !ok {
			ps.add("account.vendor", fmt.Sprintf("unknown vendor %q; known vendors: %s", Clip(ref.Vendor), vendorKeys(t)))
		}
		email, err := ParseEmail(ref.Email)
		if err != nil {
			ps.add("account.email", err.Error())
		}
		if ok && err == nil {
			us, err := UPNCandidates(t, v, Person{Email: email})
			if err != nil {
				ps.add("account.email", err.Error())
			} else {
				upn, upns, byEmail = us[0], us, email
			}
		}
	default:
		ps.add("account", "must give upn, or vendor and email")
	}
	if len(ps) > 0 {
		return Offboarding{}, ps.err("invalid offboard request")
	}
	if upns == nil {
		upns = []string{upn}
	}
	return Offboarding{RequestID: r.RequestID, UPN: upn, Reason: reason, Email: byEmail, UPNs: upns}, nil
}

// ValidRequestID reports whether id is usable as a request id.
func ValidRequestID(id string) bool { return requestIDRE.MatchString(id) }

// RequestIDRule is what ValidRequestID checks, in words.
const RequestIDRule = "must be 1 to 64 characters: letters, digits, '.', '_', ':' or '-', starting with a letter or digit"

func checkRequestID(ps *problems, id string) {
	if !ValidRequestID(id) {
		ps.add("requestId", RequestIDRule)
	}
}

// checkName accepts 1 to 64 characters of letters (any script), marks,
// spaces, apostrophes, hyphens and dots, and returns the trimmed name.
func checkName(ps *problems, field, s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		ps.add(field, "is required")
		return ""
	}
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > 64 {
		ps.add(field, "must be at most 64 characters of valid text")
		return ""
	}
	for _, r := range s {
		if !(unicode.IsLetter(r) || unicode.Is(unicode.Mn, r) || r == ' ' || r == '\'' || r == '-' || r == '.' || r == '’') {
			ps.add(field, fmt.Sprintf("contains %q; only letters, spaces, apostrophes, hyphens and dots are allowed", r))
			return ""
		}
	}
	return strings.Join(strings.Fields(s), " ")
}

func domainAllowed(v Vendor, email string) bool {
	dom := email[strings.LastIndexByte(email, '@')+1:]
	for _, d := range v.EmailDomains {
		if strings.EqualFold(d, dom) {
			return true
		}
	}
	return false
}

// parseInstant reads RFC 3339 or a date; a date-only end is the end of that
// day (the next midnight, UTC).
func parseInstant(s string, end bool) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, fmt.Errorf("is required (RFC 3339 timestamp or YYYY-MM-DD)")
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither an RFC 3339 timestamp nor a YYYY-MM-DD date", Clip(s))
	}
	if end {
		d = d.AddDate(0, 0, 1)
	}
	return d, nil
}

func vendorKeys(t Tenant) string {
	keys := make([]string, len(t.Vendors))
	for i, v := range t.Vendors {
		keys[i] = v.Key
	}
	return strings.Join(keys, ", ")
}

// Clip shortens user-supplied text quoted in error messages.
func Clip(s string) string {
	if utf8.RuneCountInString(s) <= 40 {
		return s
	}
	r := []rune(s)
	return string(r[:40]) + "…"
}
