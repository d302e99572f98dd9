package producer_test

import (
	"os/exec"
	"strings"
	"testing"
)

// A procurement system that imports the producer must not compile the
// Microsoft Graph SDK (minutes on a first build): the producer reaches the
// bus through pkg/connect, never pkg/app.
func TestProducerDoesNotLinkTheGraphSDK(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 50 {
		t.Fatalf("go list -deps listed %d packages: the check is broken", len(deps))
	}
	for _, d := range deps {
		if strings.HasPrefix(d, "github.com/microsoftgraph/") || d == "github.com/vendorflow/vendorflow/pkg/app" {
			t.Errorf("pkg/producer depends on %s", d)
		}
	}
}
