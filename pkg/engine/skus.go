package engine

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vendorflow/vendorflow/pkg/domain"
)

// skuCache holds the tenant's subscribed SKUs for Config.SKUCacheTTL, so
// that onboardings do not each read GET /subscribedSkus. Seat counts in it
// go stale as accounts are licensed; the engine reads again before it
// trusts a "no free seat" (see ensureLicenses).
type skuCache struct {
	mu   sync.Mutex
	at   time.Time
	skus []domain.SKU
}

// subscribedSKUs returns the SKUs, from the cache unless fresh is set or
// the cache has expired, and whether they came from the cache.
func (e *Engine) subscribedSKUs(ctx context.Context, fresh bool) ([]domain.SKU, bool, error) {
	c := &e.skus
	now := e.clk.Now()
	c.mu.Lock()
	if !fresh && c.skus != nil && now.Sub(c.at) < e.cfg.SKUCacheTTL {
		skus := slices.Clone(c.skus)
		c.mu.Unlock()
		return skus, true, nil
	}
	c.mu.Unlock()
	skus, err := e.dir.ListSKUs(ctx)
	if err != nil {
		return nil, false, err
	}
	if e.cfg.SKUCacheTTL > 0 {
		c.mu.Lock()
		c.at, c.skus = now, slices.Clone(skus)
		c.mu.Unlock()
	}
	return skus, false, nil
}

// forgetSKUs drops the cache: an assignLicense found the counts wrong.
func (e *Engine) forgetSKUs() {
	e.skus.mu.Lock()
	e.skus.skus = nil
	e.skus.mu.Unlock()
}

// resolveSKUs maps part numbers to the tenant's subscribed SKUs.
func resolveSKUs(have []domain.SKU, parts []string) ([]domain.SKU, error) {
	var out []domain.SKU
	for _, p := range parts {
		i := slices.IndexFunc(have, func(s domain.SKU) bool { return strings.EqualFold(s.PartNumber, p) })
		if i < 0 {
			return nil, domain.Errorf(domain.Business, "SKU %s is not subscribed in this tenant", p)
		}
		out = append(out, have[i])
	}
	return out, nil
}

// wantedSKUs resolves the onboarding's SKUs and the seats it needs (those
// held lacks). A cached list that cannot satisfy them is read again before
// the answer is trusted, so a stale cache never parks a request.
func (e *Engine) wantedSKUs(ctx context.Context, parts []string, held []string) (want []domain.SKU, add []string, err error) {
	for fresh := false; ; fresh = true {
		skus, cached, err := e.subscribedSKUs(ctx, fresh)
		if err != nil {
			return nil, nil, err
		}
		want, err = resolveSKUs(skus, parts)
		if err == nil {
			add, err = seatsToAdd(want, held)
		}
		if err == nil || !cached {
			return want, add, err
		}
	}
}

// seatsToAdd lists the wanted SKUs not held yet; one without a free seat is
// a Business failure, decided before any write.
func seatsToAdd(want []domain.SKU, held []string) ([]string, error) {
	var add []string
	for _, s := range want {
		if slices.Contains(held, s.ID) {
			continue
		}
		if s.Free() <= 0 {
			return nil, domain.Errorf(domain.Business, "no free seat for %s (%d of %d in use); buy seats or offboard an account, then replay", s.PartNumber, s.Consumed, s.Enabled)
		}
		add = append(add, s.ID)
	}
	return add, nil
}
