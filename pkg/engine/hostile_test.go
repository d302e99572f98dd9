package engine_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/engine"
)

// hostileCase is one entry of testdata/hostile/cases.json: a request body
// and what vendorflow must answer.
type hostileCase struct {
	File string `json:"file"`
	Kind string `json:"kind"`
	Code string `json:"code"`
	// RequestID is the id the request is journaled under: its own, or ""
	// for an invalid-… id (the body has no usable requestId of its own).
	RequestID string `json:"requestId"`
	// Reason lists what the reason must say: the field and the rule.
	Reason []string `json:"reason"`
}

// TestHostileCorpus runs every body of testdata/hostile through the engine
// against the emulator: each is parked at once (no retry) with a reason
// that names the field and the rule, under its own requestId when it has a
// usable one, and Graph is never asked anything, read or write.
func TestHostileCorpus(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "hostile", "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	var cases []hostileCase
	if err := dec.Decode(&cases); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "hostile", "*.json"))
	if len(files) != len(cases)+1 { // every body has its case (and cases.json)
		t.Fatalf("%d bodies for %d cases", len(files)-1, len(cases))
	}
	r := newRig(t)
	e := r.engine(engine.Hooks{})
	for _, c := range cases {
		t.Run(strings.TrimSuffix(c.File, ".json"), func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("testdata", "hostile", c.File))
			if err != nil {
				t.Fatal(err)
			}
			r.sim.ResetStats()
			res, err := e.Process(context.Background(), c.Kind, body)
			if err != nil {
				t.Fatalf("Process: %v", err)
			}
			if res.Status != domain.RequestParked || string(res.Code) != c.Code {
				t.Fatalf("result %+v, want parked %s", res, c.Code)
			}
			for _, w := range c.Reason {
				if !strings.Contains(res.Reason, w) {
					t.Errorf("reason %q lacks %q", res.Reason, w)
				}
			}
			if c.RequestID != "" && res.RequestID != c.RequestID || c.RequestID == "" && !strings.HasPrefix(res.RequestID, "invalid-") {
				t.Errorf("journaled as %q, want %q (\"\": an invalid-… id)", res.RequestID, c.RequestID)
			}
			rec, err := r.journal.Request(context.Background(), res.RequestID)
			if err != nil || rec.Status != domain.RequestParked || rec.Reason != res.Reason {
				t.Errorf("journal %+v, %v", rec, err)
			}
			if st := r.sim.Stats(); st.Requests != 0 {
				t.Errorf("Graph was asked %d times (%d writes)", st.Requests, st.Writes)
			}
		})
	}
}
