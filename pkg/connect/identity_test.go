package connect

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vendorflow/vendorflow/pkg/secret"
)

// TestCredentialFrom: one identity is chosen, and every refusal names the
// settings to fix, without the secret.
func TestCredentialFrom(t *testing.T) {
	notPEM := filepath.Join(t.TempDir(), "cert.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	const tenant = "7c1d3e5f-0a2b-4c6d-8e9f-a1b2c3d4e5f6"
	tests := []struct {
		name string
		s    authSettings
		want string // "" = a credential
	}{
		{"secret", authSettings{TenantID: tenant, ClientID: "c", ClientSecret: secret.New("shh-123")}, ""},
		{"managed identity", authSettings{UseManagedIdentity: true}, ""},
		{"none", authSettings{TenantID: "t", ClientID: "c"},
			"no identity is configured: set graph.managedIdentity (VENDORFLOW_MANAGED_IDENTITY) to true for the managed identity, " +
				"or graph.tenantId (AZURE_TENANT_ID) and graph.clientId (AZURE_CLIENT_ID) with AZURE_CLIENT_SECRET (environment only) " +
				"or graph.certificatePath (AZURE_CLIENT_CERTIFICATE_PATH)"},
		{"two methods", authSettings{TenantID: "t", ClientID: "c", ClientSecret: secret.New("shh-123"), UseManagedIdentity: true},
			"more than one identity is configured (graph.managedIdentity (VENDORFLOW_MANAGED_IDENTITY), AZURE_CLIENT_SECRET (environment only)): keep exactly one"},
		{"secret without tenant", authSettings{ClientID: "c", ClientSecret: secret.New("shh-123")},
			"AZURE_CLIENT_SECRET (environment only) needs the app registration's ids: set graph.tenantId (AZURE_TENANT_ID)"},
		{"certificate without ids", authSettings{CertificatePath: notPEM},
			"graph.certificatePath (AZURE_CLIENT_CERTIFICATE_PATH) needs the app registration's ids: set graph.tenantId (AZURE_TENANT_ID) and graph.clientId (AZURE_CLIENT_ID)"},
		{"missing certificate", authSettings{TenantID: "t", ClientID: "c", CertificatePath: "/nonexistent/cert.pem"},
			"graph.certificatePath (AZURE_CLIENT_CERTIFICATE_PATH): open /nonexistent/cert.pem: no such file or directory"},
		{"not a certificate", authSettings{TenantID: "t", ClientID: "c", CertificatePath: notPEM},
			"graph.certificatePath (AZURE_CLIENT_CERTIFICATE_PATH): " + notPEM + " is not a PEM or PKCS#12 file (without a password) holding the certificate and its private key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cred, err := credentialFrom(tt.s)
			if tt.want == "" {
				if err != nil || cred == nil {
					t.Fatalf("cred %v, err %v; want a credential", cred, err)
				}
				return
			}
			if err == nil || cred != nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("cred %v, err %v; want an error containing %q", cred, err, tt.want)
			}
			if strings.Contains(err.Error(), "shh-123") {
				t.Errorf("secret in error %q", err)
			}
		})
	}
}
