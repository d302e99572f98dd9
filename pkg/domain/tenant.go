package domain

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Defaults for Tenant settings.
const (
	DefaultUPNTemplate      = "{local}_SA"
	DefaultUsageLocation    = "US"
	DefaultSegmentAttribute = "companyName"
	DefaultMarkerAttribute  = "extensionAttribute15"
	DefaultMarkerValue      = "vendorflow"
	DefaultRequestAttribute = "extensionAttribute14"
	DefaultEmployeeType     = "Vendor"
	DefaultTAPLifetime      = 8 * time.Hour
	DefaultMaxContract      = 2 * 366 * 24 * time.Hour
	DefaultRetention        = 30 * 24 * time.Hour
	DefaultExpiryWarning    = 14 * 24 * time.Hour
	// RemoteAssistSKU is the skuPartNumber of Dynamics 365 Remote Assist
	// (REFERENCE §2 "Licenses").
	RemoteAssistSKU = "MICROSOFT_REMOTE_ASSIST"
)

// BarrierProducts are the products whose licence makes information
// barriers apply to a user, by skuPartNumber. The seed's step 3 and
// REFERENCE §3 name the products. Microsoft's "Product names and service
// plan identifiers for licensing" (MicrosoftDocs/entra-docs,
// licensing-service-plan-reference.md) lists the INFORMATION_BARRIERS
// service plan in the E5 products; the part numbers below are the ones
// that table and common tenant reports use, EQUIVIO_ANALYTICS (Office 365
// Advanced Compliance) being the one not checked against Microsoft's table
// here. A tenant whose barrier licence is another product lists it in skus
// and sets informationBarriers: off, which turns this check off.
var BarrierProducts = []BarrierProduct{
	{"SPE_E5", "Microsoft 365 E5"},
	{"ENTERPRISEPREMIUM", "Office 365 E5"},
	{"EQUIVIO_ANALYTICS", "Office 365 Advanced Compliance"},
	{"INFORMATION_PROTECTION_COMPLIANCE", "Microsoft 365 E5 Information Protection and Compliance"},
}

// BarrierProduct is one information-barrier-capable product.
type BarrierProduct struct{ PartNumber, Name string }

// BarrierCapable reports whether part is the skuPartNumber of one of the
// BarrierProducts.
func BarrierCapable(part string) bool {
	for _, p := range BarrierProducts {
		if strings.EqualFold(p.PartNumber, part) {
			return true
		}
	}
	return false
}

func barrierProductList() string {
	var b strings.Builder
	for i, p := range BarrierProducts {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s (%s)", p.Name, p.PartNumber)
	}
	return b.String()
}

// Information-barrier modes (Tenant.InformationBarriers).
const (
	// BarriersOn: every account is placed in its vendor's segment and
	// must hold an information-barrier-capable licence (the default).
	BarriersOn = "on"
	// BarriersOff: the segment attribute is still written, but no barrier
	// licence is required or assigned: barriers are not enforced.
	BarriersOff = "off"
)

// Credential kinds.
const (
	CredentialTAP      = "tap"
	CredentialPassword = "password"
)

// Vendor kinds: a company whose people may reach each other, or independent
// contractors, each isolated from every other vendor.
const (
	VendorCompany    = "company"
	VendorContractor = "contractor"
)

// Duration is a time.Duration that reads and writes as a Go duration string
// ("8h", "720h") in JSON and YAML.
type Duration time.Duration

// MarshalJSON writes d as a duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads a duration string, or a number of seconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		var secs float64
		if err2 := json.Unmarshal(b, &secs); err2 != nil {
			return fmt.Errorf("duration must be a string like \"8h\" or a number of seconds: %w", err)
		}
		*d = Duration(time.Duration(secs * float64(time.Second)))
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("duration %q: %w", s, err)
	}
	*d = Duration(v)
	return nil
}

