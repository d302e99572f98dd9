package tenantsim

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// TAPPolicy is the tenant's Temporary Access Pass policy, the Graph
// resource temporaryAccessPassAuthenticationMethodConfiguration at
// /policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass
// (learn.microsoft.com/graph/api/resources/temporaryaccesspassauthenticationmethodconfiguration).
// Creating a pass is refused when the policy is disabled, when the user is
// outside its targets, when the lifetime is outside its range, and when a
// reusable pass is asked for while the policy makes every pass one-time.
type TAPPolicy struct {
	// State is "enabled" or "disabled".
	State string `json:"state"`
	// DefaultLifetimeInMinutes applies when a request names no lifetime.
	DefaultLifetimeInMinutes int `json:"defaultLifetimeInMinutes"`
	// MinimumLifetimeInMinutes and MaximumLifetimeInMinutes bound every
	// pass (each 10..43200).
	MinimumLifetimeInMinutes int `json:"minimumLifetimeInMinutes"`
	MaximumLifetimeInMinutes int `json:"maximumLifetimeInMinutes"`
	// DefaultLength is the pass length in characters (8..48).
	DefaultLength int `json:"defaultLength"`
	// IsUsableOnce true restricts every pass in the tenant to one use.
	IsUsableOnce bool `json:"isUsableOnce"`
	// IncludeTargets are the groups enabled for the method (the id
	// AllUsersTarget: everyone); ExcludeTargets the groups excluded.
	IncludeTargets []TAPTarget `json:"includeTargets"`
	ExcludeTargets []TAPTarget `json:"excludeTargets"`
}

// TAPTarget is an include or exclude target: a group, or AllUsersTarget.
type TAPTarget struct {
	TargetType string `json:"targetType"` // "group"
	ID         string `json:"id"`
}

// AllUsersTarget is the include target that stands for every user.
const AllUsersTarget = "all_users"

// PermissiveTAPPolicy is the policy of EmptySeed: enabled for all users,
// with the widest range Graph allows (10..43200 minutes) and reusable
// passes allowed, so that a test tenant refuses nothing the API accepts.
func PermissiveTAPPolicy() TAPPolicy {
	return TAPPolicy{
		State: "enabled", DefaultLifetimeInMinutes: tapDefaultLifetime,
		MinimumLifetimeInMinutes: tapMinLifetime, MaximumLifetimeInMinutes: tapMaxLifetime,
		DefaultLength: tapLength, IncludeTargets: []TAPTarget{{TargetType: "group", ID: AllUsersTarget}},
	}
}

// EntraDefaultTAPPolicy is the policy DemoSeed carries, with the values
// Entra ID proposes when an administrator enables the method: minimum 1 h,
// maximum 8 h, default 1 h, length 8, reusable passes allowed
// (learn.microsoft.com/entra/identity/authentication/howto-authentication-temporary-access-pass,
// "Enable the Temporary Access Pass policy"), enabled for all users.
func EntraDefaultTAPPolicy() TAPPolicy {
	p := PermissiveTAPPolicy()
	p.MinimumLifetimeInMinutes, p.MaximumLifetimeInMinutes, p.DefaultLifetimeInMinutes = 60, 480, 60
	return p
}

// Validate reports a policy Graph would refuse.
func (p TAPPolicy) Validate() error {
	switch {
	case p.State != "enabled" && p.State != "disabled":
		return fmt.Errorf("tenantsim: TAP policy: state %q: want enabled or disabled", p.State)
	case p.MinimumLifetimeInMinutes < tapMinLifetime || p.MaximumLifetimeInMinutes > tapMaxLifetime ||
		p.MinimumLifetimeInMinutes > p.MaximumLifetimeInMinutes:
		return fmt.Errorf("tenantsim: TAP policy: lifetime range %d..%d: want %d <= minimum <= maximum <= %d",
			p.MinimumLifetimeInMinutes, p.MaximumLifetimeInMinutes, tapMinLifetime, tapMaxLifetime)
	case p.DefaultLifetimeInMinutes < p.MinimumLifetimeInMinutes || p.DefaultLifetimeInMinutes > p.MaximumLifetimeInMinutes:
		return fmt.Errorf("tenantsim: TAP policy: default lifetime %d outside %d..%d",
			p.DefaultLifetimeInMinutes, p.MinimumLifetimeInMinutes, p.MaximumLifetimeInMinutes)
	case p.DefaultLength < 8 || p.DefaultLength > 48:
		return fmt.Errorf("tenantsim: TAP policy: default length %d: want 8..48", p.DefaultLength)
	}
	for _, t := range slices.Concat(p.IncludeTargets, p.ExcludeTargets) {
		if t.TargetType != "group" || t.ID == "" {
			return fmt.Errorf("tenantsim: TAP policy: target %+v: want targetType group and an id", t)
		}
	}
	return nil
}

