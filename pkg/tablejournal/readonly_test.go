package tablejournal_test

import (
	"context"
	"testing"

	"github.com/vendorflow/vendorflow/pkg/clock"
	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/tablejournal"
	"github.com/vendorflow/vendorflow/pkg/tables"
	"github.com/vendorflow/vendorflow/pkg/tables/tablestest"
)

// OpenReadOnly creates no table: a journal that was never written is
// NotFound, and is still not there afterwards (a mistyped prefix must not
// become a new, empty journal); one that was written reads as Open does.
func TestOpenReadOnly(t *testing.T) {
	ctx := context.Background()
	s := tablestest.Settings(t)
	svc, err := tables.Open(s)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second look must not find what the first made
		if _, err := tablejournal.OpenReadOnly(ctx, svc, clock.Real{}); domain.ErrorCode(err) != domain.NotFound {
			t.Fatalf("read-only open of a journal never written: %v, want NotFound", err)
		}
	}
	t.Cleanup(func() { dropTables(t, s) })
	w, err := tablejournal.Open(ctx, svc, clock.Real{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.Begin(ctx, domain.RequestRecord{ID: "ro-1", Kind: domain.KindOnboard, Fingerprint: "f"}); err != nil {
		t.Fatal(err)
	}
	r, err := tablejournal.OpenReadOnly(ctx, svc, clock.Real{})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := r.Request(ctx, "ro-1"); err != nil || got.ID != "ro-1" {
		t.Errorf("read-only journal: %+v, %v", got, err)
	}
}