// Vendor is one entry of the vendor registry: who may be onboarded under
// this key, and where their accounts go.
type Vendor struct {
	// Key names the vendor in requests and in UPNs ([A-Za-z0-9]{1,20}).
	Key string `json:"key"`
	// DisplayName is the vendor company's name (companyName on accounts
	// unless the segment attribute is companyName).
	DisplayName string `json:"displayName"`
	// Kind is "company" (people of one company may reach each other) or
	// "contractor" (isolated from every other vendor).
	Kind string `json:"kind,omitempty"`
	// EmailDomains lists the external email domains allowed for this vendor.
	EmailDomains []string `json:"emailDomains"`
	// Segment is the information-barrier segment; its name is the value
	// written to the tenant's segment attribute.
	Segment string `json:"segment"`
	// SegmentGroupID optionally names a group that holds the segment's
	// members (for MemberOf filters or plain bookkeeping).
	SegmentGroupID string `json:"segmentGroupId,omitempty"`
	// SKUs replaces the tenant's default SKU part numbers for this vendor.
	SKUs []string `json:"skus,omitempty"`
	// BarrierSKU replaces the tenant's barrierSku for this vendor.
	BarrierSKU string `json:"barrierSku,omitempty"`
	// EmployeeType written on accounts (default "Vendor").
	EmployeeType string `json:"employeeType,omitempty"`
	// UsageLocation overrides the tenant's default.
	UsageLocation string `json:"usageLocation,omitempty"`
}

// Credentials configures how sign-in credentials reach the vendor.
type Credentials struct {
	// Kind is "tap" (Temporary Access Pass, default) or "password".
	Kind string `json:"kind"`
	// TAPLifetime is the TAP's lifetime (10 min to 30 days, REFERENCE §2).
	TAPLifetime Duration `json:"tapLifetime"`
	// SignInURL is mentioned in the mail.
	SignInURL string `json:"signInUrl"`
}

// Tenant holds every setting that shapes a service account.
type Tenant struct {
	// Domain is the tenant's verified domain the service accounts live in.
	Domain string `json:"domain"`
	// UPNTemplate renders the UPN's local part from {vendor}, {local},
	// {given} and {surname}; the result is made safe for UPNs.
	UPNTemplate string `json:"upnTemplate"`
	// UsageLocation is the ISO 3166 alpha-2 code set at creation.
	UsageLocation string `json:"usageLocation"`
	// SKUs lists skuPartNumbers assigned to every account by default.
	SKUs []string `json:"skus"`
	// InformationBarriers is "on" (default) or "off". When on, every
	// account (each is placed in its vendor's segment) also receives an
	// information-barrier-capable licence: BarrierSKU, or its vendor's.
	InformationBarriers string `json:"informationBarriers"`
	// BarrierSKU is the skuPartNumber of the information-barrier-capable
	// licence every account receives when barriers are on (one of
	// BarrierProducts), unless its vendor names another or its SKUs
	// already hold one.
	BarrierSKU string `json:"barrierSku"`
	// SegmentAttribute is the user property the segment filters read:
	// companyName, department or extensionAttribute1..15.
	SegmentAttribute string `json:"segmentAttribute"`
	// MarkerAttribute (an extensionAttributeN) holds MarkerValue on every
	// account vendorflow manages; nothing else is ever modified.
	MarkerAttribute string `json:"markerAttribute"`
	MarkerValue     string `json:"markerValue"`
	// RequestAttribute (an extensionAttributeN) holds the id of the request
	// that last shaped the account (the correlation id).
	RequestAttribute string `json:"requestAttribute"`
	// Sender is the mailbox credentials are mailed from.
	Sender string `json:"sender"`
	// Credentials configures delivery.
	Credentials Credentials `json:"credentials"`
	// MaxContract is the longest contract accepted.
	MaxContract Duration `json:"maxContract"`
	// Retention is how long an offboarded account is kept before deletion.
	Retention Duration `json:"retention"`
	// ExpiryWarning is how long before a contract ends its sponsor is
	// warned, once per contract end (default 14 days; a negative value
	// turns warnings off).
	ExpiryWarning Duration `json:"expiryWarning"`
	// DriftMail says who is told of a drift repair: "" (no one, the
	// default; the journal still records it), "sponsor" (the account's
	// sponsor), or a mailbox address (an ops team).
	DriftMail string `json:"driftMail,omitempty"`
	// Vendors is the vendor registry.
	Vendors []Vendor `json:"vendors"`
}

