package graph

import (
	"context"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/vendorflow/vendorflow/pkg/clock"
)

// emulatorToken is the bearer token sent to a loopback emulator when no
// credential is configured. It is not a secret: the emulator accepts any
// non-empty bearer token when it requires auth.
const emulatorToken = "vendorflow-emulator-token"

// staticCredential hands out emulatorToken. It goes through the same kiota
// token provider as a real credential, so the allowed-hosts setting is
// exercised against the emulator exactly as it would be against Graph.
type staticCredential struct{ clock clock.Clock }

// GetToken implements azcore.TokenCredential.
func (s staticCredential) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: emulatorToken, ExpiresOn: s.clock.Now().Add(time.Hour)}, nil
}
