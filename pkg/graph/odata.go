package graph

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/odata"
)

// odataTime formats t as an OData DateTimeOffset literal (unquoted, UTC).
func odataTime(t time.Time) string {
	return t.UTC().Format(time.RFC3339)
}

// userFields lists every user property vendorflow reads, for $select: many
// of them are returned only when selected (REFERENCE §2 "Users").
func userFields() []string {
	return []string{
		"id", "userPrincipalName", "displayName", "givenName", "surname", "mailNickname",
		"accountEnabled", "usageLocation", "companyName", "department", "employeeType",
		"employeeLeaveDateTime", "otherMails", "onPremisesExtensionAttributes", "assignedLicenses",
	}
}

// briefUserFields are the fields of a brief listing (domain.UserQuery.Brief):
// parsing a page of 999 users costs in proportion to the fields selected.
func briefUserFields() []string {
	return []string{"id", "userPrincipalName", "displayName", "accountEnabled", "employeeLeaveDateTime", "otherMails", "onPremisesExtensionAttributes"}
}

// upnFilter is the $filter that finds a user by UPN.
func upnFilter(upn string) string {
	return "userPrincipalName eq " + odata.String(upn)
}

// extensionNumber parses "extensionAttributeN" (N in 1..15).
func extensionNumber(name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, "extensionAttribute")
	if !ok || rest == "" || rest[0] == '0' {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 1 || n > 15 {
		return 0, false
	}
	return n, true
}

// usersFilter builds the advanced-query $filter for q. Property names come
// from configuration and are validated; values are escaped or formatted,
// never pasted.
func usersFilter(q domain.UserQuery) (string, error) {
	var parts []string
	if q.MarkerAttribute != "" || q.MarkerValue != "" {
		if _, ok := extensionNumber(q.MarkerAttribute); !ok {
			return "", domain.Errorf(domain.Invalid, "list users: marker attribute %q is not extensionAttribute1..15", q.MarkerAttribute)
		}
		parts = append(parts, fmt.Sprintf("onPremisesExtensionAttributes/%s eq %s", q.MarkerAttribute, odata.String(q.MarkerValue)))
	}
	if q.Attribute != "" {
		path, ok := attributePath(q.Attribute)
		if !ok {
			return "", domain.Errorf(domain.Invalid, "list users: attribute %q is not companyName, department or extensionAttribute1..15", q.Attribute)
		}
		if q.Equals == "" {
			parts = append(parts, path+" ne null")
		} else {
			parts = append(parts, path+" eq "+odata.String(q.Equals))
		}
	}
	if !q.LeaveBefore.IsZero() {
		parts = append(parts, "employeeLeaveDateTime le "+odataTime(q.LeaveBefore))
	}
	if q.Enabled != nil {
		parts = append(parts, "accountEnabled eq "+strconv.FormatBool(*q.Enabled))
	}
	return strings.Join(parts, " and "), nil
}

// attributePath is the $filter path of a segment or marker attribute.
func attributePath(name string) (string, bool) {
	switch name {
	case "companyName", "department":
		return name, true
	}
	if _, ok := extensionNumber(name); ok {
		return "onPremisesExtensionAttributes/" + name, true
	}
	return "", false
}