// DriftMailSponsor is the DriftMail value that mails the account's sponsor.
const DriftMailSponsor = "sponsor"

var (
	vendorKeyRE  = regexp.MustCompile(`^[A-Za-z0-9]{1,20}$`)
	domainRE     = regexp.MustCompile(`^(?i)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$`)
	countryRE    = regexp.MustCompile(`^[A-Z]{2}$`)
	extAttrRE    = regexp.MustCompile(`^extensionAttribute([1-9]|1[0-5])$`)
	skuPartRE    = regexp.MustCompile(`^[A-Za-z0-9_]{1,64}$`)
	segmentRE    = regexp.MustCompile(`^[A-Za-z0-9 _.-]{1,64}$`)
	placeholders = []string{"{vendor}", "{local}", "{given}", "{surname}"}
)

// SetDefaults fills unset settings.
func (t *Tenant) SetDefaults() {
	if t.UPNTemplate == "" {
		t.UPNTemplate = DefaultUPNTemplate
	}
	if t.UsageLocation == "" {
		t.UsageLocation = DefaultUsageLocation
	}
	if len(t.SKUs) == 0 {
		t.SKUs = []string{RemoteAssistSKU}
	}
	switch strings.ToLower(t.InformationBarriers) {
	case "", "true":
		// YAML 1.1 reads an unquoted on as true, and off as false
		t.InformationBarriers = BarriersOn
	case "false":
		t.InformationBarriers = BarriersOff
	}
	if t.SegmentAttribute == "" {
		t.SegmentAttribute = DefaultSegmentAttribute
	}
	if t.MarkerAttribute == "" {
		t.MarkerAttribute = DefaultMarkerAttribute
	}
	if t.MarkerValue == "" {
		t.MarkerValue = DefaultMarkerValue
	}
	if t.RequestAttribute == "" {
		t.RequestAttribute = DefaultRequestAttribute
	}
	if t.Credentials.Kind == "" {
		t.Credentials.Kind = CredentialTAP
	}
	if t.Credentials.TAPLifetime == 0 {
		t.Credentials.TAPLifetime = Duration(DefaultTAPLifetime)
	}
	if t.Credentials.SignInURL == "" {
		t.Credentials.SignInURL = "https://aka.ms/mfasetup"
	}
	if t.MaxContract == 0 {
		t.MaxContract = Duration(DefaultMaxContract)
	}
	if t.Retention == 0 {
		t.Retention = Duration(DefaultRetention)
	}
	if t.ExpiryWarning == 0 {
		t.ExpiryWarning = Duration(DefaultExpiryWarning)
	}
	for i := range t.Vendors {
		v := &t.Vendors[i]
		if v.Kind == "" {
			v.Kind = VendorCompany
		}
		if v.EmployeeType == "" {
			v.EmployeeType = DefaultEmployeeType
		}
	}
}

