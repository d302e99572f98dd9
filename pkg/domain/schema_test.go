package domain

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type jsonSchema struct {
	Required   []string               `json:"required"`
	Properties map[string]*jsonSchema `json:"properties"`
	Const      any                    `json:"const"`
}

// fieldsOf lists a struct's JSON names and which ones are required
// (no omitempty).
func fieldsOf(t reflect.Type) (names, required []string) {
	for i := range t.NumField() {
		tag := t.Field(i).Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		names = append(names, name)
		if !strings.Contains(opts, "omitempty") {
			required = append(required, name)
		}
	}
	slices.Sort(names)
	slices.Sort(required)
	return names, required
}

// The published schemas name exactly the fields the Go types decode, so a
// producer that follows them is never refused for an unknown field.
func TestSchemasMatchTypes(t *testing.T) {
	tests := []struct {
		file  string
		typ   reflect.Type
		inner map[string]reflect.Type
	}{
		{"schema/onboard.schema.json", reflect.TypeFor[OnboardRequest](), map[string]reflect.Type{"person": reflect.TypeFor[Person](), "contract": reflect.TypeFor[Period]()}},
		{"schema/offboard.schema.json", reflect.TypeFor[OffboardRequest](), map[string]reflect.Type{"account": reflect.TypeFor[AccountRef]()}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b, err := Schemas.ReadFile(tt.file)
			if err != nil {
				t.Fatal(err)
			}
			var s jsonSchema
			if err := json.Unmarshal(b, &s); err != nil {
				t.Fatal(err)
			}
			check := func(path string, s *jsonSchema, typ reflect.Type) {
				names, required := fieldsOf(typ)
				var got []string
				for k := range s.Properties {
					got = append(got, k)
				}
				slices.Sort(got)
				if d := cmp.Diff(names, got); d != "" {
					t.Errorf("%s properties (-go +schema)\n%s", path, d)
				}
				req := slices.Clone(s.Required)
				slices.Sort(req)
				if d := cmp.Diff(required, req); d != "" {
					t.Errorf("%s required (-go +schema)\n%s", path, d)
				}
			}
			check("", &s, tt.typ)
			for name, typ := range tt.inner {
				check(name, s.Properties[name], typ)
			}
			if s.Properties["schemaVersion"].Const != float64(SchemaVersion) {
				t.Errorf("schemaVersion const = %v", s.Properties["schemaVersion"].Const)
			}
		})
	}
}
