// Package docs holds the tests that keep the operator documentation in
// step with the code it describes.
package docs

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/vendorflow/vendorflow/pkg/domain"
)

// productSource is the non-test Go source of pkg/, where every reason is
// born.
func productSource(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir("../pkg", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") ||
			strings.Contains(path, "tenantsim") {
			return err
		}
		src, err := os.ReadFile(path)
		b.Write(src)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// runbookReasons are the parts of each reason the runbook explains that
// stay the same whatever the request (the code formats the rest). Each
// must be in the code, so that a reworded reason shows up here, and in the
// runbook, so that a new reason is explained.
var runbookReasons = []string{
	"invalid request: ",
	"undecodable request: ",
	"was reused with different content",
	"userPrincipalName is already taken by another object",
	"numbered alternatives all belong to other accounts; name the account in the request (serviceAccount)",
	"is not managed by vendorflow; it was left untouched",
	"not to %s; it was left untouched",
	"no service account of",
	"(nor in the deleted items); recorded, so that an older onboard of it is superseded",
	"buy seats or offboard an account, then replay",
	"no free seat for SKU",
	"is not subscribed in this tenant",
	"refused by the tenant's Temporary Access Pass policy",
	"access denied: the app needs the",
	"to give back",
	"gave up after",
	"throttled by Graph (429)",
	"usage location not yet visible to licensing (replication)",
	"waiting for the Graph write budget",
	"the account is held by another run",
	"superseded by the newer request",
	"MaxDeliveryCountExceeded",
	"TTLExpiredException",
}

// TestRunbookExplainsEveryReason checks docs/runbook.md against the code:
// every code of domain.OutcomeOf with its exit code, and every reason above.
func TestRunbookExplainsEveryReason(t *testing.T) {
	b, err := os.ReadFile("runbook.md")
	if err != nil {
		t.Fatal(err)
	}
	runbook, code := string(b), productSource(t)
	for _, c := range []domain.Code{domain.Invalid, domain.Conflict, domain.NotFound, domain.Business, domain.Transient, domain.Internal} {
		row := regexp.MustCompile(fmt.Sprintf("(?m)^\\| `%s` \\| %d \\|", c, domain.OutcomeOf(c).ExitCode))
		if !row.MatchString(runbook) {
			t.Errorf("runbook.md has no row for code %s with exit code %d", c, domain.OutcomeOf(c).ExitCode)
		}
	}
	for _, r := range runbookReasons {
		if !strings.Contains(code, r) {
			t.Errorf("no code under pkg/ says %q any more: update runbook.md and this list", r)
		}
		// the runbook quotes the reason as an operator sees it, with the
		// formatted parts filled in
		if quoted := strings.ReplaceAll(r, "%s", "…"); !strings.Contains(runbook, quoted) {
			t.Errorf("runbook.md does not explain %q", quoted)
		}
	}
}
