package funchost

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecodeServiceBus feeds arbitrary envelopes to the decoder, seeded with
// every fixture. Properties: no panic; every error wraps one of the package's
// sentinels; a decoded message re-encodes, and the re-encoded envelope
// decodes again to the same body.
func FuzzDecodeServiceBus(f *testing.F) {
	paths, err := filepath.Glob(filepath.Join("testdata", "*"))
	if err != nil || len(paths) == 0 {
		f.Fatalf("no seed fixtures: %v", err)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	sentinels := []error{ErrMalformedEnvelope, ErrMissingBinding, ErrBodyTooLarge}
	f.Fuzz(func(t *testing.T, env []byte) {
		m, err := DecodeServiceBus(invocation(env), "message")
		if err != nil {
			for _, s := range sentinels {
				if errors.Is(err, s) {
					return
				}
			}
			t.Fatalf("error wraps no sentinel: %v", err)
		}
		again, err := EncodeServiceBus("message", m)
		if err != nil {
			t.Fatalf("decoded message does not re-encode: %v", err)
		}
		r, err := NewRequest(context.Background(), "http://127.0.0.1:1", "onboard", "i", again)
		if err != nil {
			t.Fatal(err)
		}
		m2, err := DecodeServiceBus(r, "message")
		if err != nil {
			t.Fatalf("re-encoded message does not decode: %v", err)
		}
		if !bytes.Equal(m.Body, m2.Body) {
			t.Fatalf("body changed through re-encoding: %q -> %q", m.Body, m2.Body)
		}
	})
}
