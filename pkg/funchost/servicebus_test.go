package funchost

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestDecodeServiceBus(t *testing.T) {
	appProps := map[string]any{"schema": "onboard/v1", "attempt": float64(1)}
	tests := []struct {
		name    string
		fixture string
		want    ServiceBusMessage
	}{
		{
			name:    "dataType binary: base64 body and every SBEXT key",
			fixture: "sb_binary.json",
			want: ServiceBusMessage{
				Body:                  []byte(`{"vendor":"Vendor1","externalEmail":"Vendor1_A@Vendor1.com","givenName":"Ann"}`),
				MessageID:             "onb-4e773554f6b74ea2",
				CorrelationID:         "corr-0042",
				ContentType:           "application/json",
				Subject:               "vendorflow.onboard",
				LockToken:             "7a1c6f0e-3b7d-4e2b-9a51-2f6b0d9c8e11",
				DeliveryCount:         1,
				SequenceNumber:        17,
				EnqueuedTime:          ts(t, "2024-05-01T10:00:00Z"),
				ExpiresAt:             ts(t, "2024-05-15T10:00:00Z"),
				ApplicationProperties: appProps,
				InvocationID:          testInvocationID,
			},
		},
		{
			name:    "string body serialised twice (#6574)",
			fixture: "sb_string_double.json",
			want:    ServiceBusMessage{Body: []byte(`{"a":1}`), MessageID: "m-double", DeliveryCount: 2, SequenceNumber: 3, InvocationID: testInvocationID},
		},
		{
			name:    "JSON body serialised once",
			fixture: "sb_quoted_json.json",
			want:    ServiceBusMessage{Body: []byte(`{"message":"hello","number":2}`), MessageID: "m-quoted", DeliveryCount: 1, InvocationID: testInvocationID},
		},
		{
			name:    "plain text body doubly quoted",
			fixture: "sb_doubly_quoted.json",
			want:    ServiceBusMessage{Body: []byte("hello world"), MessageID: "m-text", DeliveryCount: 1, InvocationID: testInvocationID},
		},
		{
			name:    "raw JSON object body",
			fixture: "sb_raw_object.json",
			want:    ServiceBusMessage{Body: []byte(`{"a":1,"b":[true,null]}`), MessageID: "m-raw", DeliveryCount: 1, InvocationID: testInvocationID},
		},
		{
			name:    "raw JSON array body",
			fixture: "sb_raw_array.json",
			want:    ServiceBusMessage{Body: []byte(`[1,2,3]`), MessageID: "m-array", DeliveryCount: 5, InvocationID: testInvocationID},
		},
		{
			name:    "no Metadata at all",
			fixture: "sb_minimal.json",
			want:    ServiceBusMessage{Body: []byte("ping"), InvocationID: testInvocationID},
		},
		{
			name:    "empty body",
			fixture: "sb_empty_body.json",
			want:    ServiceBusMessage{MessageID: "m-empty", DeliveryCount: 1, InvocationID: testInvocationID},
		},
		{
			name:    "body fields copied over broker values are refused; aliases fill in",
			fixture: "sb_shadowed.json",
			want: ServiceBusMessage{
				Body:                  []byte(`{"messageId":"req-7","deliveryCount":1,"subject":"onboard","enqueuedTimeUtc":"2024-05-01T10:00:00Z","vendor":"Vendor2"}`),
				MessageID:             "", // only the body's copy was left: refused
				CorrelationID:         "corr-0042",
				ContentType:           "application/json",
				Subject:               "vendorflow.onboard", // from Label
				LockToken:             "7a1c6f0e-3b7d-4e2b-9a51-2f6b0d9c8e11",
				DeliveryCount:         0, // "\"1\"" is the body's copy, the broker's is "1"
				SequenceNumber:        17,
				EnqueuedTime:          ts(t, "2024-05-01T09:59:58Z"), // from EnqueuedTime
				ExpiresAt:             ts(t, "2024-05-15T10:00:00Z"),
				ApplicationProperties: appProps,
				InvocationID:          testInvocationID,
				Shadowed:              []string{"MessageId", "Subject", "EnqueuedTimeUtc", "DeliveryCount"},
			},
		},
		{
			name:    "broker values that differ from the body's fields are kept",
			fixture: "sb_shadow_survived.json",
			want: ServiceBusMessage{
				Body:           []byte(`{"messageId":"req-7","deliveryCount":1,"CorrelationId":"corr-from-body"}`),
				MessageID:      "onb-real-id",
				CorrelationID:  "corr-0042",
				DeliveryCount:  3,
				SequenceNumber: 9,
				InvocationID:   testInvocationID,
			},
		},
		{
			name:    "case variants of keys: copies refused, broker values accepted",
			fixture: "sb_lowercase_keys.json",
			want: ServiceBusMessage{
				Body:           []byte(`{"messageId":"req-7"}`),
				DeliveryCount:  4,
				SequenceNumber: 11,
				InvocationID:   testInvocationID,
				Shadowed:       []string{"messageId"},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeServiceBus(invocation(fixture(t, tc.fixture)), "message")
			if err != nil {
				t.Fatalf("DecodeServiceBus() error = %v", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("DecodeServiceBus() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeServiceBusMalformed(t *testing.T) {
	tests := []struct {
		fixture string
		binding string
		wantErr error
		detail  string // must appear in the error text
	}{
		{"bad_not_json.txt", "message", ErrMalformedEnvelope, "not a JSON object"},
		{"bad_truncated.json", "message", ErrMalformedEnvelope, "not a JSON object"},
		{"bad_top_array.json", "message", ErrMalformedEnvelope, "not a JSON object"},
		{"bad_top_null.json", "message", ErrMalformedEnvelope, "null"},
		{"bad_data_missing.json", "message", ErrMalformedEnvelope, "Data is missing"},
		{"bad_data_null.json", "message", ErrMalformedEnvelope, "Data is missing or null"},
		{"bad_data_not_object.json", "message", ErrMalformedEnvelope, "Data is not an object"},
		{"bad_metadata_not_object.json", "message", ErrMalformedEnvelope, "Metadata is not an object"},
		{"bad_binding_missing.json", "message", ErrMissingBinding, `Data.message not present (Data has ["other"])`},
		{"sb_binary.json", "", ErrMissingBinding, "binding name is empty"},
		{"bad_binding_null.json", "message", ErrMalformedBinding, "Data.message is null"},
		{"bad_sb_deliverycount_object.json", "message", ErrMalformedMetadata, "DeliveryCount is not an integer"},
		{"bad_sb_deliverycount_text.json", "message", ErrMalformedMetadata, "DeliveryCount is not an integer"},
		{"bad_sb_enqueued_text.json", "message", ErrMalformedMetadata, "EnqueuedTimeUtc not a recognised time"},
		{"bad_sb_enqueued_number.json", "message", ErrMalformedMetadata, "EnqueuedTimeUtc is not a time string"},
		{"bad_sb_appprops_string.json", "message", ErrMalformedMetadata, "ApplicationProperties is not an object"},
		{"bad_sb_messageid_object.json", "message", ErrMalformedMetadata, "MessageId is not a string"},
		{"bad_sb_body_bad_string.json", "message", ErrMalformedEnvelope, "not a JSON object"},
		{"timer_status.json", "message", ErrMissingBinding, "Data.message not present"},
	}
	for _, tc := range tests {
		t.Run(tc.fixture+"/"+tc.binding, func(t *testing.T) {
			got, err := DecodeServiceBus(invocation(fixture(t, tc.fixture)), tc.binding)
			if diff := cmp.Diff(tc.wantErr, err, cmpopts.EquateErrors()); diff != "" {
				t.Fatalf("DecodeServiceBus() error mismatch (-want +got):\n%s", diff)
			}
			if !strings.Contains(err.Error(), tc.detail) {
				t.Errorf("error %q lacks detail %q", err, tc.detail)
			}
			if diff := cmp.Diff(ServiceBusMessage{}, got); diff != "" {
				t.Errorf("a failed decode returned data (-want +got):\n%s", diff)
			}
		})
	}
}

// Malformed metadata is a subtype of a malformed envelope, so a handler can
// treat the whole family alike.
func TestErrorFamilies(t *testing.T) {
	for _, err := range []error{ErrMalformedBinding, ErrMalformedMetadata} {
		if !strings.HasPrefix(err.Error(), ErrMalformedEnvelope.Error()) {
			t.Errorf("%v does not read as a malformed envelope", err)
		}
		if !errors.Is(err, ErrMalformedEnvelope) {
			t.Errorf("errors.Is(%v, ErrMalformedEnvelope) is false", err)
		}
	}
}
