package tenantsim

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// This file validates user writes (POST and PATCH /users) against
// REFERENCE.md §2 Users.

func readOnlyUserProps() []string {
	return []string{"id", "createdDateTime", "deletedDateTime", "assignedLicenses", "signInSessionsValidFromDateTime", "memberOf"}
}

// stringRule is a writable string property and its documented maximum
// length (resources/user.md; 0: none documented, none checked).
type stringRule struct {
	name string
	max  int
	dst  func(*User) *string
}

func stringRules() []stringRule {
	return []stringRule{
		{"displayName", 256, func(u *User) *string { return &u.DisplayName }},
		{"givenName", 64, func(u *User) *string { return &u.GivenName }},
		{"surname", 64, func(u *User) *string { return &u.Surname }},
		{"mailNickname", 64, func(u *User) *string { return &u.MailNickname }},
		{"userPrincipalName", 113, func(u *User) *string { return &u.UserPrincipalName }},
		{"mail", 256, func(u *User) *string { return &u.Mail }},
		{"jobTitle", 128, func(u *User) *string { return &u.JobTitle }},
		{"officeLocation", 128, func(u *User) *string { return &u.OfficeLocation }},
		{"usageLocation", 2, func(u *User) *string { return &u.UsageLocation }},
		{"companyName", 64, func(u *User) *string { return &u.CompanyName }},
		{"department", 64, func(u *User) *string { return &u.Department }},
		{"employeeType", 64, func(u *User) *string { return &u.EmployeeType }},
		{"employeeId", 16, func(u *User) *string { return &u.EmployeeID }},
		{"userType", 16, func(u *User) *string { return &u.UserType }},
		{"city", 128, func(u *User) *string { return &u.City }},
		{"country", 128, func(u *User) *string { return &u.Country }},
		{"state", 128, func(u *User) *string { return &u.State }},
		{"streetAddress", 1024, func(u *User) *string { return &u.StreetAddress }},
		{"postalCode", 40, func(u *User) *string { return &u.PostalCode }},
		{"mobilePhone", 64, func(u *User) *string { return &u.MobilePhone }},
		{"faxNumber", 0, func(u *User) *string { return &u.FaxNumber }},
		{"preferredLanguage", 0, func(u *User) *string { return &u.PreferredLanguage }},
		{"onPremisesImmutableId", 0, func(u *User) *string { return &u.OnPremisesImmutableID }},
	}
}

// enumRule is a writable string property with documented values
// (resources/user.md); the value is stored in the documented spelling.
type enumRule struct {
	name   string
	values []string
	dst    func(*User) *string
}

func enumRules() []enumRule {
	return []enumRule{
		{"ageGroup", []string{"minor", "notAdult", "adult"}, func(u *User) *string { return &u.AgeGroup }},
		{"consentProvidedForMinor", []string{"granted", "denied", "notRequired"}, func(u *User) *string { return &u.ConsentProvidedForMinor }},
	}
}

// userWrite is how a POST or PATCH body is checked.
type userWrite struct {
	create bool
	domain string
	// strict checks what Config.Lenient relaxes: unknown properties,
	// nullability and documented lengths.
	strict bool
}

