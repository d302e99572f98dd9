package tenantsim

import (
	"testing"
	"unicode/utf8"

	"github.com/vendorflow/vendorflow/pkg/odata"
)

// FuzzODataString: a string quoted by odata.String (the Graph adapter's) is
// read back by the emulator's $filter parser as exactly that one string
// literal, whatever quotes or keywords it holds, so a value can never
// change the filter's shape.
func FuzzODataString(f *testing.F) {
	for _, s := range []string{"", "a", "'", "''", "x' or accountEnabled eq true or displayName eq '", "O'Brien", "é'ü", ")", "a eq 'b'"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return // the adapter's values are UTF-8
		}
		n, err := parseFilter("userPrincipalName eq " + odata.String(s))
		if err != nil {
			t.Fatalf("ODataString(%q) does not parse: %v", s, err)
		}
		c, ok := n.(*fCompare)
		if !ok || c.op != "eq" || c.lit.kind != litString || c.lit.s != s {
			t.Fatalf("ODataString(%q) parsed as %#v", s, n)
		}
	})
}
