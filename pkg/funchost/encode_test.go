package funchost

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vendorflow/vendorflow/pkg/clock"
)

// testEncoder has a fixed clock and fixed GUIDs.
func testEncoder(t *testing.T) *Encoder {
	t.Helper()
	e, err := NewEncoder(EncoderConfig{
		Clock:     clock.NewFake(ts(t, "2024-05-01T10:00:01.25Z")),
		NewID:     fixedIDs(),
		Namespace: "vendorflow-sb.servicebus.windows.net",
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// The encoders must send what the real host sends (REFERENCE §1). The
// expected envelopes in testdata/encoded_*.json are written from the
// reference, not captured from the encoder; they are compared by value and,
// for Metadata, by key order and spelling.
func TestEncodeGolden(t *testing.T) {
	e := testEncoder(t)
	sb, err := e.ServiceBus("onboard", "message", ServiceBusMessage{
		Body:                  []byte(`{"vendor":"Vendor1","messageId":"req-7","attempt":2,"urgent":false,"start":"2024-06-01T00:00:00Z","contact":{"email":"a@b.c"},"tags":["x"],"note":null}`),
		MessageID:             "onb-1",
		CorrelationID:         "corr-1",
		ContentType:           "application/json",
		Subject:               "vendorflow.onboard",
		LockToken:             "lock-1",
		DeliveryCount:         1,
		SequenceNumber:        42,
		EnqueuedTime:          ts(t, "2024-05-01T10:00:00.75Z"), // the host drops the fraction
		ExpiresAt:             ts(t, "2024-05-15T10:00:00Z"),
		ApplicationProperties: map[string]any{"schema": "onboard/v1"},
		InvocationID:          "not-in-the-envelope",
		Shadowed:              []string{"not-in-the-envelope"},
	})
	if err != nil {
		t.Fatal(err)
	}
	e = testEncoder(t)
	timer, err := e.Timer("expiry-sweep", "timer", TimerInfo{
		IsPastDue: true,
		Last:      ts(t, "2024-05-01T02:00:00.0012345Z"),
		Next:      ts(t, "2024-05-02T02:00:00Z"),
	})
	if err != nil {
		t.Fatal(err)
	}
	e = testEncoder(t)
	httpEnv, err := e.HTTP("status", "req", HTTPRequest{
		URL:     "http://127.0.0.1:7071/api/status/r-1?verbose=true",
		Method:  "GET",
		Query:   map[string]string{"verbose": "true"},
		Headers: map[string][]string{"Accept": {"application/json"}, "Accept-Encoding": {"gzip", "br"}},
		Params:  map[string]string{"requestId": "r-1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		golden string
		got    []byte
	}{{"encoded_sb.json", sb}, {"encoded_timer.json", timer}, {"encoded_http.json", httpEnv}} {
		t.Run(tc.golden, func(t *testing.T) {
			want := fixture(t, tc.golden)
			if diff := cmp.Diff(parseAny(t, want), parseAny(t, tc.got)); diff != "" {
				t.Errorf("envelope mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(metadataKeys(t, want), metadataKeys(t, tc.got)); diff != "" {
				t.Errorf("Metadata key order mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func parseAny(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("invalid JSON: %v", err)
	}
	return v
}

// metadataKeys lists the Metadata keys of an envelope in document order.
func metadataKeys(t *testing.T, b []byte) []string {
	t.Helper()
	var env struct{ Metadata json.RawMessage }
	if err := json.Unmarshal(b, &env); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, f := range newBodyFields(env.Metadata) {
		keys = append(keys, f.name)
	}
	return keys
}

func TestEncodeDefaultsAndErrors(t *testing.T) {
	// Package-level encoders: real clock and random GUIDs, empty MethodName.
	b, err := EncodeServiceBus("message", ServiceBusMessage{Body: []byte("x")})
	if err != nil {
		t.Fatal(err)
	}
	var env struct {
		Metadata struct {
			Sys struct{ MethodName, UtcNow, RandGuid string } `json:"sys"`
		}
	}
	if err := json.Unmarshal(b, &env); err != nil {
		t.Fatal(err)
	}
	if env.Metadata.Sys.UtcNow == "" || len(env.Metadata.Sys.RandGuid) != 36 || env.Metadata.Sys.MethodName != "" {
		t.Errorf("sys = %+v", env.Metadata.Sys)
	}
	if _, err := parseHostTime(env.Metadata.Sys.UtcNow); err != nil {
		t.Errorf("sys.UtcNow %q does not parse: %v", env.Metadata.Sys.UtcNow, err)
	}

	if _, err := EncodeTimer("", TimerInfo{}); err == nil || !strings.Contains(err.Error(), "binding name is empty") {
		t.Errorf("EncodeTimer(no binding) error = %v", err)
	}
	if _, err := EncodeServiceBus("m", ServiceBusMessage{ApplicationProperties: map[string]any{"c": make(chan int)}}); err == nil {
		t.Error("EncodeServiceBus accepted an unencodable application property")
	}
	if _, err := NewEncoder(EncoderConfig{Namespace: " "}); err == nil {
		t.Error("NewEncoder accepted a blank namespace")
	}
}

func TestNewRequest(t *testing.T) {
	r, err := NewRequest(context.Background(), "http://127.0.0.1:4711/", "onboard", "inv-1", []byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{
		"method":     r.Method,
		"url":        r.URL.String(),
		"invocation": r.Header.Get(HeaderInvocationID),
		"version":    r.Header.Get(HeaderHostVersion),
		"agent":      r.Header.Get("User-Agent"),
		"type":       r.Header.Get("Content-Type"),
	}
	want := map[string]string{
		"method":     http.MethodPost,
		"url":        "http://127.0.0.1:4711/onboard",
		"invocation": "inv-1",
		"version":    LocalHostVersion,
		"agent":      "Azure-Functions-Host/" + LocalHostVersion,
		"type":       "application/json; charset=utf-8",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("request mismatch (-want +got):\n%s", diff)
	}
	if _, err := NewRequest(context.Background(), "http://x", "", "inv", nil); err == nil {
		t.Error("NewRequest accepted an empty function name")
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(r.Body); err != nil || buf.String() != "{}" {
		t.Errorf("body = %q, %v", buf.String(), err)
	}
}
