package funchost

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDecodeRawValue(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		want    []byte
		wantErr bool
	}{
		{"base64 (dataType binary)", `"eyJhIjoxfQ=="`, []byte(`{"a":1}`), false},
		{"base64 of binary bytes", `"AAH/"`, []byte{0, 1, 255}, false},
		{"JSON string double-encoded", `"\"{\\\"a\\\":1}\""`, []byte(`{"a":1}`), false},
		{"text doubly quoted", `"\"hello\""`, []byte("hello"), false},
		{"JSON object text quoted once", `"{\"a\":1}"`, []byte(`{"a":1}`), false},
		{"JSON array text quoted once", `"[1,2]"`, []byte(`[1,2]`), false},
		{"plain text that is not base64", `"hello world!"`, []byte("hello world!"), false},
		{"unpadded base64 is text", `"YQ"`, []byte("YQ"), false},
		{"raw object", `{"a": 1}`, []byte(`{"a": 1}`), false},
		{"raw array with spaces", "  [1, 2]\n", []byte(`[1, 2]`), false},
		{"raw number", `42`, []byte(`42`), false},
		{"raw boolean", `true`, []byte(`true`), false},
		{"empty string is no body", `""`, nil, false},
		{"doubly quoted empty string", `"\"\""`, nil, false},
		{"null", `null`, nil, true},
		{"nothing", ``, nil, true},
		{"broken string", `"abc`, nil, true},
		{"broken raw", `{"a":`, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := decodeRawValue([]byte(tc.raw))
			if (err != nil) != tc.wantErr {
				t.Fatalf("decodeRawValue(%s) error = %v, wantErr %v", tc.raw, err, tc.wantErr)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("decodeRawValue(%s) mismatch (-want +got):\n%s", tc.raw, diff)
			}
		})
	}
}

func TestParseMetaValue(t *testing.T) {
	tests := []struct {
		raw        string
		wantLayers int
		wantText   string
		wantOK     bool
	}{
		{`"\"4e77\""`, 2, "4e77", true},
		{`"1"`, 1, "1", true},
		{`"2023-10-12T20:13:49"`, 1, "2023-10-12T20:13:49", true},
		{`{"a":1}`, 0, `{"a":1}`, true},
		{`7`, 0, `7`, true},
		{`"\"\""`, 2, "", true},
		{`null`, 0, "", false},
		{` `, 0, "", false},
	}
	for _, tc := range tests {
		v, ok := parseMetaValue([]byte(tc.raw))
		if ok != tc.wantOK || v.layers != tc.wantLayers || v.text != tc.wantText {
			t.Errorf("parseMetaValue(%s) = (layers %d, %q, %v), want (layers %d, %q, %v)",
				tc.raw, v.layers, v.text, ok, tc.wantLayers, tc.wantText, tc.wantOK)
		}
	}
}
