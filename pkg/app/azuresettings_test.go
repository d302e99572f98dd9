package app_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/vendorflow/vendorflow/pkg/app"
	"github.com/vendorflow/vendorflow/pkg/doctor"
)

const deployDoc = "../../docs/deploy.md"

// TestDeployDocCovers: docs/deploy.md names every setting of
// local.settings.sample.json, every app setting the app reads in Azure and
// every doctor check, each in backticks.
func TestDeployDocCovers(t *testing.T) {
	doc, err := os.ReadFile(deployDoc)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile("../../local.settings.sample.json")
	if err != nil {
		t.Fatal(err)
	}
	var sample struct {
		Values map[string]string `json:"Values"`
	}
	if err := json.Unmarshal(raw, &sample); err != nil {
		t.Fatal(err)
	}
	var names []string
	for k := range sample.Values {
		names = append(names, k)
	}
	for _, s := range app.AzureSettings() {
		names = append(names, s.Name)
	}
	names = append(names, doctor.CheckIDs()...)
	for _, n := range names {
		if !strings.Contains(string(doc), "`"+n+"`") {
			t.Errorf("%s does not name `%s`", deployDoc, n)
		}
	}
}

// TestAzureSettingsAreIdentityBased: no setting the deployment sets is
// forbidden, and every identity-based connection has its credential and
// client id.
func TestAzureSettingsAreIdentityBased(t *testing.T) {
	set := map[string]bool{}
	for _, s := range app.AzureSettings() {
		if set[s.Name] {
			t.Errorf("%s listed twice", s.Name)
		}
		set[s.Name] = true
		if why, bad := app.ForbiddenSettings()[s.Name]; bad {
			t.Errorf("%s is both required and forbidden (%s)", s.Name, why)
		}
	}
	for _, p := range app.ConnectionPrefixes() {
		for _, suffix := range []string{app.SuffixCredential, app.SuffixClientID} {
			if !set[p+suffix] {
				t.Errorf("connection %s lacks %s", p, p+suffix)
			}
		}
	}
}
