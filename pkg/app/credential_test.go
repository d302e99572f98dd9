package app

import (
	"strings"
	"testing"

	"github.com/vendorflow/vendorflow/pkg/secret"
)

func TestCredentialFrom(t *testing.T) {
	tests := []struct {
		name string
		s    authSettings
		ok   bool
	}{
		{"secret", authSettings{TenantID: "7c1d3e5f-0a2b-4c6d-8e9f-a1b2c3d4e5f6", ClientID: "c", ClientSecret: secret.New("shh-123")}, true},
		{"managed identity", authSettings{UseManagedIdentity: true}, true},
		{"none", authSettings{TenantID: "t", ClientID: "c"}, false},
		{"two methods", authSettings{TenantID: "t", ClientID: "c", ClientSecret: secret.New("shh-123"), UseManagedIdentity: true}, false},
		{"secret without tenant", authSettings{ClientID: "c", ClientSecret: secret.New("shh-123")}, false},
		{"missing certificate", authSettings{TenantID: "t", ClientID: "c", CertificatePath: "/nonexistent/cert.pem"}, false},
	}
	for _, tt := range tests {
		cred, err := credentialFrom(tt.s)
		if (err == nil) != tt.ok || (err == nil) != (cred != nil) {
			t.Errorf("%s: cred %v, err %v", tt.name, cred, err)
		}
		if err != nil && strings.Contains(err.Error(), "shh-123") {
			t.Errorf("%s: secret in error %q", tt.name, err)
		}
	}
}
