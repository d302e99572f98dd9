package tenantsim

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Users returns copies of the live users (replicated or not), sorted by UPN,
// with MemberOf filled in.
func (s *Server) Users() []User {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.sortedUsers(s.st.users)
}

// UserByUPN returns a copy of the live user with this UPN (case-insensitive).
func (s *Server) UserByUPN(upn string) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range s.st.users {
		if strings.EqualFold(u.UserPrincipalName, upn) {
			return s.st.userCopy(u), true
		}
	}
	return User{}, false
}

// Groups returns copies of the groups, sorted by display name. Members lists
// ids as stored (a soft-deleted member stays listed until purged).
func (s *Server) Groups() []Group {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Group, 0, len(s.st.groups))
	for _, g := range s.st.groups {
		out = append(out, cloneGroup(g.Group))
	}
	slices.SortFunc(out, func(a, b Group) int { return strings.Compare(a.DisplayName, b.DisplayName) })
	return out
}

// SKUs returns copies of the subscribed SKUs in seed order, with
// ConsumedUnits computed.
func (s *Server) SKUs() []SKU {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]SKU, 0, len(s.st.skus))
	for _, k := range s.st.skus {
		c := cloneSKU(*k)
		c.ConsumedUnits = s.st.consumed(k.SkuID)
		out = append(out, c)
	}
	return out
}

// SetSeats sets the seats (prepaidUnits.enabled) of SKUs by
// skuPartNumber (case-insensitive), as buying or releasing licences
// would: all of them, or none when a part number is unknown or a count
// negative. Assigned licences stay assigned, so a SKU may end up with
// fewer seats than it has consumed, as a tenant whose licences lapsed.
func (s *Server) SetSeats(seats map[string]int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var found []*SKU
	for _, part := range slices.Sorted(maps.Keys(seats)) {
		if n := seats[part]; n < 0 {
			return fmt.Errorf("seats for %s: %d is negative", part, n)
		}
		i := slices.IndexFunc(s.st.skus, func(k *SKU) bool { return strings.EqualFold(k.SkuPartNumber, part) })
		if i < 0 {
			return fmt.Errorf("seats for %s: the tenant has no SKU with that skuPartNumber", part)
		}
		if slices.Contains(found, s.st.skus[i]) {
			return fmt.Errorf("seats for %s: the SKU is named twice", part)
		}
		found = append(found, s.st.skus[i])
	}
	for i, part := range slices.Sorted(maps.Keys(seats)) {
		found[i].PrepaidUnits.Enabled = seats[part]
	}
	return nil
}

// Stats returns a copy of the request log.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats.clone()
}

// ResetStats clears the request log.
func (s *Server) ResetStats() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats = newStats()
}
