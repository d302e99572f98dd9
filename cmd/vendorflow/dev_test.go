package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/vendorflow/vendorflow/pkg/config"
)

// The handler children get the front door's admin token, made up or taken
// from the environment, exactly once: their ops console signs operators in
// with it.
func TestDevChildEnvCarriesTheAdminToken(t *testing.T) {
	for _, tt := range []struct {
		name, parent string // the parent's VENDORFLOW_ADMIN_TOKEN ("" unset)
		token        string
	}{
		{"made up", "", "0123456789abcdef0123456789abcdef"},
		{"chosen", "chosen-token-0123456789", "chosen-token-0123456789"},
		{"the door's wins", "stale-token-0123456789", "fresh-token-0123456789"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.parent != "" {
				t.Setenv(EnvAdminToken, tt.parent)
			}
			env := devChildEnv(config.Config{}, tt.token)
			var got []string
			for _, kv := range env {
				if strings.HasPrefix(kv, EnvAdminToken+"=") {
					got = append(got, kv)
				}
			}
			if want := []string{EnvAdminToken + "=" + tt.token}; !slices.Equal(got, want) {
				t.Errorf("admin token in the children's environment = %q, want %q", got, want)
			}
		})
	}
}
