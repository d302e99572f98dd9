package domain

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecodeRequest: any body is refused with a reason or decoded, never a
// panic; what decodes has no key twice and decodes again the same from its
// re-encoding. The corpus starts with the engine's testdata/hostile.
func FuzzDecodeRequest(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "engine", "testdata", "hostile", "*.json"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil && filepath.Base(p) != "cases.json" {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"schemaVersion":1,"requestId":"r1","vendor":"Vendor1","person":{"givenName":"A","surname":"B","email":"a@vendor1.com"},"contract":{"start":"2026-03-01","end":"2026-09-01"},"sponsor":"s@ABC.com"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var r OnboardRequest
		err := DecodeRequest(b, &r)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("a refusal without a reason")
			}
			return
		}
		again, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		var r2 OnboardRequest
		if err := DecodeRequest(again, &r2); err != nil {
			t.Fatalf("the re-encoding of an accepted body is refused: %v\n%s", err, again)
		}
		if r2 != r {
			t.Fatalf("decoded differently from its re-encoding: %+v vs %+v", r, r2)
		}
	})
}
