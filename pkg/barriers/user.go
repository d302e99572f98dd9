package barriers

import (
	"strings"

	"github.com/vendorflow/vendorflow/pkg/domain"
)

// UserAttributes returns the filter attributes of a directory user, for
// SegmentFor: Company, Department, ExtensionAttributeN, UserPrincipalName,
// UsageLocation and, when groups are given, MemberOf (group ids).
func UserAttributes(u domain.User, groups []string) map[string]string {
	m := map[string]string{
		"Company":           u.CompanyName,
		"Department":        u.Department,
		"UserPrincipalName": u.UPN,
		"UsageLocation":     u.UsageLocation,
	}
	for k, v := range u.Extensions {
		m[k] = v
	}
	if len(groups) > 0 {
		m["MemberOf"] = strings.Join(groups, ";")
	}
	return m
}
