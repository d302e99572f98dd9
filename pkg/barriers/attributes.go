package barriers

import (
	"fmt"
	"strconv"
	"strings"
)

// Attributes returns the attribute names a segment filter may use, as
// Microsoft spells them: the Azure AD (Entra) column of the reference table
// in "Attributes for information barrier policies" (REFERENCE §3 lists the
// ones vendorflow writes: Company, Department, ExtensionAttribute1–15, …).
func Attributes() []string {
	out := []string{"Co", "Company", "Department"}
	for i := 1; i <= 15; i++ {
		out = append(out, "ExtensionAttribute"+strconv.Itoa(i))
	}
	for i := 1; i <= 5; i++ {
		out = append(out, "MSExchExtensionCustomAttribute"+strconv.Itoa(i))
	}
	return append(out, "MailNickname", "PhysicalDeliveryOfficeName", "PostalCode", "ProxyAddresses",
		"StreetAddress", "TargetAddress", "UsageLocation", "UserPrincipalName", "Mail", "Description", "MemberOf")
}

// canonicalAttribute returns Microsoft's spelling of a filter attribute,
// matched case-insensitively.
func canonicalAttribute(name string) (string, bool) {
	l := strings.ToLower(strings.TrimSpace(name))
	if n, ok := numbered(l, "extensionattribute", 15); ok {
		return "ExtensionAttribute" + n, true
	}
	if n, ok := numbered(l, "msexchextensioncustomattribute", 5); ok {
		return "MSExchExtensionCustomAttribute" + n, true
	}
	switch l {
	case "co":
		return "Co", true
	case "company":
		return "Company", true
	case "department":
		return "Department", true
	case "mailnickname":
		return "MailNickname", true
	case "physicaldeliveryofficename":
		return "PhysicalDeliveryOfficeName", true
	case "postalcode":
		return "PostalCode", true
	case "proxyaddresses":
		return "ProxyAddresses", true
	case "streetaddress":
		return "StreetAddress", true
	case "targetaddress":
		return "TargetAddress", true
	case "usagelocation":
		return "UsageLocation", true
	case "userprincipalname":
		return "UserPrincipalName", true
	case "mail":
		return "Mail", true
	case "description":
		return "Description", true
	case "memberof":
		return "MemberOf", true
	}
	return "", false
}

// exchangeName maps the Exchange column of Microsoft's attribute table back
// to the Azure AD name, for a helpful validation message.
func exchangeName(name string) (string, bool) {
	l := strings.ToLower(strings.TrimSpace(name))
	if n, ok := numbered(l, "extensioncustomattribute", 5); ok {
		return "MSExchExtensionCustomAttribute" + n, true
	}
	if n, ok := numbered(l, "customattribute", 15); ok {
		return "ExtensionAttribute" + n, true
	}
	switch l {
	case "alias":
		return "MailNickname", true
	case "office":
		return "PhysicalDeliveryOfficeName", true
	case "emailaddresses":
		return "ProxyAddresses", true
	case "externalemailaddress":
		return "TargetAddress", true
	case "windowsemailaddress":
		return "Mail", true
	case "memberofgroup":
		return "MemberOf", true
	}
	return "", false
}

// userAttribute maps a key of a user's attribute map to the filter attribute
// it feeds: filter names, and the Graph property names vendorflow writes
// (companyName, officeLocation; department and extensionAttributeN match
// case-insensitively already).
func userAttribute(key string) (string, bool) {
	if c, ok := canonicalAttribute(key); ok {
		return c, true
	}
	switch strings.ToLower(strings.TrimSpace(key)) {
	case "companyname":
		return "Company", true
	case "officelocation":
		return "PhysicalDeliveryOfficeName", true
	}
	return "", false
}

// multiValued reports whether a user may hold several values of attr at once
// (group memberships, proxy addresses).
func multiValued(attr string) bool { return attr == "MemberOf" || attr == "ProxyAddresses" }

// SegmentAttribute maps Tenant.SegmentAttribute, a Graph user property, to
// the filter attribute segments read (REFERENCE §3: companyName → Company,
// department → Department, extensionAttributeN → ExtensionAttributeN).
func SegmentAttribute(graphProperty string) (string, error) {
	l := strings.ToLower(graphProperty)
	switch l {
	case "companyname":
		return "Company", nil
	case "department":
		return "Department", nil
	}
	if n, ok := numbered(l, "extensionattribute", 15); ok {
		return "ExtensionAttribute" + n, nil
	}
	return "", fmt.Errorf("segment attribute %q has no information-barrier filter attribute (want companyName, department or extensionAttribute1..15)", graphProperty)
}

// numbered matches prefix followed by 1..max without leading zeros.
func numbered(l, prefix string, max int) (string, bool) {
	rest, ok := strings.CutPrefix(l, prefix)
	if !ok || rest == "" || rest[0] == '0' {
		return "", false
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 1 || n > max {
		return "", false
	}
	return rest, true
}
