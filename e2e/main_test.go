package e2e

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// binary is the vendorflow binary TestMain builds once for every test. It is
// written before m.Run and only read afterwards.
var binary string

// TestMain builds ./cmd/vendorflow of this module into a temporary directory.
func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	flag.Parse()
	dir, err := os.MkdirTemp("", "vendorflow-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute) // a cold cache compiles the Graph SDK
	defer cancel()
	root, err := moduleRoot(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	binary = filepath.Join(dir, "vendorflow")
	start := time.Now()
	build := exec.CommandContext(ctx, "go", "build", "-o", binary, "./cmd/vendorflow")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: go build ./cmd/vendorflow: %v\n%s", err, out)
		return 1
	}
	if testing.Verbose() {
		fmt.Printf("e2e: built %s in %s\n", binary, time.Since(start).Round(time.Millisecond))
	}
	return m.Run()
}

// moduleRoot is the directory of the go.mod that `go env GOMOD` names.
func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("go env GOMOD: not inside a module (%q)", gomod)
	}
	return filepath.Dir(gomod), nil
}
