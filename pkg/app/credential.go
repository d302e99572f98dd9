package app

import (
	"errors"
	"fmt"
	"os"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/vendorflow/vendorflow/pkg/config"
	"github.com/vendorflow/vendorflow/pkg/secret"
)

// Credential is the app's identity, from the graph.* auth settings: the one
// credential that Graph, Service Bus and Table Storage all use.
func Credential(cfg config.Config) (azcore.TokenCredential, error) {
	return credentialFrom(authSettings{
		TenantID:           cfg.Graph.TenantID,
		ClientID:           cfg.Graph.ClientID,
		ClientSecret:       cfg.Graph.ClientSecret,
		CertificatePath:    cfg.Graph.CertificatePath,
		UseManagedIdentity: cfg.Graph.ManagedIdentity,
	})
}

// authSettings selects how the app authenticates to Azure and a real tenant (app-only,
// client credentials). Exactly one method must be chosen: a managed
// identity, a certificate file, or a client secret.
type authSettings struct {
	TenantID     string
	ClientID     string       // app registration; with a managed identity, a user-assigned identity's client id (optional)
	ClientSecret secret.Value // never logged
	// CertificatePath is a PEM or PKCS#12 file (no password) holding the
	// certificate and its private key.
	CertificatePath    string
	UseManagedIdentity bool
}

// credentialFrom builds the azidentity credential s describes.
// Errors never contain the secret.
// (learn.microsoft.com/azure/developer/go/sdk/authentication/authentication-overview)
func credentialFrom(s authSettings) (azcore.TokenCredential, error) {
	methods := 0
	for _, on := range []bool{s.UseManagedIdentity, s.CertificatePath != "", !s.ClientSecret.IsZero()} {
		if on {
			methods++
		}
	}
	if methods != 1 {
		return nil, errors.New("credential: choose exactly one of managed identity, certificate or client secret")
	}
	if s.UseManagedIdentity {
		opts := &azidentity.ManagedIdentityCredentialOptions{}
		if s.ClientID != "" {
			opts.ID = azidentity.ClientID(s.ClientID)
		}
		cred, err := azidentity.NewManagedIdentityCredential(opts)
		if err != nil {
			return nil, fmt.Errorf("credential: managed identity: %w", err)
		}
		return cred, nil
	}
	if s.TenantID == "" || s.ClientID == "" {
		return nil, errors.New("credential: tenant id and client id are required")
	}
	if s.CertificatePath != "" {
		data, err := os.ReadFile(s.CertificatePath)
		if err != nil {
			return nil, fmt.Errorf("credential: read certificate: %w", err)
		}
		certs, key, err := azidentity.ParseCertificates(data, nil)
		if err != nil {
			return nil, fmt.Errorf("credential: parse certificate %s: %w", s.CertificatePath, err)
		}
		cred, err := azidentity.NewClientCertificateCredential(s.TenantID, s.ClientID, certs, key, nil)
		if err != nil {
			return nil, fmt.Errorf("credential: certificate credential: %w", err)
		}
		return cred, nil
	}
	cred, err := azidentity.NewClientSecretCredential(s.TenantID, s.ClientID, s.ClientSecret.Reveal(), nil)
	if err != nil {
		// azidentity validates the ids only; the secret is not echoed.
		return nil, fmt.Errorf("credential: client secret credential: %w", err)
	}
	return cred, nil
}