// applyUserFields validates the members of a POST or PATCH body and writes
// them into u. On error u may be partly written; callers pass a copy.
func applyUserFields(u *User, m map[string]json.RawMessage, w userWrite) *graphError {
	rules := stringRules()
	known := []string{"accountEnabled", "passwordProfile", "employeeLeaveDateTime", "otherMails", "businessPhones",
		"onPremisesExtensionAttributes", "passwordPolicies", "showInAddressList", "employeeHireDate", "employeeOrgData", "identities"}
	for _, r := range rules {
		known = append(known, r.name)
	}
	for _, r := range enumRules() {
		known = append(known, r.name)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		switch {
		case strings.HasPrefix(k, "@odata."), slices.Contains(known, k):
		case slices.Contains(readOnlyUserProps(), k):
			return directoryBadRequest(fmt.Sprintf("Property '%s' is read-only and cannot be set.", k))
		case !w.strict:
			delete(m, k) // lenient: an unknown property is dropped
		default:
			return unknownProperty(k, "microsoft.graph.user")
		}
	}
	if w.create {
		for _, req := range []string{"accountEnabled", "displayName", "mailNickname", "passwordProfile", "userPrincipalName"} {
			if isNull(m[req]) || string(m[req]) == `""` {
				return directoryBadRequest(MsgRequired(req))
			}
		}
	}
	if raw, ok := m["accountEnabled"]; ok {
		if err := json.Unmarshal(raw, &u.AccountEnabled); err != nil || isNull(raw) {
			return invalidValue("accountEnabled")
		}
	}
	for _, r := range rules {
		v, ok, err := nullableString(m, r.name)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if v == nil && r.name == "usageLocation" && w.strict {
			// user resource: usageLocation is "Not nullable"
			return invalidValue(r.name)
		}
		s := ""
		if v != nil {
			s = *v
		}
		if w.strict && r.max > 0 && utf8.RuneCountInString(s) > r.max {
			return invalidValue(r.name)
		}
		*r.dst(u) = s
	}
	if err := applyEnums(u, m); err != nil {
		return err
	}
	if err := applyProfileFields(u, m, w); err != nil {
		return err
	}
	if raw, ok := m["otherMails"]; ok {
		var v []string
		if err := json.Unmarshal(raw, &v); err != nil || (w.strict && len(v) > 250) {
			return invalidValue("otherMails")
		}
		for _, s := range v {
			if (w.strict && len(s) > 250) || !strings.Contains(s, "@") {
				return invalidValue("otherMails")
			}
		}
		u.OtherMails = v
	}
	if raw, ok := m["businessPhones"]; ok {
		// resources/user.md: "only one number can be set for this property".
		var v []string
		if err := json.Unmarshal(raw, &v); err != nil || len(v) > 1 || (w.strict && len(v) == 1 && utf8.RuneCountInString(v[0]) > 64) {
			return invalidValue("businessPhones")
		}
		u.BusinessPhones = v
	}
	if raw, ok := m["onPremisesExtensionAttributes"]; ok && !isNull(raw) {
		var v map[string]*string
		if err := json.Unmarshal(raw, &v); err != nil {
			return invalidValue("onPremisesExtensionAttributes")
		}
		for k, s := range v {
			n, err := strconv.Atoi(strings.TrimPrefix(strings.ToLower(k), "extensionattribute"))
			if !strings.HasPrefix(strings.ToLower(k), "extensionattribute") || err != nil || n < 1 || n > 15 {
				if strings.HasPrefix(k, "@odata.") || !w.strict {
					continue
				}
				return unknownProperty(k, "microsoft.graph.onPremisesExtensionAttributes")
			}
			val := ""
			if s != nil {
				val = *s
			}
			if w.strict && len(val) > 1024 {
				return invalidValue("onPremisesExtensionAttributes")
			}
			u.OnPremisesExtensionAttributes.Set(n, val)
		}
	}
	if _, ok := m["usageLocation"]; ok && u.UsageLocation != "" {
		if !isCountryCode(u.UsageLocation) {
			return invalidValue("usageLocation")
		}
		u.UsageLocation = strings.ToUpper(u.UsageLocation)
	}
	if _, ok := m["mailNickname"]; ok && !validMailNickname(u.MailNickname) {
		return invalidValue("mailNickname")
	}
	if _, ok := m["onPremisesImmutableId"]; ok && strings.ContainsAny(u.OnPremisesImmutableID, "$_") {
		// resources/user.md: "The $ and _ characters cannot be used".
		return invalidValue("onPremisesImmutableId")
	}
	if raw, ok := m["passwordProfile"]; ok {
		var pp struct {
			Password *string `json:"password"`
		}
		if err := json.Unmarshal(raw, &pp); err != nil {
			return invalidValue("passwordProfile")
		}
		if pp.Password == nil || *pp.Password == "" {
			if w.create {
				return directoryBadRequest(MsgRequired("passwordProfile"))
			}
		} else if !passwordComplex(*pp.Password) {
			return directoryBadRequest(MsgWeakPassword)
		}
	}
	if _, ok := m["userPrincipalName"]; ok {
		if err := checkUPN(u.UserPrincipalName, w.domain); err != nil {
			return err
		}
	}
	if _, ok := m["identities"]; ok {
		if err := checkIdentities(u); err != nil {
			return err
		}
	}
	if u.DisplayName == "" && (w.create || m["displayName"] != nil) {
		return directoryBadRequest(MsgRequired("displayName"))
	}
	return nil
}

