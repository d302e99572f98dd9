package odata_test

import (
	"testing"

	"github.com/vendorflow/vendorflow/pkg/odata"
)

func TestString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "''"},
		{"a@abc.com", "'a@abc.com'"},
		{"o'brien@abc.com", "'o''brien@abc.com'"},
		{"''", "''''''"},
		{"x' or 1 eq 1 or userPrincipalName eq 'y", "'x'' or 1 eq 1 or userPrincipalName eq ''y'"},
		{"a') or (accountEnabled eq true", "'a'') or (accountEnabled eq true'"},
		{"ünï'cödé", "'ünï''cödé'"},
	}
	for _, tt := range tests {
		if got := odata.String(tt.in); got != tt.want {
			t.Errorf("String(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
