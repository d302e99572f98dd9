package funchost

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"
)

const testInvocationID = "9c1e5a7d-4b1f-4f3e-8d2a-6b0c1f2e3d4a"

// fixture reads testdata/name.
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("reading fixture: %v", err)
	}
	return b
}

// invocation wraps an envelope in the POST the host sends.
func invocation(body []byte) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/onboard", bytes.NewReader(body))
	r.Header.Set(HeaderInvocationID, testInvocationID)
	r.Header.Set("Content-Type", "application/json")
	return r
}

// ts parses an RFC 3339 time or fails the test.
func ts(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("bad test time %q: %v", s, err)
	}
	return v.UTC()
}

// fixedIDs returns a NewID func that hands out three fixed GUIDs in turn.
func fixedIDs() func() string {
	ids := []string{
		"11111111-1111-4111-8111-111111111111",
		"22222222-2222-4222-8222-222222222222",
		"33333333-3333-4333-8333-333333333333",
	}
	i := 0
	return func() string {
		id := ids[i%len(ids)]
		i++
		return id
	}
}
