package graph

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/vendorflow/vendorflow/pkg/secret"
)

// AuthSettings selects how the app authenticates to a real tenant (app-only,
// client credentials). Exactly one method must be chosen: a managed
// identity, a certificate file, or a client secret.
type AuthSettings struct {
	TenantID     string
	ClientID     string       // app registration; with a managed identity, a user-assigned identity's client id (optional)
	ClientSecret secret.Value // never logged
	// CertificatePath is a PEM or PKCS#12 file (no password) holding the
	// certificate and its private key.
	CertificatePath    string
	UseManagedIdentity bool
}

// CredentialFromSettings builds the azidentity credential s describes.
// Errors never contain the secret.
// (learn.microsoft.com/azure/developer/go/sdk/authentication/authentication-overview)
func CredentialFromSettings(s AuthSettings) (azcore.TokenCredential, error) {
	methods := 0
	for _, on := range []bool{s.UseManagedIdentity, s.CertificatePath != "", !s.ClientSecret.IsZero()} {
		if on {
			methods++
		}
	}
	if methods != 1 {
		return nil, errors.New("graph auth: choose exactly one of managed identity, certificate or client secret")
	}
	if s.UseManagedIdentity {
		opts := &azidentity.ManagedIdentityCredentialOptions{}
		if s.ClientID != "" {
			opts.ID = azidentity.ClientID(s.ClientID)
		}
		cred, err := azidentity.NewManagedIdentityCredential(opts)
		if err != nil {
			return nil, fmt.Errorf("graph auth: managed identity: %w", err)
		}
		return cred, nil
	}
	if s.TenantID == "" || s.ClientID == "" {
		return nil, errors.New("graph auth: tenant id and client id are required")
	}
	if s.CertificatePath != "" {
		data, err := os.ReadFile(s.CertificatePath)
		if err != nil {
			return nil, fmt.Errorf("graph auth: read certificate: %w", err)
		}
		certs, key, err := azidentity.ParseCertificates(data, nil)
		if err != nil {
			return nil, fmt.Errorf("graph auth: parse certificate %s: %w", s.CertificatePath, err)
		}
		cred, err := azidentity.NewClientCertificateCredential(s.TenantID, s.ClientID, certs, key, nil)
		if err != nil {
			return nil, fmt.Errorf("graph auth: certificate credential: %w", err)
		}
		return cred, nil
	}
	cred, err := azidentity.NewClientSecretCredential(s.TenantID, s.ClientID, s.ClientSecret.Reveal(), nil)
	if err != nil {
		// azidentity validates the ids only; the secret is not echoed.
		return nil, fmt.Errorf("graph auth: client secret credential: %w", err)
	}
	return cred, nil
}

// emulatorToken is the bearer token sent to a loopback emulator when no
// credential is configured. It is not a secret: the emulator accepts any
// non-empty bearer token when it requires auth.
const emulatorToken = "vendorflow-emulator-token"

// staticCredential hands out emulatorToken. It goes through the same kiota
// token provider as a real credential, so the allowed-hosts setting is
// exercised against the emulator exactly as it would be against Graph.
type staticCredential struct{ clock Clock }

// GetToken implements azcore.TokenCredential.
func (s staticCredential) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: emulatorToken, ExpiresOn: s.clock.Now().Add(time.Hour)}, nil
}
