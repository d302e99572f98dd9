package funchost

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// send encodes with the local-host side and returns the request the handler
// side decodes.
func send(t *testing.T, function string, env []byte, err error) *http.Request {
	t.Helper()
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	r, err := NewRequest(context.Background(), "http://127.0.0.1:1", function, testInvocationID, env)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRoundTripServiceBus(t *testing.T) {
	full := ServiceBusMessage{
		Body:                  []byte(`{"vendor":"Vendor1","externalEmail":"Vendor1_A@Vendor1.com"}`),
		MessageID:             "onb-1",
		CorrelationID:         "corr-1",
		ContentType:           "application/json",
		Subject:               "vendorflow.onboard",
		SessionID:             "s-1",
		ReplyTo:               "vendorflow-replies",
		To:                    "onboard",
		PartitionKey:          "s-1",
		DeadLetterSource:      "vendorflow-onboard",
		LockToken:             "lock-1",
		DeliveryCount:         3,
		SequenceNumber:        1 << 40,
		EnqueuedTime:          ts(t, "2024-05-01T10:00:00Z"),
		ExpiresAt:             ts(t, "9999-12-31T23:59:59Z"),
		ApplicationProperties: map[string]any{"schema": "onboard/v1", "attempt": float64(2), "replay": true},
	}
	tests := []struct {
		name string
		in   ServiceBusMessage
	}{
		{"every field", full},
		{"binary body", ServiceBusMessage{Body: []byte{0, 255, '"', '{', '\n'}, MessageID: "bin", DeliveryCount: 1}},
		{"text body that looks like base64", ServiceBusMessage{Body: []byte("aGk="), MessageID: "b64"}},
		{"body that is a JSON string literal", ServiceBusMessage{Body: []byte(`"quoted"`), MessageID: "lit"}},
		{"body that is a JSON array", ServiceBusMessage{Body: []byte(`[{"messageId":"x"}]`), MessageID: "arr"}},
		{"empty", ServiceBusMessage{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env, err := testEncoder(t).ServiceBus("onboard", "message", tc.in)
			r := send(t, "onboard", env, err)
			got, err := DecodeServiceBus(r, "message")
			if err != nil {
				t.Fatalf("DecodeServiceBus() error = %v", err)
			}
			want := tc.in
			want.InvocationID = testInvocationID
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("round trip mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// What the round trip cannot keep, by design of the host: fractions of a
// second, and broker values overwritten by same-named body fields.
func TestRoundTripServiceBusLosses(t *testing.T) {
	in := ServiceBusMessage{
		Body:          []byte(`{"messageId":"req-7","deliveryCount":1,"subject":"onboard","Enqueuedtimeutc":"2024-05-01T09:00:00Z"}`),
		MessageID:     "onb-1",
		DeliveryCount: 4,
		Subject:       "vendorflow.onboard",
		EnqueuedTime:  ts(t, "2024-05-01T10:00:00.999Z"),
	}
	env, err := testEncoder(t).ServiceBus("onboard", "message", in)
	r := send(t, "onboard", env, err)
	got, err := DecodeServiceBus(r, "message")
	if err != nil {
		t.Fatal(err)
	}
	want := ServiceBusMessage{
		Body:          in.Body,
		MessageID:     "",                   // overwritten by the body's messageId: refused
		DeliveryCount: 0,                    // overwritten by the body's deliveryCount: refused
		Subject:       "vendorflow.onboard", // Subject overwritten, Label kept it
		EnqueuedTime:  ts(t, "2024-05-01T10:00:00Z"),
		InvocationID:  testInvocationID,
		Shadowed:      []string{"MessageId", "Subject", "EnqueuedTimeUtc", "DeliveryCount"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("decode after overwrite mismatch (-want +got):\n%s", diff)
	}
}

func TestRoundTripTimer(t *testing.T) {
	tests := []TimerInfo{
		{IsPastDue: true, Last: ts(t, "2024-05-01T02:00:00.1234567Z"), Next: ts(t, "2024-05-02T02:00:00Z"), LastUpdated: ts(t, "2024-05-01T02:00:01Z")},
		{Next: ts(t, "2024-05-02T02:00:00Z")}, // partial status: zero times are DateTime.MinValue
		{},                                    // ScheduleStatus null
	}
	for _, in := range tests {
		env, err := testEncoder(t).Timer("expiry-sweep", "timer", in)
		r := send(t, "expiry-sweep", env, err)
		got, err := DecodeTimer(r, "timer")
		if err != nil {
			t.Fatalf("DecodeTimer() error = %v", err)
		}
		in.InvocationID = testInvocationID
		if diff := cmp.Diff(in, got); diff != "" {
			t.Errorf("round trip mismatch (-want +got):\n%s", diff)
		}
	}
}

func TestRoundTripHTTP(t *testing.T) {
	tests := []HTTPRequest{
		{
			URL: "http://127.0.0.1:7071/api/deadletters/list?limit=5", Method: "GET",
			Query:   map[string]string{"limit": "5"},
			Headers: map[string][]string{"Accept": {"application/json"}, "X-Multi": {"a", "b"}},
			Params:  map[string]string{"action": "list"},
		},
		{
			URL: "http://127.0.0.1:7071/api/deadletters/replay/onb-1", Method: "POST",
			Headers: map[string][]string{"Content-Type": {"application/json"}},
			Params:  map[string]string{"action": "replay", "id": "onb-1"},
			Body:    []byte(`{"reason":"<fixed> & done"}`),
		},
		{
			URL: "http://127.0.0.1:7071/api/deadletters", Method: "DELETE",
			Headers: map[string][]string{"Content-Type": {"application/octet-stream"}},
			Body:    []byte{0, 1, 2, 0xff, 0xfe},
		},
		{URL: "http://127.0.0.1:7071/api/status/r-1", Method: "GET"},
	}
	for _, in := range tests {
		env, err := testEncoder(t).HTTP("deadletters", "req", in)
		r := send(t, "deadletters", env, err)
		got, err := DecodeHTTP(r, "req")
		if err != nil {
			t.Fatalf("DecodeHTTP() error = %v", err)
		}
		in.InvocationID = testInvocationID
		if diff := cmp.Diff(in, got); diff != "" {
			t.Errorf("round trip mismatch (-want +got):\n%s", diff)
		}
	}
}

func TestRoundTripResponse(t *testing.T) {
	res := HTTPOutput{StatusCode: 202, Headers: map[string]string{"Location": "/api/status/r-1"}, Body: `{"requestId":"r-1"}`}
	in := Response{
		Outputs:     map[string]any{"res": res, "journal": map[string]any{"step": "license", "done": true}},
		Logs:        []string{"step license converged", "caf\u00e9 <ok>"},
		ReturnValue: []any{"a", float64(1)},
	}
	rec := httptest.NewRecorder()
	WriteResponse(rec, http.StatusOK, in)
	got, err := DecodeResponse(rec.Body.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	gotRes, err := ParseHTTPOutput(got.Outputs["res"])
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(res, gotRes); diff != "" {
		t.Errorf("http output mismatch (-want +got):\n%s", diff)
	}
	got.Outputs["res"] = res
	if diff := cmp.Diff(in, got); diff != "" {
		t.Errorf("response mismatch (-want +got):\n%s", diff)
	}
}
