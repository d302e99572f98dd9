package funcapp

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// repoRoot is the module root (two levels up from this package).
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("repository root not found at %s: %v", root, err)
	}
	return root
}

// readJSON decodes a repository file, failing the test on any error.
func readJSON(t *testing.T, rel string, v any) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), rel))
	if err != nil {
		t.Fatalf("reading %s: %v", rel, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s is not valid JSON for %T: %v", rel, v, err)
	}
	return b
}

// settingRef matches %Setting% references, which the host resolves from app
// settings (local.settings.json Values when local).
var settingRef = regexp.MustCompile(`%([^%\s]+)%`)

// localValues returns local.settings.sample.json's Values.
func localValues(t *testing.T) map[string]string {
	t.Helper()
	var ls struct {
		IsEncrypted *bool
		Values      map[string]string
	}
	readJSON(t, "local.settings.sample.json", &ls)
	if ls.IsEncrypted == nil || *ls.IsEncrypted {
		t.Errorf("local.settings.sample.json: IsEncrypted must be present and false")
	}
	return ls.Values
}

// hhmmss is a .NET TimeSpan without days or fractions.
var hhmmss = regexp.MustCompile(`^\d{2}:\d{2}:\d{2}$`)

// fmtSscanf reads "hh:mm:ss" strictly.
func fmtSscanf(s string, h, m, sec *int) (int, error) {
	if !hhmmss.MatchString(s) {
		return 0, errors.New("want hh:mm:ss")
	}
	return fmt.Sscanf(s, "%d:%d:%d", h, m, sec)
}
