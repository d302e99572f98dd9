package metrics_test

import (
	"strings"
	"testing"

	"github.com/vendorflow/vendorflow/pkg/metrics"
)

func TestGraphRoute(t *testing.T) {
	tests := []struct {
		path, want string
		// secret is request data in path that must not reach the route
		secret string
	}{
		{"/v1.0/users", "/users", ""},
		{"/v1.0/users/Ada_SA@ABC.com", "/users/{id}", "Ada_SA@ABC.com"},
		{"/v1.0/users/6f1c9e0a-3b55-4d0c-9f1e-2c1a7b4d8e21/assignLicense", "/users/{id}/assignLicense", "6f1c9e0a"},
		{"/v1.0/users/ada%40vendor1.com/sendMail", "/users/{id}/sendMail", "vendor1"},
		{"/v1.0/users/u1/authentication/temporaryAccessPassMethods/tap-9", "/users/{id}/authentication/temporaryAccessPassMethods/{id}", "tap-9"},
		{"/v1.0/users/u1/revokeSignInSessions", "/users/{id}/revokeSignInSessions", "u1"},
		{"/v1.0/users/u1/transitiveMemberOf/microsoft.graph.group", "/users/{id}/transitiveMemberOf/microsoft.graph.group", "u1"},
		{"/v1.0/groups/g-7/members/$ref", "/groups/{id}/members/$ref", "g-7"},
		{"/v1.0/groups/g-7/members/u-1/$ref", "/groups/{id}/members/{id}/$ref", "u-1"},
		{"/v1.0/directory/deletedItems/microsoft.graph.user", "/directory/deletedItems/microsoft.graph.user", ""},
		{"/v1.0/directory/deletedItems/d-3/restore", "/directory/deletedItems/{id}/restore", "d-3"},
		{"/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass",
			"/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/{id}", ""},
		{"/v1.0/subscribedSkus", "/subscribedSkus", ""},
		{"/v1.0/$batch", "/$batch", ""},
		{"/V1.0/USERS/x/ASSIGNLICENSE", "/users/{id}/assignLicense", ""}, // Graph ignores case
		{"/beta/users/x", "/users/{id}", ""},
		{"/tenant-prefix/v1.0/users/x", "/users/{id}", "tenant-prefix"},
		{"/_sim/token", "/{id}/{id}", "token"},
		{"/v1.0/users/a/b/c/d/e/f/g/h/i/j", "/users/{id}/{id}/{id}/{id}/{id}/{id}/{id}/…", ""},
		{"/v1.0", "/", ""},
		{"", "/", ""},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			got := metrics.GraphRoute(tc.path)
			if got != tc.want {
				t.Errorf("GraphRoute(%q) = %q, want %q", tc.path, got, tc.want)
			}
			if tc.secret != "" && strings.Contains(strings.ToLower(got), strings.ToLower(tc.secret)) {
				t.Errorf("GraphRoute(%q) = %q keeps %q", tc.path, got, tc.secret)
			}
			if strings.ContainsAny(got, "@%") {
				t.Errorf("GraphRoute(%q) = %q looks like it keeps an address", tc.path, got)
			}
		})
	}
}
