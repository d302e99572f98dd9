package graph

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/vendorflow/vendorflow/pkg/clock"
	"github.com/vendorflow/vendorflow/pkg/domain"
)

// emulatorToken is the bearer token sent to a loopback emulator when no
// credential is configured. It is not a secret: the emulator accepts any
// non-empty bearer token when it requires auth, and authorizes by the roles
// its app holds.
const emulatorToken = "vendorflow-emulator-token"

// staticCredential hands out emulatorToken. It goes through the same kiota
// token provider as a real credential, so the allowed-hosts setting is
// exercised against the emulator exactly as it would be against Graph.
type staticCredential struct{ clock clock.Clock }

// GetToken implements azcore.TokenCredential.
func (s staticCredential) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: emulatorToken, ExpiresOn: s.clock.Now().Add(time.Hour)}, nil
}

// emulatorTokenPath is the emulator's token endpoint (pkg/tenantsim: POST
// /_sim/token), at the root of the emulator's origin.
const emulatorTokenPath = "/_sim/token"

// emulatorCredential obtains a token from the loopback emulator's token
// endpoint, as a client-credentials flow would from the identity platform:
// its roles claim says which permissions the emulated app holds
// (TokenRoles, the only caller, once per doctor run: nothing is cached).
type emulatorCredential struct {
	clock    clock.Clock
	endpoint string
	client   *http.Client
}

func newEmulatorCredential(c clock.Clock, base *url.URL, transport http.RoundTripper) emulatorCredential {
	origin := url.URL{Scheme: base.Scheme, Host: base.Host, Path: emulatorTokenPath}
	return emulatorCredential{clock: c, endpoint: origin.String(), client: &http.Client{Transport: transport, Timeout: 30 * time.Second}}
}

// GetToken implements azcore.TokenCredential.
func (e emulatorCredential) GetToken(ctx context.Context, _ policy.TokenRequestOptions) (azcore.AccessToken, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.endpoint, nil)
	if err != nil {
		return azcore.AccessToken{}, fmt.Errorf("emulator token: %w", err)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		return azcore.AccessToken{}, fmt.Errorf("emulator token from %s: %w", e.endpoint, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return azcore.AccessToken{}, fmt.Errorf("emulator token from %s: HTTP %d (is it vendorflow's tenant emulator?)", e.endpoint, resp.StatusCode)
	}
	var t struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&t); err != nil || t.AccessToken == "" || t.ExpiresIn <= 0 {
		return azcore.AccessToken{}, fmt.Errorf("emulator token from %s: not a token answer", e.endpoint)
	}
	return azcore.AccessToken{Token: t.AccessToken, ExpiresOn: e.clock.Now().Add(time.Duration(t.ExpiresIn) * time.Second)}, nil
}

// TokenRoles acquires an app-only token for Graph with the client's
// credential and returns its roles claim: the application permissions
// the token actually carries (admin-consented grants at the time of
// issue). The token is read, not validated (a token meant for Graph is
// Graph's to validate), and never logged or returned.
// (learn.microsoft.com/entra/identity-platform/access-token-claims-reference, "roles")
func (c *Client) TokenRoles(ctx context.Context) ([]string, error) {
	tok, err := c.roleCred.GetToken(ctx, policy.TokenRequestOptions{Scopes: c.scopes})
	if err != nil {
		return nil, domain.Wrap(domain.Invalid, err, "acquire a Graph token")
	}
	roles, err := rolesClaim(tok.Token)
	if err != nil {
		return nil, domain.Wrap(domain.Invalid, err, "read the Graph token")
	}
	return roles, nil
}

// rolesClaim decodes the payload of a JWT and returns its roles claim
// (none: an empty list, as for a token without application permissions).
func rolesClaim(token string) ([]string, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, errors.New("the access token is not a JWT")
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return nil, errors.New("the access token's payload is not base64url")
	}
	var claims struct {
		Roles []string `json:"roles"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		return nil, errors.New("the access token's payload is not JSON")
	}
	return claims.Roles, nil
}
