// Package connect turns vendorflow's configuration into the connections
// that need no Microsoft Graph: the app's identity (one credential for
// Graph, Service Bus and Table Storage) and the message bus (the embedded
// queue, or Azure Service Bus). pkg/app builds everything else on it; a
// producer (pkg/producer) links only this, not the Graph SDK.
package connect

import (
	"fmt"
	"os"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/vendorflow/vendorflow/pkg/config"
	"github.com/vendorflow/vendorflow/pkg/domain"
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

// The settings that choose the app's identity, as errors name them.
var (
	settingManagedIdentity = config.Setting("graph.managedIdentity")
	settingCertificate     = config.Setting("graph.certificatePath")
	settingTenantID        = config.Setting("graph.tenantId")
	settingClientID        = config.Setting("graph.clientId")
	// settingSecret is read from the environment only (no file key).
	settingSecret = "AZURE_CLIENT_SECRET (environment only)"
)

// credentialFrom builds the azidentity credential s describes. Its errors
// name the settings to fix and never contain the secret; they are left
// unclassified for NeedsIdentity to classify with what needed the
// identity.
// (learn.microsoft.com/azure/developer/go/sdk/authentication/authentication-overview)
func credentialFrom(s authSettings) (azcore.TokenCredential, error) {
	var chosen []string
	for _, m := range []struct {
		on   bool
		name string
	}{{s.UseManagedIdentity, settingManagedIdentity}, {s.CertificatePath != "", settingCertificate}, {!s.ClientSecret.IsZero(), settingSecret}} {
		if m.on {
			chosen = append(chosen, m.name)
		}
	}
	switch len(chosen) {
	case 0:
		return nil, fmt.Errorf("no identity is configured: set %s to true for the managed identity, or %s and %s with %s or %s",
			settingManagedIdentity, settingTenantID, settingClientID, settingSecret, settingCertificate)
	case 1:
	default:
		return nil, fmt.Errorf("more than one identity is configured (%s): keep exactly one", strings.Join(chosen, ", "))
	}
	if s.UseManagedIdentity {
		opts := &azidentity.ManagedIdentityCredentialOptions{}
		if s.ClientID != "" {
			opts.ID = azidentity.ClientID(s.ClientID)
		}
		cred, err := azidentity.NewManagedIdentityCredential(opts)
		if err != nil {
			return nil, fmt.Errorf("managed identity (%s): %w", settingManagedIdentity, err)
		}
		return cred, nil
	}
	var missing []string
	if s.TenantID == "" {
		missing = append(missing, settingTenantID)
	}
	if s.ClientID == "" {
		missing = append(missing, settingClientID)
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%s needs the app registration's ids: set %s", chosen[0], strings.Join(missing, " and "))
	}
	if s.CertificatePath != "" {
		data, err := os.ReadFile(s.CertificatePath)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", settingCertificate, err)
		}
		certs, key, err := azidentity.ParseCertificates(data, nil)
		if err != nil {
			return nil, fmt.Errorf("%s: %s is not a PEM or PKCS#12 file (without a password) holding the certificate and its private key: %w", settingCertificate, s.CertificatePath, err)
		}
		cred, err := azidentity.NewClientCertificateCredential(s.TenantID, s.ClientID, certs, key, nil)
		if err != nil {
			return nil, fmt.Errorf("%s with %s and %s: %w", settingCertificate, settingTenantID, settingClientID, err)
		}
		return cred, nil
	}
	cred, err := azidentity.NewClientSecretCredential(s.TenantID, s.ClientID, s.ClientSecret.Reveal(), nil)
	if err != nil {
		// azidentity validates the ids only; the secret is not echoed.
		return nil, fmt.Errorf("%s with %s and %s: %w", settingSecret, settingTenantID, settingClientID, err)
	}
	return cred, nil
}

// NeedsIdentity is the error of what (a journal, a namespace, Graph) that
// could not get the app's identity: a configuration error (Invalid, exit
// code 2) naming the settings to fix.
func NeedsIdentity(what string, err error) error {
	return domain.Errorf(domain.Invalid, "%s needs the app's identity: %w", what, err)
}
