package tenantsim

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The conformance suite: for every Graph API vendorflow uses, the documented
// example request gives the documented status, headers and body shape.
//
// Fixtures live in testdata/conformance/*.json, one file per docs page of
// microsoftgraph/microsoft-graph-docs-contrib (api-reference/v1.0/api/*.md
// or concepts/*.md). They are written here: the request and the expected
// shape, never text copied from the page. Each case runs on a fresh emulator
// loaded with DemoSeed, as a sequence of steps.
//
// A fixture file:
//
//	{
//	  "page": "api-reference/v1.0/api/user-post-users.md",
//	  "api": "users: create",
//	  "cases": [{
//	    "name": "example 1: create a user",
//	    "open": "",          // a behaviour the docs leave open: the reading chosen, and why
//	    "steps": [{
//	      "request": {"method": "POST", "path": "/users", "headers": {...}, "body": {...}},
//	      "expect":  {"status": 201, "headers": {...}, "body": {...}},
//	      "save":    {"user": "id"}   // variable ← top-level member of the response body
//	    }]
//	  }]
//	}
//
// Request paths are relative to /v1.0, start with /_sim/ for the admin
// endpoints a step needs (e.g. PUT /_sim/faults), or are absolute URLs such
// as a saved @odata.nextLink, sent as they are. "{{name}}" in a path, a
// header or any string of a body is replaced by a variable: the seed's
// objects (see conformanceVars), "base" (the emulator's /v1.0 URL) and the
// values saved by earlier steps. A request's "body" is sent as JSON with
// Content-Type: application/json unless the step's headers say otherwise;
// "rawBody" sends text as is.
//
// Expected bodies are shapes. A literal must be equal; a string starting
// with "~" is a matcher: ~string ~nonempty ~guid ~datetime ~number ~bool
// ~null ~any ~absent ~prefix:X ~suffix:X ~contains:X. An object matches when
// each of its members matches (other members are allowed, unless it has
// "~exact": true). An array matches element by element; {"~each": M} matches
// every element of an array against M, with "~len" and "~min" for its
// length; {"~byId": {"1": M1, "2": M2}} matches an array of objects in any
// order, as $batch responses come: one element per listed id, each
// matching its shape, and no others. "bodyText" compares a non-JSON body
// exactly.

type conformanceFile struct {
	Page  string            `json:"page"`
	API   string            `json:"api"`
	Cases []conformanceCase `json:"cases"`
}

type conformanceCase struct {
	Name  string            `json:"name"`
	Open  string            `json:"open,omitempty"`
	Steps []conformanceStep `json:"steps"`
}

type conformanceStep struct {
	Request conformanceRequest `json:"request"`
	Expect  conformanceExpect  `json:"expect"`
	Save    map[string]string  `json:"save,omitempty"`
	// Advance moves the emulator's clock forward before the request ("2s").
	Advance string `json:"advance,omitempty"`
}

