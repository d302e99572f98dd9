package graph

import "slices"

// Permissions are the Microsoft Graph application permissions vendorflow
// is granted, sorted: the "What to grant" table of docs/permissions.md,
// which pkg/graph's tests keep equal to this list, and which infra/ grants
// (infra/agreement_test.go). `vendorflow doctor` compares the roles claim
// of the app's token with it. The User Administrator directory role of the
// password mode is not an application permission and is not listed.
func Permissions() []string {
	p := []string{
		"User.ReadWrite.All",
		"User.Read.All",
		"User-LifeCycleInfo.ReadWrite.All",
		"User.RevokeSessions.All",
		"LicenseAssignment.ReadWrite.All",
		"LicenseAssignment.Read.All",
		"GroupMember.ReadWrite.All",
		"GroupMember.Read.All",
		"UserAuthenticationMethod.ReadWrite.All",
		"Mail.Send",
		"Policy.Read.AuthenticationMethod",
	}
	slices.Sort(p)
	return p
}