// unknownProperty is OData's answer to a member the type does not define.
func unknownProperty(name, typeName string) *graphError {
	return badRequest(fmt.Sprintf("The property '%s' does not exist on type '%s'. Make sure to only use property names that are defined by the type or mark the type as open type.", name, typeName))
}

// nullableString decodes member name of m as a string or null; ok is
// false when the member is absent.
func nullableString(m map[string]json.RawMessage, name string) (v *string, ok bool, err *graphError) {
	raw, ok := m[name]
	if !ok {
		return nil, false, nil
	}
	if json.Unmarshal(raw, &v) != nil {
		return nil, true, invalidValue(name)
	}
	return v, true, nil
}

// applyEnums writes ageGroup and consentProvidedForMinor (null clears).
func applyEnums(u *User, m map[string]json.RawMessage) *graphError {
	for _, r := range enumRules() {
		v, ok, err := nullableString(m, r.name)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if v == nil {
			*r.dst(u) = ""
			continue
		}
		i := slices.IndexFunc(r.values, func(s string) bool { return strings.EqualFold(s, *v) })
		if i < 0 {
			return invalidValue(r.name)
		}
		*r.dst(u) = r.values[i]
	}
	return nil
}

// applyProfileFields writes passwordPolicies, showInAddressList,
// employeeLeaveDateTime, employeeHireDate, employeeOrgData and identities.
func applyProfileFields(u *User, m map[string]json.RawMessage, w userWrite) *graphError {
	if v, ok, err := nullableString(m, "passwordPolicies"); err != nil {
		return err
	} else if ok {
		// resources/user.md: DisablePasswordExpiration, DisableStrongPassword,
		// or both, comma-separated; null clears.
		u.PasswordPolicies = ""
		if v != nil {
			var out []string
			for _, p := range strings.Split(*v, ",") {
				i := slices.IndexFunc(passwordPolicies(), func(s string) bool { return strings.EqualFold(s, strings.TrimSpace(p)) })
				if i < 0 {
					return invalidValue("passwordPolicies")
				}
				out = append(out, passwordPolicies()[i])
			}
			u.PasswordPolicies = strings.Join(out, ", ")
		}
	}
	if raw, ok := m["showInAddressList"]; ok {
		var v *bool
		if err := json.Unmarshal(raw, &v); err != nil {
			return invalidValue("showInAddressList")
		}
		u.ShowInAddressList = v
	}
	for _, d := range []struct {
		name string
		dst  *time.Time
	}{{"employeeLeaveDateTime", &u.EmployeeLeaveDateTime}, {"employeeHireDate", &u.EmployeeHireDate}} {
		raw, ok := m[d.name]
		if !ok {
			continue
		}
		var v *time.Time
		if err := json.Unmarshal(raw, &v); err != nil {
			return invalidValue(d.name)
		}
		*d.dst = time.Time{}
		if v != nil {
			*d.dst = v.UTC()
		}
	}
	if raw, ok := m["employeeOrgData"]; ok {
		var next EmployeeOrgData
		if err := complexStrings(raw, "employeeOrgData", "microsoft.graph.employeeOrgData",
			map[string]*string{"division": &next.Division, "costCenter": &next.CostCenter}, w.strict); err != nil {
			return err
		}
		u.EmployeeOrgData = next
	}
	if raw, ok := m["identities"]; ok {
		var v []json.RawMessage
		if err := json.Unmarshal(raw, &v); err != nil {
			return invalidValue("identities")
		}
		u.Identities = nil
		for _, elem := range v {
			var oi ObjectIdentity
			if err := complexStrings(elem, "identities", "microsoft.graph.objectIdentity", map[string]*string{
				"signInType": &oi.SignInType, "issuer": &oi.Issuer, "issuerAssignedId": &oi.IssuerAssignedID}, w.strict); err != nil {
				return err
			}
			u.Identities = append(u.Identities, oi)
		}
	}
	return nil
}

