package funcapp

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// bashPath finds bash; the packaging tests fail rather than skip without it.
func bashPath(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("bash")
	if err != nil {
		t.Fatalf("bash is required to test scripts/package.sh: %v", err)
	}
	return p
}

// runPackage runs scripts/package.sh with args under env (nil: inherit).
func runPackage(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(bashPath(t), append([]string{filepath.Join(repoRoot(t), "scripts", "package.sh")}, args...)...)
	cmd.Env = env
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		code = exit.ExitCode()
	default:
		t.Fatalf("running package.sh: %v", err)
	}
	return o.String(), e.String(), code
}

// appFile is one regular file of the app root.
type appFile struct {
	Content    string
	Executable bool
}

// wantApp is the app root package.sh must produce for the given binary.
func wantApp(t *testing.T, binary []byte) map[string]appFile {
	t.Helper()
	root := repoRoot(t)
	read := func(rel string) string {
		b, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	want := map[string]appFile{
		"host.json":  {Content: read("host.json")},
		"vendorflow": {Content: string(binary), Executable: true},
	}
	for _, f := range Functions() {
		want[f.Name+"/function.json"] = appFile{Content: read(filepath.Join("functions", f.Name, "function.json"))}
	}
	return want
}

// readTree lists the regular files under dir; anything else fails the test.
func readTree(t *testing.T, dir string) map[string]appFile {
	t.Helper()
	got := map[string]appFile{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if !info.Mode().IsRegular() {
			t.Errorf("%s is not a regular file", p)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		got[filepath.ToSlash(rel)] = appFile{Content: string(b), Executable: info.Mode()&0o111 != 0}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// readZip lists the files of a zip archive (directory entries are skipped).
func readZip(t *testing.T, path string) map[string]appFile {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	got := map[string]appFile{}
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, "/") {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		got[f.Name] = appFile{Content: string(b), Executable: f.Mode()&0o111 != 0}
	}
	return got
}

// tinyBinary writes a stand-in executable.
func tinyBinary(t *testing.T) (string, []byte) {
	t.Helper()
	content := []byte("#!/bin/sh\necho vendorflow stand-in\n")
	p := filepath.Join(t.TempDir(), "vendorflow-test-bin")
	if err := os.WriteFile(p, content, 0o644); err != nil {
		t.Fatal(err)
	}
	return p, content
}

func TestPackageZip(t *testing.T) {
	bin, content := tinyBinary(t)
	out := filepath.Join(t.TempDir(), "out")
	stdout, stderr, code := runPackage(t, nil, "--binary", bin, "--out", out)
	if code != 0 {
		t.Fatalf("package.sh exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	want := wantApp(t, content)
	if diff := cmp.Diff(want, readTree(t, filepath.Join(out, "app"))); diff != "" {
		t.Errorf("app root mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, readZip(t, filepath.Join(out, "vendorflow-app.zip"))); diff != "" {
		t.Errorf("zip content mismatch (-want +got):\n%s", diff)
	}
	if !strings.Contains(stdout, "vendorflow-app.zip (zip)") {
		t.Errorf("stdout does not say which archive was written:\n%s", stdout)
	}

	// A second run replaces the output rather than mixing old files in.
	stale := filepath.Join(out, "app", "stale", "function.json")
	if err := os.MkdirAll(filepath.Dir(stale), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(stale, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := runPackage(t, nil, "--binary", bin, "--out", out); code != 0 {
		t.Fatalf("second run exit %d: %s", code, stderr)
	}
	if diff := cmp.Diff(want, readTree(t, filepath.Join(out, "app"))); diff != "" {
		t.Errorf("app root after a second run (-want +got):\n%s", diff)
	}
}

func TestPackageUsage(t *testing.T) {
	stdout, _, code := runPackage(t, nil, "--help")
	if code != 0 || !strings.Contains(stdout, "Usage: scripts/package.sh [--binary PATH] [--out DIR]") {
		t.Errorf("--help: exit %d, stdout:\n%s", code, stdout)
	}
	tests := []struct {
		args     []string
		wantCode int
		wantErr  string
	}{
		{[]string{"--bogus"}, 2, "unknown argument: --bogus"},
		{[]string{"--binary"}, 1, "--binary needs a path"},
		{[]string{"--binary", filepath.Join(t.TempDir(), "missing"), "--out", t.TempDir()}, 1, "no such file"},
	}
	for _, tc := range tests {
		_, stderr, code := runPackage(t, nil, tc.args...)
		if code != tc.wantCode || !strings.Contains(stderr, tc.wantErr) {
			t.Errorf("package.sh %q: exit %d, stderr %q; want exit %d with %q", tc.args, code, stderr, tc.wantCode, tc.wantErr)
		}
	}
}