// Validate reports every problem with the settings, with field paths.
func (t Tenant) Validate() error {
	var ps problems
	if !domainRE.MatchString(t.Domain) {
		ps.add("domain", "must be a DNS domain such as contoso.com")
	}
	if err := checkTemplate(t.UPNTemplate); err != nil {
		ps.add("upnTemplate", err.Error())
	}
	if !countryRE.MatchString(t.UsageLocation) {
		ps.add("usageLocation", "must be an ISO 3166 alpha-2 code in capitals, such as US")
	}
	if len(t.SKUs) == 0 {
		ps.add("skus", "must list at least one skuPartNumber")
	}
	for i, s := range t.SKUs {
		if !skuPartRE.MatchString(s) {
			ps.add(fmt.Sprintf("skus[%d]", i), "must be a skuPartNumber such as MICROSOFT_REMOTE_ASSIST")
		}
	}
	switch t.InformationBarriers {
	case BarriersOn, BarriersOff:
	default:
		ps.add("informationBarriers", `must be "on" or "off"`)
	}
	if t.DriftMail != "" && t.DriftMail != DriftMailSponsor {
		if _, err := ParseEmail(t.DriftMail); err != nil {
			ps.add("driftMail", `must be "", "sponsor" or a mailbox address: `+err.Error())
		}
	}
	if t.BarrierSKU != "" && !BarrierCapable(t.BarrierSKU) {
		ps.add("barrierSku", fmt.Sprintf("%q is not information-barrier-capable; use one of %s", t.BarrierSKU, barrierProductList()))
	}
	switch {
	case t.SegmentAttribute == "companyName", t.SegmentAttribute == "department", extAttrRE.MatchString(t.SegmentAttribute):
	default:
		ps.add("segmentAttribute", "must be companyName, department or extensionAttribute1..15")
	}
	if !extAttrRE.MatchString(t.MarkerAttribute) {
		ps.add("markerAttribute", "must be extensionAttribute1..15")
	}
	if !extAttrRE.MatchString(t.RequestAttribute) {
		ps.add("requestAttribute", "must be extensionAttribute1..15")
	}
	if t.MarkerAttribute == t.RequestAttribute || t.MarkerAttribute == t.SegmentAttribute || t.RequestAttribute == t.SegmentAttribute {
		ps.add("markerAttribute", "markerAttribute, requestAttribute and segmentAttribute must be three different properties")
	}
	if t.MarkerValue == "" || len(t.MarkerValue) > 64 {
		ps.add("markerValue", "must be 1 to 64 characters")
	}
	if _, err := ParseUPN(t.Sender, t.Domain); err != nil {
		ps.add("sender", "must be a mailbox in the tenant domain: "+err.Error())
	}
	switch t.Credentials.Kind {
	case CredentialTAP, CredentialPassword:
	default:
		ps.add("credentials.kind", `must be "tap" or "password"`)
	}
	if lt := time.Duration(t.Credentials.TAPLifetime); lt < 10*time.Minute || lt > 43200*time.Minute {
		ps.add("credentials.tapLifetime", "must be between 10m and 720h (REFERENCE: 10 to 43200 minutes)")
	}
	if time.Duration(t.MaxContract) < 24*time.Hour {
		ps.add("maxContract", "must be at least 24h")
	}
	if time.Duration(t.Retention) < 0 {
		ps.add("retention", "must not be negative")
	}
	if len(t.Vendors) == 0 {
		ps.add("vendors", "must list at least one vendor")
	}
	keys := map[string]bool{}
	domains := map[string]string{}
	for i, v := range t.Vendors {
		f := fmt.Sprintf("vendors[%d]", i)
		if !vendorKeyRE.MatchString(v.Key) {
			ps.add(f+".key", "must be 1 to 20 letters or digits")
		} else if keys[strings.ToLower(v.Key)] {
			ps.add(f+".key", fmt.Sprintf("duplicate vendor key %q", v.Key))
		}
		keys[strings.ToLower(v.Key)] = true
		if strings.TrimSpace(v.DisplayName) == "" || len(v.DisplayName) > 64 {
			ps.add(f+".displayName", "must be 1 to 64 characters")
		}
		if v.Kind != VendorCompany && v.Kind != VendorContractor {
			ps.add(f+".kind", `must be "company" or "contractor"`)
		}
		if len(v.EmailDomains) == 0 {
			ps.add(f+".emailDomains", "must list at least one domain")
		}
		for j, d := range v.EmailDomains {
			df := fmt.Sprintf("%s.emailDomains[%d]", f, j)
			if !domainRE.MatchString(d) {
				ps.add(df, fmt.Sprintf("%q is not a DNS domain", d))
				continue
			}
			ld := strings.ToLower(d)
			if other, ok := domains[ld]; ok && v.Kind == VendorCompany {
				ps.add(df, fmt.Sprintf("domain %q is already allowed for vendor %q; a company domain belongs to one vendor", d, other))
			}
			domains[ld] = v.Key
		}
		if !segmentRE.MatchString(v.Segment) {
			ps.add(f+".segment", "must be 1 to 64 letters, digits, spaces, '_', '.' or '-'")
		}
		for j, s := range v.SKUs {
			if !skuPartRE.MatchString(s) {
				ps.add(fmt.Sprintf("%s.skus[%d]", f, j), "must be a skuPartNumber")
			}
		}
		if v.BarrierSKU != "" && !BarrierCapable(v.BarrierSKU) {
			ps.add(f+".barrierSku", fmt.Sprintf("%q is not information-barrier-capable; use one of %s", v.BarrierSKU, barrierProductList()))
		}
		if t.InformationBarriers == BarriersOn && !slices.ContainsFunc(t.SKUsFor(v), BarrierCapable) {
			ps.add(f+".barrierSku", fmt.Sprintf("accounts of %s are placed in segment %q, and information barriers apply only to users with a licence of %s: set tenant.barrierSku (or this vendor's barrierSku), or informationBarriers: off", v.Key, v.Segment, barrierProductList()))
		}
		if v.UsageLocation != "" && !countryRE.MatchString(v.UsageLocation) {
			ps.add(f+".usageLocation", "must be an ISO 3166 alpha-2 code in capitals")
		}
		if len(v.EmployeeType) > 64 {
			ps.add(f+".employeeType", "must be at most 64 characters")
		}
	}
	return ps.err("invalid tenant settings")
}

