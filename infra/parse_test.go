package infra_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/vendorflow/vendorflow/pkg/app"
	"github.com/vendorflow/vendorflow/pkg/funcapp"
)

// The files the agreement test reads, relative to the repository root. Its
// problems name them, so that each says which file to fix.
const (
	mainFile        = "infra/main.bicep"
	serviceBusFile  = "infra/app/servicebus.bicep"
	graphFile       = "infra/app/graph-permissions.bicep"
	permissionsDoc  = "docs/permissions.md"
	azureSettingsGo = "pkg/app/azuresettings.go"
	funcappGo       = "pkg/funcapp/settings.go"
)

// infraSide is what infra/ declares, read from the Bicep files by a small
// line-based parser (the Bicep compiler cannot run where this was written).
type infraSide struct {
	// Settings are the keys of main.bicep's `var appSettings = {…}`, in order.
	Settings []string
	// Values holds each setting's right-hand side as written.
	Values map[string]string
	// Defaults are main.bicep's string parameters with their defaults.
	Defaults map[string]string
	// Queues are the main.bicep parameters that the Service Bus module
	// makes queues of (main.bicep passes them; servicebus.bicep names a
	// queue `union(queueSettings, { name: <param> })` after each).
	Queues []string
	// Queue holds servicebus.bicep's queueSettings, shared by every queue.
	Queue queueSettings
	// Permissions is graph-permissions.bicep's graphPermissions array.
	Permissions []string
}

type queueSettings struct {
	DuplicateDetection string // requiresDuplicateDetection, as written
	Window             string // duplicateDetectionHistoryTimeWindow
	LockDuration       string
}

// codeSide is what the Go code and the docs say the deployment needs.
type codeSide struct {
	Settings  []string          // app.AzureSettings() names
	Forbidden map[string]string // app.ForbiddenSettings()
	// Defaults are funcapp.DefaultSettings(): the queue names and schedules.
	Defaults map[string]string
	// QueueSettings name the settings that hold queue names.
	QueueSettings []string
	References    []reference
	Connections   []connection
	// Permissions is the first column of permissions.md's "What to grant".
	Permissions []string
}

// reference is a %Setting% a function.json binding resolves.
type reference struct {
	File, Setting string
}

// connection is an identity-based connection the host opens.
type connection struct {
	Source, Prefix string
	ServiceBus     bool // else storage
}

func readLines(root, rel string) ([]string, error) {
	f, err := os.Open(filepath.Join(root, rel))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", rel, err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", rel, err)
	}
	return lines, nil
}

var (
	objectKey   = regexp.MustCompile(`^\s*([A-Za-z_][A-Za-z0-9_]*|'[^']*')\s*:\s*(.*)$`)
	stringParam = regexp.MustCompile(`^param\s+(\w+)\s+string\s*=\s*'([^']*)'`)
	passedParam = regexp.MustCompile(`^\s*(\w+)\s*:\s*(\w+)\s*$`)
	queueEntry  = regexp.MustCompile(`^\s*union\(queueSettings,\s*\{\s*name:\s*(\w+)\s*\}\)\s*$`)
	quotedItem  = regexp.MustCompile(`^\s*'([^']+)'\s*(//.*)?$`)
)

// block returns the lines after the first line starting with opener, up to
// the line that closes it (brace or bracket depth back to zero).
func block(lines []string, opener, file string) ([]string, error) {
	for i, l := range lines {
		if !strings.HasPrefix(strings.TrimSpace(l), opener) {
			continue
		}
		depth := strings.Count(l, "{") + strings.Count(l, "[") - strings.Count(l, "}") - strings.Count(l, "]")
		for j := i + 1; j < len(lines); j++ {
			depth += strings.Count(lines[j], "{") + strings.Count(lines[j], "[") - strings.Count(lines[j], "}") - strings.Count(lines[j], "]")
			if depth <= 0 {
				return lines[i+1 : j], nil
			}
		}
		return nil, fmt.Errorf("%s: %q is never closed", file, opener)
	}
	return nil, fmt.Errorf("%s: no line starts with %q", file, opener)
}

// objectEntries reads the top-level `key: value` lines of an object body.
func objectEntries(body []string) (keys []string, values map[string]string) {
	values = map[string]string{}
	depth := 0
	for _, l := range body {
		if depth == 0 {
			if m := objectKey.FindStringSubmatch(l); m != nil {
				k := strings.Trim(m[1], "'")
				keys = append(keys, k)
				values[k] = strings.TrimSpace(stripComment(m[2]))
			}
		}
		depth += strings.Count(l, "{") + strings.Count(l, "[") - strings.Count(l, "}") - strings.Count(l, "]")
	}
	return keys, values
}

// stripComment drops a trailing // comment that is outside a quoted string.
func stripComment(s string) string {
	quoted := false
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\'':
			quoted = !quoted
		case !quoted && strings.HasPrefix(s[i:], "//"):
			return s[:i]
		}
	}
	return s
}

