package infra_test

import (
	"archive/zip"
	"bytes"
	"debug/elf"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// scripts/package.sh builds the zip Flex Consumption deploys
// (functionAppConfig.deployment, infra/app/function.bicep): host.json, the
// executable host.json starts and the configuration at the root, and one
// folder per function. This builds the real binary, so it is skipped under
// -short, as the repository's other long script test is, except in CI.
func TestPackageZipForFlex(t *testing.T) {
	if testing.Short() && os.Getenv("CI") != "true" {
		t.Skip("builds the linux/amd64 binary (minutes on a cold cache)")
	}
	root := repoRoot(t)
	tmp := t.TempDir()

	sample := exec.Command("go", "run", "./cmd/vendorflow", "config", "sample")
	sample.Dir = root
	var stderr bytes.Buffer
	sample.Stderr = &stderr
	conf, err := sample.Output()
	if err != nil {
		t.Fatalf("vendorflow config sample: %v\n%s", err, stderr.String())
	}
	confPath := filepath.Join(tmp, "vendorflow.yaml")
	if err := os.WriteFile(confPath, conf, 0o644); err != nil {
		t.Fatal(err)
	}

	out := filepath.Join(tmp, "out")
	cmd := exec.Command("bash", filepath.Join(root, "scripts", "package.sh"), "--config", confPath, "--out", out)
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("scripts/package.sh: %v\n%s", err, b)
	}

	zr, err := zip.OpenReader(filepath.Join(out, "vendorflow-app.zip"))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	entries := map[string]*zip.File{}
	for _, f := range zr.File {
		entries[f.Name] = f
	}
	read := func(name string) []byte {
		t.Helper()
		f, ok := entries[name]
		if !ok {
			t.Fatalf("the zip has no %s at its root; entries: %s", name, strings.Join(names(zr.File), ", "))
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}

	if want, err := os.ReadFile(filepath.Join(root, "host.json")); err != nil {
		t.Fatal(err)
	} else if !bytes.Equal(read("host.json"), want) {
		t.Error("host.json in the zip differs from the repository's")
	}
	if !bytes.Equal(read("vendorflow.yaml"), conf) {
		t.Error("vendorflow.yaml in the zip is not the --config file")
	}

	bin := read("vendorflow")
	if mode := entries["vendorflow"].Mode(); mode&0o111 == 0 {
		t.Errorf("vendorflow has mode %v in the zip, want it executable", mode)
	}
	ef, err := elf.NewFile(bytes.NewReader(bin))
	if err != nil {
		t.Fatalf("vendorflow is not an ELF file: %v", err)
	}
	if ef.Class != elf.ELFCLASS64 || ef.Machine != elf.EM_X86_64 || ef.Type != elf.ET_EXEC {
		t.Errorf("vendorflow is %v %v %v, want a linux/amd64 executable (ELFCLASS64 EM_X86_64 ET_EXEC)", ef.Class, ef.Machine, ef.Type)
	}
	if ef.Section(".interp") != nil {
		t.Error("vendorflow has an .interp section: it is dynamically linked, want CGO_ENABLED=0")
	}
	for _, s := range []string{".symtab", ".debug_info"} {
		if ef.Section(s) != nil {
			t.Errorf("vendorflow has a %s section: not stripped (want go build -ldflags '-s -w')", s)
		}
	}

	fns, err := filepath.Glob(filepath.Join(root, "functions", "*", "function.json"))
	if err != nil || len(fns) == 0 {
		t.Fatalf("no functions/*/function.json: %v", err)
	}
	for _, fj := range fns {
		name := filepath.Base(filepath.Dir(fj))
		want, err := os.ReadFile(fj)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(read(name+"/function.json"), want) {
			t.Errorf("%s/function.json in the zip differs from functions/%s/function.json", name, name)
		}
	}
}

func names(files []*zip.File) []string {
	var out []string
	for _, f := range files {
		out = append(out, f.Name)
	}
	return out
}
