// Package tablestest gives tests a Table Storage account (Azurite in CI).
package tablestest

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"

	"github.com/vendorflow/vendorflow/pkg/secret"
	"github.com/vendorflow/vendorflow/pkg/tables"
)

// Env is the variable that gives the tests a Table Storage account: a
// connection string (scripts/azurite.sh env prints Azurite's).
const Env = "VENDORFLOW_TEST_TABLES"

// Settings returns Settings for the account of $VENDORFLOW_TEST_TABLES with
// a fresh random prefix, so that tests never see each other's tables. Without
// the variable the test is skipped, or fails when CI=true (in CI a Table
// test must never be skipped).
func Settings(t testing.TB) tables.Settings {
	t.Helper()
	cs := os.Getenv(Env)
	if cs == "" {
		msg := Env + " is not set: start Azurite with `scripts/azurite.sh start` and `eval \"$(scripts/azurite.sh env)\"` (scripts/test.sh does both)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	return tables.Settings{ConnectionString: secret.New(cs), Prefix: "t" + hex.EncodeToString(b[:])}
}