func readInfra(root string) (infraSide, error) {
	var s infraSide
	main, err := readLines(root, mainFile)
	if err != nil {
		return s, err
	}
	body, err := block(main, "var appSettings = {", mainFile)
	if err != nil {
		return s, err
	}
	s.Settings, s.Values = objectEntries(body)
	s.Defaults = map[string]string{}
	for _, l := range main {
		if m := stringParam.FindStringSubmatch(l); m != nil {
			s.Defaults[m[1]] = m[2]
		}
	}

	sb, err := readLines(root, serviceBusFile)
	if err != nil {
		return s, err
	}
	var queueParams []string // servicebus.bicep's parameters that name queues
	for _, l := range sb {
		if m := queueEntry.FindStringSubmatch(l); m != nil {
			queueParams = append(queueParams, m[1])
		}
	}
	passed, err := block(main, "module serviceBus ", mainFile)
	if err != nil {
		return s, err
	}
	for _, l := range passed {
		if m := passedParam.FindStringSubmatch(l); m != nil && slices.Contains(queueParams, m[1]) {
			s.Queues = append(s.Queues, m[2])
		}
	}
	qs, err := block(sb, "var queueSettings = {", serviceBusFile)
	if err != nil {
		return s, err
	}
	_, qv := objectEntries(qs)
	s.Queue = queueSettings{
		DuplicateDetection: qv["requiresDuplicateDetection"],
		Window:             strings.Trim(qv["duplicateDetectionHistoryTimeWindow"], "'"),
		LockDuration:       strings.Trim(qv["lockDuration"], "'"),
	}

	graph, err := readLines(root, graphFile)
	if err != nil {
		return s, err
	}
	perms, err := block(graph, "var graphPermissions = [", graphFile)
	if err != nil {
		return s, err
	}
	for _, l := range perms {
		if m := quotedItem.FindStringSubmatch(l); m != nil {
			s.Permissions = append(s.Permissions, m[1])
		}
	}
	return s, nil
}

func readCode(root string) (codeSide, error) {
	c := codeSide{
		Forbidden:     app.ForbiddenSettings(),
		Defaults:      funcapp.DefaultSettings(),
		QueueSettings: []string{funcapp.SettingOnboardQueue, funcapp.SettingOffboardQueue, funcapp.SettingParkingQueue},
	}
	for _, s := range app.AzureSettings() {
		c.Settings = append(c.Settings, s.Name)
	}
	for _, p := range app.ConnectionPrefixes() {
		c.Connections = append(c.Connections, connection{Source: azureSettingsGo + " ConnectionPrefixes()", Prefix: p, ServiceBus: p == funcapp.ServiceBusConnection})
	}

	files, err := filepath.Glob(filepath.Join(root, "functions", "*", "function.json"))
	if err != nil {
		return c, fmt.Errorf("list function.json files: %w", err)
	}
	sort.Strings(files)
	for _, f := range files {
		rel, _ := filepath.Rel(root, f)
		rel = filepath.ToSlash(rel)
		b, err := os.ReadFile(f)
		if err != nil {
			return c, fmt.Errorf("read %s: %w", rel, err)
		}
		var doc struct {
			Bindings []map[string]any `json:"bindings"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			return c, fmt.Errorf("decode %s: %w", rel, err)
		}
		for _, bnd := range doc.Bindings {
			typ, _ := bnd["type"].(string)
			if conn, ok := bnd["connection"].(string); ok && conn != "" {
				c.Connections = append(c.Connections, connection{Source: rel, Prefix: conn, ServiceBus: strings.HasPrefix(typ, "serviceBus")})
			}
			for _, v := range bnd {
				if str, ok := v.(string); ok {
					for _, m := range settingRef.FindAllStringSubmatch(str, -1) {
						c.References = append(c.References, reference{File: rel, Setting: m[1]})
					}
				}
			}
		}
	}

	doc, err := readLines(root, permissionsDoc)
	if err != nil {
		return c, err
	}
	c.Permissions, err = grantTable(doc)
	return c, err
}

var settingRef = regexp.MustCompile(`%([A-Za-z0-9_]+)%`)

// grantTable reads the first column of the table under "## What to grant".
func grantTable(lines []string) ([]string, error) {
	i := slices.IndexFunc(lines, func(l string) bool { return strings.TrimSpace(l) == "## What to grant" })
	if i < 0 {
		return nil, fmt.Errorf("%s: no \"## What to grant\" section", permissionsDoc)
	}
	var perms []string
	inTable := false
	for _, l := range lines[i+1:] {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "## ") {
			break
		}
		if !strings.HasPrefix(t, "|") {
			if inTable {
				break
			}
			continue
		}
		cells := strings.Split(strings.Trim(t, "|"), "|")
		first := strings.Trim(strings.TrimSpace(cells[0]), "`*")
		switch {
		case !inTable: // the header row
			if first != "Permission" {
				return nil, fmt.Errorf("%s: the table under \"What to grant\" starts with %q, want a Permission column", permissionsDoc, first)
			}
			inTable = true
		case strings.Trim(first, "-: ") == "": // the separator row
		default:
			perms = append(perms, first)
		}
	}
	if len(perms) == 0 {
		return nil, fmt.Errorf("%s: no permissions in the \"What to grant\" table", permissionsDoc)
	}
	return perms, nil
}