type conformanceRequest struct {
	Method  string            `json:"method"`
	Path    string            `json:"path"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    json.RawMessage   `json:"body,omitempty"`
	RawBody *string           `json:"rawBody,omitempty"`
}

type conformanceExpect struct {
	Status   int               `json:"status"`
	Headers  map[string]string `json:"headers,omitempty"`
	Body     json.RawMessage   `json:"body,omitempty"`
	BodyText *string           `json:"bodyText,omitempty"`
}

// conformanceDir holds the fixtures.
const conformanceDir = "testdata/conformance"

// namedFixture is one fixture file and its base name.
type namedFixture struct {
	name string
	conformanceFile
}

// loadConformance reads every fixture, sorted by file name.
func loadConformance(t *testing.T) []namedFixture {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(conformanceDir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatalf("no fixtures in %s", conformanceDir)
	}
	var out []namedFixture
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		var f conformanceFile
		if err := dec.Decode(&f); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if f.Page == "" || f.API == "" || len(f.Cases) == 0 {
			t.Fatalf("%s: page, api and cases are required", p)
		}
		if !strings.HasPrefix(f.Page, "api-reference/v1.0/") && !strings.HasPrefix(f.Page, "concepts/") {
			t.Fatalf("%s: page %q is not a microsoft-graph-docs-contrib v1.0 or concepts page", p, f.Page)
		}
		names := map[string]bool{}
		for _, c := range f.Cases {
			if c.Name == "" || len(c.Steps) == 0 || names[c.Name] {
				t.Fatalf("%s: case %q: needs a unique name and at least one step", p, c.Name)
			}
			names[c.Name] = true
		}
		out = append(out, namedFixture{filepath.Base(p), f})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func TestConformance(t *testing.T) {
	for _, f := range loadConformance(t) {
		t.Run(strings.TrimSuffix(f.name, ".json"), func(t *testing.T) {
			for _, c := range f.Cases {
				t.Run(c.Name, func(t *testing.T) { runConformanceCase(t, f.Page, c) })
			}
		})
	}
}

// conformanceVars are the seed's objects by name.
func conformanceVars(h *harness) map[string]string {
	return map[string]string{
		"base":             h.hs.URL + "/v1.0",
		"domain":           testDomain,
		"sender":           DemoSenderID,
		"senderUpn":        "vendorflow@" + testDomain,
		"expert1":          DemoExpert1ID,
		"expert2":          DemoExpert2ID,
		"sponsor":          DemoSponsorID,
		"groupExperts":     GroupIBExpertsID,
		"groupVendor1":     GroupIBVendor1ID,
		"groupVendor2":     GroupIBVendor2ID,
		"groupContractors": GroupIBContractorsID,
		"skuRemoteAssist":  SKURemoteAssist,
		"skuE5":            SKUMicrosoft365E5,
		"planTeams1":       PlanTeams1,
		"planIB":           PlanInformationBarriers,
	}
}

var varPattern = regexp.MustCompile(`\{\{([A-Za-z0-9_]+)\}\}`)

func runConformanceCase(t *testing.T, page string, c conformanceCase) {
	h := newHarness(t)
	vars := conformanceVars(h)
	subst := func(s string) string {
		return varPattern.ReplaceAllStringFunc(s, func(m string) string {
			name := varPattern.FindStringSubmatch(m)[1]
			v, ok := vars[name]
			if !ok {
				t.Fatalf("%s: %s: unknown variable %s", page, c.Name, m)
			}
			return v
		})
	}
	for i, st := range c.Steps {
		where := fmt.Sprintf("%s, %q step %d (%s %s)", page, c.Name, i+1, st.Request.Method, st.Request.Path)
		if st.Advance != "" {
			d, err := time.ParseDuration(st.Advance)
			if err != nil {
				t.Fatalf("%s: advance: %v", where, err)
			}
			h.clock.Advance(d)
		}
		res := sendConformance(t, h, st.Request, subst)
		if res.status != st.Expect.Status {
			t.Fatalf("%s: status %d, want %d; body: %s", where, res.status, st.Expect.Status, res.body)
		}
		for k, m := range st.Expect.Headers {
			vs, present := res.header[http.CanonicalHeaderKey(k)]
			var got any
			if present {
				got = strings.Join(vs, ", ")
			}
			if err := matchShape(subst(m), got, present, "header "+k); err != nil {
				t.Errorf("%s: %v", where, err)
			}
		}
		if st.Expect.BodyText != nil && string(res.body) != subst(*st.Expect.BodyText) {
			t.Errorf("%s: body %q, want %q", where, res.body, subst(*st.Expect.BodyText))
		}
		var got any
		if len(st.Expect.Body) > 0 || len(st.Save) > 0 {
			if err := json.Unmarshal(res.body, &got); err != nil {
				t.Fatalf("%s: body is not JSON: %v: %s", where, err, res.body)
			}
		}
		if len(st.Expect.Body) > 0 {
			var want any
			if err := json.Unmarshal(st.Expect.Body, &want); err != nil {
				t.Fatalf("%s: expect.body: %v", where, err)
			}
			if err := matchShape(substAll(want, subst), got, true, "body"); err != nil {
				t.Errorf("%s: %v\nbody: %s", where, err, res.body)
			}
		}
		for name, member := range st.Save {
			obj, _ := got.(map[string]any)
			v, ok := obj[member].(string)
			if !ok {
				t.Fatalf("%s: save %s: no string member %q in %s", where, name, member, res.body)
			}
			vars[name] = v
		}
	}
}

func sendConformance(t *testing.T, h *harness, rq conformanceRequest, subst func(string) string) response {
	t.Helper()
	var body io.Reader
	if rq.RawBody != nil {
		body = strings.NewReader(subst(*rq.RawBody))
	} else if len(rq.Body) > 0 {
		var v any
		if err := json.Unmarshal(rq.Body, &v); err != nil {
			t.Fatalf("request body: %v", err)
		}
		b, _ := json.Marshal(substAll(v, subst))
		body = bytes.NewReader(b)
	}
	path := subst(rq.Path)
	url := h.hs.URL + "/v1.0" + path
	switch {
	case strings.HasPrefix(path, "/_sim/"):
		url = h.hs.URL + path
	case strings.HasPrefix(path, "http://"), strings.HasPrefix(path, "https://"):
		url = path
	}
	req, err := http.NewRequest(rq.Method, url, body)
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	req.Header.Set("Authorization", "Bearer conformance")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range rq.Headers {
		if v == "" {
			req.Header.Del(k)
			continue
		}
		req.Header.Set(k, subst(v))
	}
	res, err := h.hs.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", rq.Method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: b}
}

// substAll replaces variables in every string of a decoded JSON value.
func substAll(v any, subst func(string) string) any {
	switch v := v.(type) {
	case string:
		return subst(v)
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = substAll(e, subst)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[subst(k)] = substAll(e, subst)
		}
		return out
	}
	return v
}

var (
	guidPattern     = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	datetimePattern = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$`)
)