// complexStrings decodes a complex value whose members are nullable
// strings into dst (member name → destination; null writes ""). null as a
// whole clears every member. An unknown member is refused when strict and
// dropped otherwise; @odata annotations are ignored.
func complexStrings(raw json.RawMessage, prop, typeName string, dst map[string]*string, strict bool) *graphError {
	var v map[string]*string
	if err := json.Unmarshal(raw, &v); err != nil {
		return invalidValue(prop)
	}
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		d, known := dst[k]
		switch {
		case known:
			*d = ""
			if v[k] != nil {
				*d = *v[k]
			}
		case strict && !strings.HasPrefix(k, "@odata."):
			return unknownProperty(k, typeName)
		}
	}
	return nil
}

func passwordPolicies() []string {
	return []string{"DisablePasswordExpiration", "DisableStrongPassword"}
}

// checkIdentities applies objectIdentity's rules: signInType and issuer are
// required; a userPrincipalName identity must name the user's own UPN (it
// is always derived from userPrincipalName, so it is not stored twice).
func checkIdentities(u *User) *graphError {
	kept := u.Identities[:0]
	for _, id := range u.Identities {
		if id.SignInType == "" || id.Issuer == "" || id.IssuerAssignedID == "" {
			return invalidValue("identities")
		}
		if strings.EqualFold(id.SignInType, "userPrincipalName") {
			if !strings.EqualFold(id.IssuerAssignedID, u.UserPrincipalName) {
				return invalidValue("identities")
			}
			continue
		}
		kept = append(kept, id)
	}
	u.Identities = kept
	if len(kept) == 0 {
		u.Identities = nil
	}
	return nil
}

func isCountryCode(s string) bool {
	return len(s) == 2 && unicode.IsLetter(rune(s[0])) && unicode.IsLetter(rune(s[1])) && s[0] < 128 && s[1] < 128
}

// validMailNickname rejects the characters Entra refuses in mailNickname.
func validMailNickname(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r > 127 || unicode.IsSpace(r) || strings.ContainsRune(`@()\[]";:<>,`, r) {
			return false
		}
	}
	return true
}

// passwordComplex applies Entra's rule: 8–256 characters and three of
// lower case, upper case, digits and symbols (REFERENCE.md §2 Users).
func passwordComplex(p string) bool {
	n := utf8.RuneCountInString(p)
	if n < 8 || n > 256 {
		return false
	}
	var lower, upper, digit, symbol bool
	for _, r := range p {
		switch {
		case r >= 'a' && r <= 'z':
			lower = true
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= '0' && r <= '9':
			digit = true
		case r > ' ' && r < 127:
			symbol = true
		default:
			return false
		}
	}
	classes := 0
	for _, b := range []bool{lower, upper, digit, symbol} {
		if b {
			classes++
		}
	}
	return classes >= 3
}

// checkUPN applies the UPN rules: local part of A-Z a-z 0-9 ' . - _ ! # ^ ~,
// no leading, trailing or doubled dot, at most 64 characters, and the
// tenant's verified domain (REFERENCE.md §2 Users).
func checkUPN(upn, domain string) *graphError {
	at := strings.LastIndexByte(upn, '@')
	if at <= 0 || strings.Count(upn, "@") != 1 {
		return invalidValue("userPrincipalName")
	}
	local := upn[:at]
	if len(local) > 64 || local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, "..") {
		return invalidValue("userPrincipalName")
	}
	for i := 0; i < len(local); i++ {
		ch := local[i]
		if !(isLetter(ch) || isDigit(ch) || strings.IndexByte("'.-_!#^~", ch) >= 0) {
			return invalidValue("userPrincipalName")
		}
	}
	if !strings.EqualFold(upn[at+1:], domain) {
		e := directoryBadRequest(MsgUnverifiedDomain)
		e.details = []errorDetail{{code: CodeInvalidValue, target: "userPrincipalName"}}
		return e
	}
	return nil
}
