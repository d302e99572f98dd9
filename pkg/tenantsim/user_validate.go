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

// ignoredUserProps are valid user properties the emulator accepts and drops.
func ignoredUserProps() []string {
	return []string{
		"mobilePhone", "preferredLanguage", "city", "country", "state",
		"streetAddress", "postalCode", "ageGroup", "passwordPolicies", "showInAddressList", "employeeHireDate",
		"employeeOrgData", "faxNumber", "onPremisesImmutableId", "identities", "consentProvidedForMinor",
	}
}

func readOnlyUserProps() []string {
	return []string{"id", "createdDateTime", "deletedDateTime", "assignedLicenses", "signInSessionsValidFromDateTime", "memberOf"}
}

// stringRule is a writable string property and its length limit
// (REFERENCE.md §2 Users; GDOCS user resource for lengths not listed there).
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
	}
}

// applyUserFields validates the members of a POST or PATCH body and writes
// them into u. On error u may be partly written; callers pass a copy.
func applyUserFields(u *User, m map[string]json.RawMessage, create bool, domain string) *graphError {
	rules := stringRules()
	known := []string{"accountEnabled", "passwordProfile", "employeeLeaveDateTime", "otherMails", "businessPhones", "onPremisesExtensionAttributes"}
	for _, r := range rules {
		known = append(known, r.name)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		switch {
		case strings.HasPrefix(k, "@odata."), slices.Contains(known, k), slices.Contains(ignoredUserProps(), k):
		case slices.Contains(readOnlyUserProps(), k):
			return directoryBadRequest(fmt.Sprintf("Property '%s' is read-only and cannot be set.", k))
		default:
			return badRequest(fmt.Sprintf("The property '%s' does not exist on type 'microsoft.graph.user'. Make sure to only use property names that are defined by the type or mark the type as open type.", k))
		}
	}
	if create {
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
		raw, ok := m[r.name]
		if !ok {
			continue
		}
		var v *string
		if err := json.Unmarshal(raw, &v); err != nil {
			return invalidValue(r.name)
		}
		if v == nil && r.name == "usageLocation" {
			// user resource: usageLocation is "Not nullable"
			return invalidValue(r.name)
		}
		s := ""
		if v != nil {
			s = *v
		}
		if utf8.RuneCountInString(s) > r.max {
			return invalidValue(r.name)
		}
		*r.dst(u) = s
	}
	if raw, ok := m["employeeLeaveDateTime"]; ok {
		var v *time.Time
		if err := json.Unmarshal(raw, &v); err != nil {
			return invalidValue("employeeLeaveDateTime")
		}
		u.EmployeeLeaveDateTime = time.Time{}
		if v != nil {
			u.EmployeeLeaveDateTime = v.UTC()
		}
	}
	if raw, ok := m["otherMails"]; ok {
		var v []string
		if err := json.Unmarshal(raw, &v); err != nil || len(v) > 250 {
			return invalidValue("otherMails")
		}
		for _, s := range v {
			if len(s) > 250 || !strings.Contains(s, "@") {
				return invalidValue("otherMails")
			}
		}
		u.OtherMails = v
	}
	if raw, ok := m["businessPhones"]; ok {
		// resources/user.md: "Only one number can be set for this property."
		var v []string
		if err := json.Unmarshal(raw, &v); err != nil || len(v) > 1 || (len(v) == 1 && utf8.RuneCountInString(v[0]) > 64) {
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
				if strings.HasPrefix(k, "@odata.") {
					continue
				}
				return badRequest(fmt.Sprintf("The property '%s' does not exist on type 'microsoft.graph.onPremisesExtensionAttributes'. Make sure to only use property names that are defined by the type or mark the type as open type.", k))
			}
			val := ""
			if s != nil {
				val = *s
			}
			if len(val) > 1024 {
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
	if raw, ok := m["passwordProfile"]; ok {
		var pp struct {
			Password *string `json:"password"`
		}
		if err := json.Unmarshal(raw, &pp); err != nil {
			return invalidValue("passwordProfile")
		}
		if pp.Password == nil || *pp.Password == "" {
			if create {
				return directoryBadRequest(MsgRequired("passwordProfile"))
			}
		} else if !passwordComplex(*pp.Password) {
			return directoryBadRequest(MsgWeakPassword)
		}
	}
	if _, ok := m["userPrincipalName"]; ok {
		if err := checkUPN(u.UserPrincipalName, domain); err != nil {
			return err
		}
	}
	if u.DisplayName == "" && (create || m["displayName"] != nil) {
		return directoryBadRequest(MsgRequired("displayName"))
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