// matchShape matches a decoded JSON value (present false: the member is
// missing) against an expected shape; see the package comment above.
func matchShape(want, got any, present bool, at string) error {
	if s, ok := want.(string); ok && strings.HasPrefix(s, "~") {
		return matchMatcher(s, got, present, at)
	}
	if !present {
		return fmt.Errorf("%s: missing, want %s", at, describe(want))
	}
	switch w := want.(type) {
	case map[string]any:
		if each, ok := w["~each"]; ok {
			return matchEach(w, each, got, at)
		}
		if byID, ok := w["~byId"].(map[string]any); ok {
			return matchByID(byID, got, at)
		}
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: %s, want an object", at, describe(got))
		}
		keys := make([]string, 0, len(w))
		for k := range w {
			if k != "~exact" {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			gv, gp := g[k]
			if err := matchShape(w[k], gv, gp, at+"."+k); err != nil {
				return err
			}
		}
		if w["~exact"] == true {
			for k := range g {
				if !slices.Contains(keys, k) {
					return fmt.Errorf("%s: unexpected member %q", at, k)
				}
			}
		}
		return nil
	case []any:
		g, ok := got.([]any)
		if !ok {
			return fmt.Errorf("%s: %s, want an array", at, describe(got))
		}
		if len(g) != len(w) {
			return fmt.Errorf("%s: %d elements, want %d", at, len(g), len(w))
		}
		for i := range w {
			if err := matchShape(w[i], g[i], true, at+"["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
		return nil
	}
	wb, _ := json.Marshal(want)
	gb, _ := json.Marshal(got)
	if !bytes.Equal(wb, gb) {
		return fmt.Errorf("%s: %s, want %s", at, gb, wb)
	}
	return nil
}

func matchEach(w map[string]any, each, got any, at string) error {
	g, ok := got.([]any)
	if !ok {
		return fmt.Errorf("%s: %s, want an array", at, describe(got))
	}
	if n, ok := w["~len"].(float64); ok && len(g) != int(n) {
		return fmt.Errorf("%s: %d elements, want %d", at, len(g), int(n))
	}
	if n, ok := w["~min"].(float64); ok && len(g) < int(n) {
		return fmt.Errorf("%s: %d elements, want at least %d", at, len(g), int(n))
	}
	for i, e := range g {
		if err := matchShape(each, e, true, at+"["+strconv.Itoa(i)+"]"); err != nil {
			return err
		}
	}
	return nil
}

func matchByID(want map[string]any, got any, at string) error {
	g, ok := got.([]any)
	if !ok {
		return fmt.Errorf("%s: %s, want an array", at, describe(got))
	}
	seen := map[string]bool{}
	for i, e := range g {
		obj, _ := e.(map[string]any)
		id, _ := obj["id"].(string)
		shape, listed := want[id]
		if !listed || seen[id] {
			return fmt.Errorf("%s[%d]: id %q is not listed once in ~byId", at, i, id)
		}
		seen[id] = true
		if err := matchShape(shape, e, true, at+"[id="+id+"]"); err != nil {
			return err
		}
	}
	for id := range want {
		if !seen[id] {
			return fmt.Errorf("%s: no element with id %q", at, id)
		}
	}
	return nil
}

func matchMatcher(m string, got any, present bool, at string) error {
	if m == "~absent" {
		if present {
			return fmt.Errorf("%s: %s, want it absent", at, describe(got))
		}
		return nil
	}
	if !present {
		return fmt.Errorf("%s: missing, want %s", at, m)
	}
	s, isString := got.(string)
	okay := false
	switch {
	case m == "~any":
		okay = true
	case m == "~string":
		okay = isString
	case m == "~nonempty":
		okay = isString && s != ""
	case m == "~guid":
		okay = isString && guidPattern.MatchString(s)
	case m == "~datetime":
		okay = isString && datetimePattern.MatchString(s)
	case m == "~number":
		_, okay = got.(float64)
	case m == "~bool":
		_, okay = got.(bool)
	case m == "~null":
		okay = got == nil
	case strings.HasPrefix(m, "~prefix:"):
		okay = isString && strings.HasPrefix(s, m[len("~prefix:"):])
	case strings.HasPrefix(m, "~suffix:"):
		okay = isString && strings.HasSuffix(s, m[len("~suffix:"):])
	case strings.HasPrefix(m, "~contains:"):
		okay = isString && strings.Contains(s, m[len("~contains:"):])
	default:
		return fmt.Errorf("%s: unknown matcher %q", at, m)
	}
	if !okay {
		return fmt.Errorf("%s: %s, want %s", at, describe(got), m)
	}
	return nil
}

func describe(v any) string {
	b, err := json.Marshal(v)
	if err != nil || len(b) > 200 {
		return fmt.Sprintf("%T", v)
	}
	return string(b)
}

// The matcher itself must be able to fail.
func TestMatchShape(t *testing.T) {
	tests := []struct {
		name      string
		want, got string
		ok        bool
	}{
		{"literal", `{"a":1}`, `{"a":1,"b":2}`, true},
		{"literal differs", `{"a":1}`, `{"a":2}`, false},
		{"missing", `{"a":1}`, `{}`, false},
		{"exact", `{"a":"~number","~exact":true}`, `{"a":1,"b":2}`, false},
		{"absent", `{"a":"~absent"}`, `{"a":null}`, false},
		{"absent ok", `{"a":"~absent"}`, `{}`, true},
		{"guid", `"~guid"`, `"5a0e7b1c-2d3f-4a5b-8c6d-7e8f9a0b1c01"`, true},
		{"not a guid", `"~guid"`, `"x"`, false},
		{"datetime", `"~datetime"`, `"2026-03-02T10:00:00Z"`, true},
		{"not a datetime", `"~datetime"`, `"2026-03-02"`, false},
		{"each", `{"~each":{"id":"~guid"},"~min":1}`, `[{"id":"5a0e7b1c-2d3f-4a5b-8c6d-7e8f9a0b1c01"}]`, true},
		{"each fails", `{"~each":{"id":"~guid"}}`, `[{"id":"x"}]`, false},
		{"each too short", `{"~each":"~any","~min":2}`, `[1]`, false},
		{"each len", `{"~each":"~any","~len":0}`, `[1]`, false},
		{"array", `[1,"~string"]`, `[1,"a"]`, true},
		{"array length", `[1]`, `[1,2]`, false},
		{"null", `"~null"`, `null`, true},
		{"not null", `"~null"`, `0`, false},
		{"prefix", `"~prefix:ab"`, `"abc"`, true},
		{"suffix", `"~suffix:ab"`, `"abc"`, false},
		{"unknown matcher", `"~shoe"`, `1`, false},
		{"by id in any order", `{"~byId":{"1":{"status":200},"2":{"status":404}}}`, `[{"id":"2","status":404},{"id":"1","status":200}]`, true},
		{"by id, wrong shape", `{"~byId":{"1":{"status":200}}}`, `[{"id":"1","status":500}]`, false},
		{"by id, missing", `{"~byId":{"1":"~any","2":"~any"}}`, `[{"id":"1"}]`, false},
		{"by id, extra", `{"~byId":{"1":"~any"}}`, `[{"id":"1"},{"id":"3"}]`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var w, g any
			if err := json.Unmarshal([]byte(tt.want), &w); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal([]byte(tt.got), &g); err != nil {
				t.Fatal(err)
			}
			if err := matchShape(w, g, true, "v"); (err == nil) != tt.ok {
				t.Errorf("matchShape(%s, %s) = %v, want ok %v", tt.want, tt.got, err, tt.ok)
			}
		})
	}
}

// emulatorDoc is the fidelity report, which lists the suite.
const emulatorDoc = "../../docs/emulator.md"

var updateDoc = flag.Bool("update-emulator-doc", false, "rewrite the generated blocks of docs/emulator.md from the fixtures")

// TestEmulatorDocMatchesSuite holds docs/emulator.md to the fixtures: its
// conformance table lists every fixture file with its page and case count,
// and its list of readings holds every case marked "open", word for word.
// On a mismatch it fails; go test ./pkg/tenantsim -run
// TestEmulatorDocMatchesSuite -update-emulator-doc rewrites the blocks.
func TestEmulatorDocMatchesSuite(t *testing.T) {
	var table, open []string
	table = append(table, "| Fixture | Docs page | Cases | Open readings |", "|---|---|---|---|")
	for _, f := range loadConformance(t) {
		n := f.name
		opens := 0
		for _, c := range f.Cases {
			if c.Open != "" {
				opens++
				open = append(open, fmt.Sprintf("- `%s`, %s: %s", n, c.Name, c.Open))
			}
		}
		table = append(table, fmt.Sprintf("| `%s` | `%s` | %d | %d |", n, f.Page, len(f.Cases), opens))
	}
	b, err := os.ReadFile(emulatorDoc)
	if err != nil {
		t.Fatalf("the fidelity report: %v", err)
	}
	doc := string(b)
	for _, blk := range []struct {
		name string
		want []string
	}{{"conformance", table}, {"open", open}} {
		begin, end := "<!-- "+blk.name+":begin -->\n", "<!-- "+blk.name+":end -->"
		i, j := strings.Index(doc, begin), strings.Index(doc, end)
		if i < 0 || j < i {
			t.Errorf("%s: no %q … %q block", emulatorDoc, strings.TrimSpace(begin), end)
			continue
		}
		got := strings.TrimRight(doc[i+len(begin):j], "\n")
		want := strings.Join(blk.want, "\n")
		switch {
		case got == want:
		case *updateDoc:
			doc = doc[:i+len(begin)] + want + "\n" + doc[j:]
		default:
			t.Errorf("%s: the %s block does not match the fixtures; run go test ./pkg/tenantsim -run TestEmulatorDocMatchesSuite -update-emulator-doc, and read the diff", emulatorDoc, blk.name)
		}
	}
	if *updateDoc && doc != string(b) {
		if err := os.WriteFile(emulatorDoc, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
