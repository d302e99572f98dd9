package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vendorflow/vendorflow/pkg/queue"
)

// TestExitCodes: what scripts can rely on, through Main.Run and exitCode
// as the binary runs them: usage errors exit 2 and say how the command is
// used; what does not exist exits 4; a group run alone prints its help.
func TestExitCodes(t *testing.T) {
	env := listJournal(t)
	env["VENDORFLOW_QUEUE_PATH"] = emptyQueue(t)
	missingJournal := map[string]string{"VENDORFLOW_JOURNAL_PATH": filepath.Join(t.TempDir(), "none.db")}
	req := writeFile(t, "req.json", validOnboard)
	tests := []struct {
		name string
		env  map[string]string // nil = env
		args []string
		exit int
		want string // in the error, or on stdout when exit is 0
	}{
		{"a list", nil, []string{"requests", "list"}, 0, "4 request(s)"},
		{"a group alone prints its help", nil, []string{"deadletters"}, 0, "Available Commands:"},
		{"help", nil, []string{"help", "requests", "list"}, 0, "vendorflow requests list --state parked"},
		{"an unknown command", nil, []string{"frobnicate"}, 2, `unknown command "frobnicate" for "vendorflow"; ` + "`vendorflow --help` lists its commands"},
		{"an unknown subcommand", nil, []string{"deadletters", "lst"}, 2, `unknown command "lst" for "vendorflow deadletters" (did you mean list?)`},
		{"an unknown subcommand of accounts", nil, []string{"accounts", "show", "x"}, 2, `unknown command "show" for "vendorflow accounts"`},
		{"an unknown flag", nil, []string{"status", "req-1", "--frob"}, 2, "unknown flag: --frob; see `vendorflow status --help`"},
		{"an unknown shorthand flag", nil, []string{"requests", "list", "-x"}, 2, "unknown shorthand flag: 'x' in -x"},
		{"a missing argument", nil, []string{"status"}, 2, "accepts 1 arg(s), received 0; usage: vendorflow status REQUEST_ID [flags]"},
		{"too many arguments", nil, []string{"accounts", "history", "a", "b"}, 2, "accepts 1 arg(s), received 2; usage: vendorflow accounts history UPN [flags]"},
		{"an argument to a list", nil, []string{"requests", "list", "parked"}, 2, `unknown command "parked" for "vendorflow requests list"`},
		{"-o xml", nil, []string{"requests", "list", "-o", "xml"}, 2, `invalid argument "xml" for "-o, --output" flag: -o must be table or json, not "xml"`},
		{"-o csv where there is none", nil, []string{"accounts", "history", "a", "-o", "csv"}, 2, `-o must be table or json, not "csv"`},
		{"a bad number", nil, []string{"requests", "list", "--limit", "many"}, 2, `invalid argument "many" for "--limit" flag`},
		{"a bad log level", nil, []string{"deadletters", "list", "--log-level", "loud"}, 2, `--log-level must be debug, info, warn or error, not "loud"`},
		{"an unknown state", nil, []string{"requests", "list", "--state", "stuck"}, 2, `--state: state "stuck" is not a request state`},
		{"an unknown source", nil, []string{"deadletters", "list", "--source", "bin"}, 2, `--source must be parked or deadletter, not "bin"`},
		{"an unknown kind to process", nil, []string{"process", "rehire", req}, 2, `the first argument must be onboard or offboard, not "rehire"`},
		{"a request file that is not there", nil, []string{"process", "onboard", filepath.Join(t.TempDir(), "nope.json")}, 4, "nope.json: no such file"},
		{"purge without --yes", nil, []string{"deadletters", "purge", "--all"}, 2, "add --yes to confirm"},
		{"replay of nothing", nil, []string{"deadletters", "replay"}, 2, "name a message ID, or pass --all or --request-id"},
		{"a policy file that is not there", nil, []string{"barriers", "validate", "--policy", "/nonexistent/policy.yaml"}, 2, "--policy: open /nonexistent/policy.yaml"},
		{"a demo flag without --demo", nil, []string{"dev", "--json"}, 2, "--json applies to --demo only"},
		{"a seed the emulator does not have", nil, []string{"tenantsim", "--seed", "huge", "--addr", "127.0.0.1:0"}, 2, `--seed must be demo or empty, not "huge"`},
		{"serve without the host's port", nil, []string{"serve"}, 2, "FUNCTIONS_CUSTOMHANDLER_PORT is not set"},
		{"status of an unknown request", nil, []string{"status", "nope"}, 4, "request nope is not in the journal"},
		{"history of an unknown account", nil, []string{"accounts", "history", "nobody_SA@ABC.com"}, 4, "the journal holds no request for nobody_SA@ABC.com"},
		{"show of an unknown message", nil, []string{"deadletters", "show", "nope"}, 4, `no parked or dead-lettered message with id "nope"`},
		{"a journal that is not there", missingJournal, []string{"status", "req-1"}, 4, "no journal at "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := env
			if tc.env != nil {
				e = tc.env
			}
			out, _, err := runAt(t, listNow, e, tc.args...)
			if got := exitCode(err); got != tc.exit {
				t.Fatalf("exit %d (err %v), want %d", got, err, tc.exit)
			}
			if tc.exit == 0 {
				if err != nil || !strings.Contains(out, tc.want) {
					t.Errorf("err %v; stdout lacks %q:\n%s", err, tc.want, out)
				}
				return
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to contain %q", err, tc.want)
			}
			if out != "" {
				t.Errorf("a refused command printed on stdout:\n%s", out)
			}
		})
	}
}

// emptyQueue makes an embedded queue file with nothing in it.
func emptyQueue(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "queue.db")
	q, err := queue.Open(context.Background(), queue.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestJSONIsOneDocument: under -o json, stdout holds one JSON document (an
// object or an array) and nothing else, for every command that reports
// and can run here without a tenant.
func TestJSONIsOneDocument(t *testing.T) {
	env := listJournal(t)
	env["VENDORFLOW_QUEUE_PATH"] = emptyQueue(t)
	for _, args := range [][]string{
		{"requests", "list"},
		{"requests", "show", "on-a"},
		{"status", "on-a"},
		{"accounts", "list"},
		{"accounts", "history", "Vendor1_A_SA@ABC.com"},
		{"accounts", "export"},
		{"deadletters", "list"},
		{"deadletters", "replay", "--all"},
		{"deadletters", "purge", "--all", "--yes"},
		{"barriers", "validate"},
		{"barriers", "plan"},
		{"barriers", "matrix"},
		{"config", "check"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			out, _, err := runAt(t, listNow, env, append(args, "-o", "json")...)
			if err != nil {
				t.Fatal(err)
			}
			dec := json.NewDecoder(strings.NewReader(out))
			var doc json.RawMessage
			if err := dec.Decode(&doc); err != nil {
				t.Fatalf("stdout is not JSON: %v\n%s", err, out)
			}
			if c := strings.TrimSpace(string(doc))[0]; c != '{' && c != '[' {
				t.Errorf("the document is no object or array:\n%s", doc)
			}
			if dec.More() {
				t.Errorf("stdout holds more than one JSON document:\n%s", out)
			}
		})
	}
}
