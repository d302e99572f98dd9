package tenantsim

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
)

// firstN agrees with a full sort cut to n, for sizes around n and keys
// with ties broken by id.
func TestFirstN(t *testing.T) {
	byKeyID := func(a, b listItem) int { return cmp.Or(cmp.Compare(a.key, b.key), cmp.Compare(a.id, b.id)) }
	r := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct{ size, n int }{{0, 3}, {1, 3}, {3, 3}, {4, 3}, {10, 1}, {100, 7}, {1000, 999}, {5000, 999}, {10, 0}} {
		items := make([]listItem, tc.size)
		for i := range items {
			items[i] = listItem{key: strconv.Itoa(r.IntN(tc.size/3 + 1)), id: strconv.Itoa(i)}
		}
		want := slices.Clone(items)
		slices.SortFunc(want, byKeyID)
		want = want[:min(tc.n, len(want))]
		got := firstN(slices.Clone(items), tc.n, byKeyID)
		if !slices.EqualFunc(got, want, func(a, b listItem) bool { return a.key == b.key && a.id == b.id }) {
			t.Errorf("firstN(%d items, %d) = %d items, differs from the sorted first %d", tc.size, tc.n, len(got), len(want))
		}
	}
}
