package graph

import (
	"context"
	"math"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/secret"
)

// TAP lifetime bounds Graph accepts (REFERENCE §2 "Credentials").
const (
	MinTAPLifetime = 10 * time.Minute
	MaxTAPLifetime = 43200 * time.Minute
)

// CreateTAP issues a multi-use Temporary Access Pass of the given lifetime
// (rounded up to whole minutes, 10 min to 30 days, else Invalid before any
// request). Its value is returned only now, as a secret.Value. A user out
// of the TAP policy's scope is Business.
// (learn.microsoft.com/graph/api/authentication-post-temporaryaccesspassmethods)
func (c *Client) CreateTAP(ctx context.Context, userID string, lifetime time.Duration) (domain.TAP, error) {
	if userID == "" {
		return domain.TAP{}, domain.Errorf(domain.Invalid, "%s: empty user id", opCreateTAP)
	}
	if lifetime < MinTAPLifetime || lifetime > MaxTAPLifetime {
		return domain.TAP{}, domain.Errorf(domain.Invalid, "%s: lifetime %s outside %s..%s", opCreateTAP, lifetime, MinTAPLifetime, MaxTAPLifetime)
	}
	minutes := int32(math.Ceil(lifetime.Minutes()))
	once := false
	m := models.NewTemporaryAccessPassAuthenticationMethod()
	m.SetLifetimeInMinutes(&minutes)
	m.SetIsUsableOnce(&once)
	var out domain.TAP
	err := c.withLag(ctx, func() error {
		created, err := c.sdk.Users().ByUserId(userID).Authentication().TemporaryAccessPassMethods().Post(ctx, m, nil)
		if err != nil {
			return c.classify(opCreateTAP, err)
		}
		out = c.toTAP(created)
		return nil
	})
	if err != nil {
		return domain.TAP{}, err
	}
	if out.Value.IsZero() {
		return domain.TAP{}, domain.Errorf(domain.Internal, "%s: Graph answered without the pass", opCreateTAP)
	}
	return out, nil
}

// ListTAPs lists the user's Temporary Access Passes (Graph never returns
// their values after creation).
// (learn.microsoft.com/graph/api/authentication-list-temporaryaccesspassmethods)
func (c *Client) ListTAPs(ctx context.Context, userID string) ([]domain.TAP, error) {
	if userID == "" {
		return nil, domain.Errorf(domain.Invalid, "%s: empty user id", opListTAPs)
	}
	var out []domain.TAP
	err := c.withLag(ctx, func() error {
		resp, err := c.sdk.Users().ByUserId(userID).Authentication().TemporaryAccessPassMethods().Get(ctx, nil)
		if err != nil {
			return c.classify(opListTAPs, err)
		}
		out = nil
		for _, t := range resp.GetValue() {
			if t != nil {
				tap := c.toTAP(t)
				tap.Value = secret.Value{}
				out = append(out, tap)
			}
		}
		return nil
	})
	return out, err
}

// DeleteTAP removes one Temporary Access Pass; already gone (404) is
// success.
// (learn.microsoft.com/graph/api/temporaryaccesspassauthenticationmethod-delete)
func (c *Client) DeleteTAP(ctx context.Context, userID, tapID string) error {
	if userID == "" || tapID == "" {
		return domain.Errorf(domain.Invalid, "%s: user and TAP ids are required", opDeleteTAP)
	}
	err := c.classify(opDeleteTAP, c.sdk.Users().ByUserId(userID).Authentication().TemporaryAccessPassMethods().ByTemporaryAccessPassAuthenticationMethodId(tapID).Delete(ctx, nil))
	if domain.ErrorCode(err) == domain.NotFound {
		return nil
	}
	return err
}

// toTAP converts Graph's TAP; a missing start time means "now".
func (c *Client) toTAP(t models.TemporaryAccessPassAuthenticationMethodable) domain.TAP {
	out := domain.TAP{
		ID:           deref(t.GetId()),
		Value:        secret.New(deref(t.GetTemporaryAccessPass())),
		Lifetime:     time.Duration(deref(t.GetLifetimeInMinutes())) * time.Minute,
		IsUsableOnce: deref(t.GetIsUsableOnce()),
	}
	if s := t.GetStartDateTime(); s != nil {
		out.StartsAt = s.UTC()
	} else {
		out.StartsAt = c.cfg.Clock.Now().UTC()
	}
	return out
}

// RevokeSessions invalidates the user's refresh tokens and session cookies.
// Graph answers 200 {"value":true}; any 2xx is success, whatever its body
// (the response is not parsed).
// (learn.microsoft.com/graph/api/user-revokesigninsessions)
func (c *Client) RevokeSessions(ctx context.Context, userID string) error {
	if userID == "" {
		return domain.Errorf(domain.Invalid, "%s: empty user id", opRevokeSessions)
	}
	info, err := c.sdk.Users().ByUserId(userID).RevokeSignInSessions().ToPostRequestInformation(ctx, nil)
	if err != nil {
		return c.classify(opRevokeSessions, err)
	}
	return c.classify(opRevokeSessions, c.adapter.SendNoContent(ctx, info, errorMapping()))
}
