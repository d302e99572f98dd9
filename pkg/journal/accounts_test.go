package journal_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vendorflow/vendorflow/pkg/domain"
)

func TestAccounts(t *testing.T) {
	ctx := context.Background()
	j, clk := openMem(t)
	end := time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)
	first := domain.AccountRecord{
		UPN: "Vendor1_A@ABC.com", UserID: "u-1", Vendor: "vendor1", Email: "a@vendor1.com",
		State: domain.AccountActive, ContractEnd: end, LastRequest: "r1", IntentAt: t0.Add(-time.Hour),
		UpdatedAt: time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC), // ignored: the clock's time is stored
	}
	if err := j.PutAccount(ctx, first); err != nil {
		t.Fatal(err)
	}
	want := first
	want.UpdatedAt = t0
	for _, upn := range []string{"Vendor1_A@ABC.com", "vendor1_a@abc.com", "VENDOR1_A@abc.COM"} {
		got, err := j.Account(ctx, upn)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Account(%s) (-want +got):\n%s", upn, diff)
		}
	}

	// Replacing under another spelling replaces the one record; unset times stay unset.
	clk.Advance(time.Hour)
	second := domain.AccountRecord{UPN: "vendor1_a@abc.com", UserID: "u-1", State: domain.AccountOffboarded, LastRequest: "r2"}
	if err := j.PutAccount(ctx, second); err != nil {
		t.Fatal(err)
	}
	want = second
	want.UpdatedAt = t0.Add(time.Hour)
	got, err := j.Account(ctx, "VENDOR1_A@ABC.COM")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("after replace (-want +got):\n%s", diff)
	}

	_, err = j.Account(ctx, "other@abc.com")
	wantCode(t, err, domain.NotFound)
	wantCode(t, j.PutAccount(ctx, domain.AccountRecord{State: domain.AccountActive}), domain.Invalid)
}
