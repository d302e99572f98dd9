package benchreport

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAppend(t *testing.T) {
	t.Setenv(EnvOut, "")
	if err := Append(Figure{Figure: "x"}); err != nil {
		t.Fatalf("without %s: %v", EnvOut, err)
	}
	path := filepath.Join(t.TempDir(), "figures.jsonl")
	t.Setenv(EnvOut, path)
	if err := Append(Figure{Figure: "a", Value: 5, Met: true}, Figure{Figure: "b", Value: 7}); err != nil {
		t.Fatal(err)
	}
	if err := Append(Figure{Figure: "c"}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines, want 3: %s", len(lines), b)
	}
	var f Figure
	if err := json.Unmarshal([]byte(lines[0]), &f); err != nil || f.Figure != "a" || f.Value != 5 || !f.Met {
		t.Errorf("first line %s: %+v %v", lines[0], f, err)
	}
}