func cloneTAPPolicy(p TAPPolicy) TAPPolicy {
	p.IncludeTargets = slices.Clone(p.IncludeTargets)
	p.ExcludeTargets = slices.Clone(p.ExcludeTargets)
	return p
}

// TAPPolicy returns the tenant's current TAP policy.
func (s *Server) TAPPolicy() TAPPolicy {
	s.mu.Lock()
	defer s.mu.Unlock()
	return cloneTAPPolicy(s.st.tapPolicy)
}

// SetTAPPolicy replaces the tenant's TAP policy (as an administrator would
// in the Entra admin center).
func (s *Server) SetTAPPolicy(p TAPPolicy) error {
	if err := p.Validate(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.tapPolicy = cloneTAPPolicy(p)
	return nil
}

// inScope reports whether the policy enables the method for the user:
// included (everyone, or a member of an include group) and not a member of
// an exclude group. Memberships are direct, as the emulator has no nesting.
func (st *state) tapInScope(userID string) bool {
	member := func(ts []TAPTarget) bool {
		return slices.ContainsFunc(ts, func(t TAPTarget) bool {
			if t.ID == AllUsersTarget {
				return true
			}
			g := st.groups[t.ID]
			return g != nil && slices.Contains(g.Members, userID)
		})
	}
	return member(st.tapPolicy.IncludeTargets) && !member(st.tapPolicy.ExcludeTargets)
}

// tapRefusal is why the policy refuses a pass for userID with this
// lifetime and usability, or nil. The wording is the emulator's own: the
// messages of a real tenant for these cases were not captured.
func (st *state) tapRefusal(userID string, lifetime int, usableOnce bool) *graphError {
	p := st.tapPolicy
	switch {
	case p.State != "enabled":
		return newError(http.StatusBadRequest, CodeTAPBadRequest, "The Temporary Access Pass authentication method is disabled in this tenant's authentication methods policy.")
	case !st.tapInScope(userID):
		return newError(http.StatusBadRequest, CodeTAPBadRequest, "The user is not in the scope of the Temporary Access Pass authentication method policy.")
	case lifetime < p.MinimumLifetimeInMinutes || lifetime > p.MaximumLifetimeInMinutes:
		// Wording of microsoftgraph/microsoft-graph-docs#12187 with this policy's range.
		return newError(http.StatusBadRequest, CodeTAPBadRequest, fmt.Sprintf("Invalid LifetimeInMinutes specified. The valid range between %d and %d.", p.MinimumLifetimeInMinutes, p.MaximumLifetimeInMinutes))
	case p.IsUsableOnce && !usableOnce:
		return newError(http.StatusBadRequest, CodeTAPBadRequest, "The Temporary Access Pass policy allows only one-time passes (isUsableOnce).")
	}
	return nil
}

// handleGetTAPPolicy answers GET
// /policies/authenticationMethodsPolicy/authenticationMethodConfigurations/{id}
// for the TemporaryAccessPass configuration (the id compares without case:
// the update page spells it TemporaryAccessPass, the delete page
// temporaryAccessPass); other methods are not emulated.
func handleGetTAPPolicy(c *call) reply {
	if !strings.EqualFold(c.param("id"), "TemporaryAccessPass") {
		return failed(notFound(c.param("id")))
	}
	p := c.st.tapPolicy
	targets := func(ts []TAPTarget, include bool) []jsonObject {
		out := []jsonObject{}
		for _, t := range ts {
			o := jsonObject{{"targetType", t.TargetType}, {"id", t.ID}}
			if include {
				o = append(o, jsonField{"isRegistrationRequired", false})
			}
			out = append(out, o)
		}
		return out
	}
	return ok(jsonObject{
		{"@odata.context", c.base + "/$metadata#policies/authenticationMethodsPolicy/authenticationMethodConfigurations/$entity"},
		{"@odata.type", "#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration"},
		{"id", "TemporaryAccessPass"},
		{"state", p.State},
		{"defaultLifetimeInMinutes", p.DefaultLifetimeInMinutes},
		{"defaultLength", p.DefaultLength},
		{"minimumLifetimeInMinutes", p.MinimumLifetimeInMinutes},
		{"maximumLifetimeInMinutes", p.MaximumLifetimeInMinutes},
		{"isUsableOnce", p.IsUsableOnce},
		{"includeTargets", targets(p.IncludeTargets, true)},
		{"excludeTargets", targets(p.ExcludeTargets, false)},
	})
}