// Vendor returns the registry entry for key (case-insensitive).
func (t Tenant) Vendor(key string) (Vendor, bool) {
	for _, v := range t.Vendors {
		if strings.EqualFold(v.Key, key) {
			return v, true
		}
	}
	return Vendor{}, false
}

// SKUsFor returns the skuPartNumbers an account of vendor v receives: the
// vendor's SKUs (else the tenant's) and, when barriers are on and none of
// those is barrier-capable, the vendor's barrierSku (else the tenant's).
// They are assigned in one assignLicense call.
func (t Tenant) SKUsFor(v Vendor) []string {
	skus := t.SKUs
	if len(v.SKUs) > 0 {
		skus = v.SKUs
	}
	out := slices.Clone(skus)
	if t.InformationBarriers == BarriersOff || slices.ContainsFunc(out, BarrierCapable) {
		return out
	}
	b := v.BarrierSKU
	if b == "" {
		b = t.BarrierSKU
	}
	if b != "" {
		out = append(out, b)
	}
	return out
}

// ManagedSKUs returns every skuPartNumber vendorflow may assign (what
// offboarding takes away): every vendor's SKUsFor and the tenant's.
func (t Tenant) ManagedSKUs() map[string]bool {
	m := map[string]bool{}
	add := func(parts []string) {
		for _, p := range parts {
			m[strings.ToUpper(p)] = true
		}
	}
	add(t.SKUs)
	if t.BarrierSKU != "" && t.InformationBarriers != BarriersOff {
		add([]string{t.BarrierSKU})
	}
	for _, v := range t.Vendors {
		add(t.SKUsFor(v))
	}
	return m
}

func checkTemplate(tpl string) error {
	if !strings.Contains(tpl, "{local}") {
		return fmt.Errorf("must contain {local} so that different people get different accounts")
	}
	rest := tpl
	for _, p := range placeholders {
		rest = strings.ReplaceAll(rest, p, "")
	}
	if strings.ContainsAny(rest, "{}@") {
		return fmt.Errorf("unknown placeholder or '@' in %q (known: %s)", tpl, strings.Join(placeholders, ", "))
	}
	return nil
}

// problems accumulates validation problems.
type problems []Problem

func (ps *problems) add(field, msg string) { *ps = append(*ps, Problem{Field: field, Message: msg}) }

func (ps problems) err(msg string) error {
	if len(ps) == 0 {
		return nil
	}
	return &Error{Code: Invalid, Message: msg, Problems: ps}
}
