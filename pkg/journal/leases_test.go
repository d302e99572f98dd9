package journal_test

import (
	"context"
	"testing"
	"time"
)

func TestLeases(t *testing.T) {
	ctx := context.Background()
	j, clk := openMem(t)
	steps := []struct {
		name       string
		advance    time.Duration
		do         func() (string, error)
		wantHolder string
	}{
		{"first owner takes it", 0, func() (string, error) { return j.AcquireLease(ctx, "a@ABC.com", "r1", clk.Now().Add(time.Minute)) }, ""},
		{"second owner is told who holds it", 0, func() (string, error) { return j.AcquireLease(ctx, "A@abc.com", "r2", clk.Now().Add(time.Minute)) }, "r1"},
		{"the owner renews", 0, func() (string, error) { return j.AcquireLease(ctx, "a@abc.com", "r1", clk.Now().Add(time.Minute)) }, ""},
		{"an expired lease is taken over", 2 * time.Minute, func() (string, error) { return j.AcquireLease(ctx, "a@abc.com", "r2", clk.Now().Add(time.Minute)) }, ""},
		{"release by a non-owner changes nothing", 0, func() (string, error) {
			if err := j.ReleaseLease(ctx, "a@abc.com", "r1"); err != nil {
				return "", err
			}
			return j.AcquireLease(ctx, "a@abc.com", "r3", clk.Now().Add(time.Minute))
		}, "r2"},
		{"release by the owner frees it", 0, func() (string, error) {
			if err := j.ReleaseLease(ctx, "a@abc.com", "r2"); err != nil {
				return "", err
			}
			return j.AcquireLease(ctx, "a@abc.com", "r3", clk.Now().Add(time.Minute))
		}, ""},
		{"other accounts are independent", 0, func() (string, error) { return j.AcquireLease(ctx, "b@abc.com", "r9", clk.Now().Add(time.Minute)) }, ""},
	}
	for _, s := range steps {
		clk.Advance(s.advance)
		holder, err := s.do()
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if holder != s.wantHolder {
			t.Fatalf("%s: holder = %q, want %q", s.name, holder, s.wantHolder)
		}
	}
}
