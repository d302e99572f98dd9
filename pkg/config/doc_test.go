package config

import (
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// configurationDoc is the page that lists every setting.
const configurationDoc = "../../docs/configuration.md"

// keyPaths lists the dotted key of every setting of t (JSON names; a
// slice of structs contributes "name[].field"), leaving out fields the file
// never holds (json:"-").
func keyPaths(t reflect.Type, prefix string) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		path := prefix + name
		ft := f.Type
		switch {
		case ft.Kind() == reflect.Struct && ft.NumField() > 0 && ft.PkgPath() != "time":
			out = append(out, keyPaths(ft, path+".")...)
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct:
			out = append(out, path)
			out = append(out, keyPaths(ft.Elem(), path+"[].")...)
		default:
			out = append(out, path)
		}
	}
	return out
}

// settingRE finds the VENDORFLOW_* variables the code reads.
var settingRE = regexp.MustCompile(`"(VENDORFLOW_[A-Z0-9_]+)"`)

// codeSettings lists the VENDORFLOW_* names quoted in the product's code
// (pkg/ and cmd/, tests left out), so that a variable added anywhere must
// be documented.
func codeSettings(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, root := range []string{"..", "../../cmd"} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, m := range settingRE.FindAllSubmatch(b, -1) {
				if name := string(m[1]); !slices.Contains(out, name) {
					out = append(out, name)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	slices.Sort(out)
	return out
}

// TestConfigurationDocCovers keeps docs/configuration.md complete: every
// key of the configuration file, every environment override and every
// VENDORFLOW_* variable the code reads appears there, in backquotes.
func TestConfigurationDocCovers(t *testing.T) {
	b, err := os.ReadFile(configurationDoc)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	keys := keyPaths(reflect.TypeFor[Config](), "")
	var names []string
	for _, e := range envVars() {
		names = append(names, e.name)
	}
	names = append(names, codeSettings(t)...)
	names = append(names, FileSetting, ContentSetting)
	if len(keys) < 40 || len(names) < 30 {
		t.Fatalf("found %d keys and %d variables: the scan is broken", len(keys), len(names))
	}
	for _, want := range append(keys, names...) {
		if !strings.Contains(doc, "`"+want+"`") {
			t.Errorf("docs/configuration.md does not mention `%s`: add it with its default and an example", want)
		}
	}
}

// TestKeyPaths pins the walk on a small type, so that the coverage test
// above cannot pass by finding nothing.
func TestKeyPaths(t *testing.T) {
	type inner struct {
		B string `json:"b"`
	}
	type outer struct {
		A      string  `json:"a,omitempty"`
		Hidden string  `json:"-"`
		In     inner   `json:"in"`
		List   []inner `json:"list"`
		Names  []string
	}
	got := keyPaths(reflect.TypeFor[outer](), "x.")
	want := []string{"x.a", "x.in.b", "x.list", "x.list[].b", "x.Names"}
	if !slices.Equal(got, want) {
		t.Errorf("keyPaths = %v, want %v", got, want)
	}
}
