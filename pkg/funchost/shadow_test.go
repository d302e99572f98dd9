package funchost

import "testing"

// TestMayBeCopy pins the rule that tells a broker value from the host's copy
// of a same-named body property (see shadow.go).
func TestMayBeCopy(t *testing.T) {
	tests := []struct {
		name string
		body string
		key  string
		meta string // the Metadata value, as JSON
		want bool
	}{
		{"string equal: indistinguishable, refused", `{"messageId":"req-7"}`, "MessageId", `"\"req-7\""`, true},
		{"string differs: the broker's survived", `{"messageId":"req-7"}`, "MessageId", `"\"4e77\""`, false},
		{"name matched case-insensitively", `{"MESSAGEID":"req-7"}`, "MessageId", `"\"req-7\""`, true},
		{"other names do not matter", `{"message":"req-7"}`, "MessageId", `"\"req-7\""`, false},
		{"number copy has two layers", `{"deliveryCount":1}`, "DeliveryCount", `"\"1\""`, true},
		{"broker number has one layer", `{"deliveryCount":1}`, "DeliveryCount", `"1"`, false},
		{"number formatted differently", `{"deliveryCount":1.50}`, "DeliveryCount", `"\"1.5\""`, true},
		{"string-typed number in the body", `{"deliveryCount":"1"}`, "DeliveryCount", `"\"1\""`, true},
		{"boolean prints as True", `{"to":true}`, "To", `"\"True\""`, true},
		{"date-like string prints in invariant culture", `{"enqueuedTimeUtc":"2024-05-01T10:00:00Z"}`, "EnqueuedTimeUtc", `"\"05/01/2024 10:00:00\""`, true},
		{"date printed another way, same second", `{"enqueuedTimeUtc":"2024-05-01T12:00:00+02:00"}`, "EnqueuedTimeUtc", `"\"2024-05-01T10:00:00\""`, true},
		{"broker time has one layer", `{"enqueuedTimeUtc":"2024-05-01T10:00:00Z"}`, "EnqueuedTimeUtc", `"2024-05-01T10:00:00"`, false},
		{"object equal", `{"applicationProperties":{"a":1,"b":"x"}}`, "ApplicationProperties", `{"b":"x","a":1}`, true},
		{"object differs", `{"applicationProperties":{"a":1}}`, "ApplicationProperties", `{"a":2}`, false},
		{"arrays are never copied", `{"messageId":["req-7"]}`, "MessageId", `"\"[\\\"req-7\\\"]\""`, false},
		{"nulls are never copied", `{"messageId":null}`, "MessageId", `"\"null\""`, false},
		{"non-object body copies nothing", `["messageId"]`, "MessageId", `"\"messageId\""`, false},
		{"invalid body copies nothing", `{"messageId":"req-7"`, "MessageId", `"\"req-7\""`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, ok := parseMetaValue([]byte(tc.meta))
			if !ok {
				t.Fatalf("bad test metadata %s", tc.meta)
			}
			if got := newBodyFields([]byte(tc.body)).mayBeCopy(tc.key, v); got != tc.want {
				t.Errorf("mayBeCopy(%s, %s) over body %s = %v, want %v", tc.key, tc.meta, tc.body, got, tc.want)
			}
		})
	}
}

func TestHostScalarString(t *testing.T) {
	tests := map[string]string{
		`"text"`:                      "text",
		`"2024-05-01T10:00:00.5Z"`:    "05/01/2024 10:00:00",
		`"2024-05-01T12:00:00+02:00"`: "05/01/2024 10:00:00",
		`"2024-05-01"`:                "2024-05-01", // a date alone is not parsed by Json.NET
		`12`:                          "12",
		`-0`:                          "0",
		`1.50`:                        "1.5",
		`1e21`:                        "1E+21",
		`123456789012345678901234`:    "123456789012345678901234",
		`true`:                        "True",
		`false`:                       "False",
	}
	for in, want := range tests {
		got, ok := hostScalarString([]byte(in))
		if !ok || got != want {
			t.Errorf("hostScalarString(%s) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{`{}`, `[]`, `null`, ``} {
		if _, ok := hostScalarString([]byte(in)); ok {
			t.Errorf("hostScalarString(%s) reported a scalar", in)
		}
	}
}
