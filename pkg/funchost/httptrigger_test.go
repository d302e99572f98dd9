package funchost

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestDecodeHTTP(t *testing.T) {
	tests := []struct {
		name    string
		fixture string
		want    HTTPRequest
	}{
		{
			name:    "GET with query, route params and multi-value header",
			fixture: "http_get.json",
			want: HTTPRequest{
				URL:    "https://vendorflow.azurewebsites.net/api/deadletters/list?limit=10&queue=onboard",
				Method: "GET",
				Query:  map[string]string{"limit": "10", "queue": "onboard"},
				Headers: map[string][]string{
					"Accept":          {"application/json"},
					"X-Functions-Key": {"<redacted>"},
					"Accept-Encoding": {"gzip", "br"},
				},
				Params:       map[string]string{"action": "list"},
				InvocationID: testInvocationID,
			},
		},
		{
			name:    "POST with a JSON body string",
			fixture: "http_post_json.json",
			want: HTTPRequest{
				URL:          "http://localhost:7071/api/deadletters/replay/onb-1",
				Method:       "POST",
				Headers:      map[string][]string{"Content-Type": {"application/json; charset=utf-8"}},
				Params:       map[string]string{"action": "replay", "id": "onb-1"},
				Body:         []byte(`{"reason":"fixed vendor domain"}`),
				InvocationID: testInvocationID,
			},
		},
		{
			name:    "octet-stream body arrives in base64",
			fixture: "http_octet.json",
			want: HTTPRequest{
				URL:          "http://localhost:7071/api/deadletters",
				Method:       "POST",
				Headers:      map[string][]string{"Content-Type": {"application/octet-stream"}},
				Body:         []byte{0, 1, 2, 255},
				InvocationID: testInvocationID,
			},
		},
		{
			name:    "older host: Query as a query string, header as a plain string",
			fixture: "http_query_string.json",
			want: HTTPRequest{
				URL:          "http://localhost:7071/api/status/r-1?a=1&b=2&b=3",
				Method:       "GET",
				Query:        map[string]string{"a": "1", "b": "2,3"},
				Headers:      map[string][]string{"Host": {"localhost:7071"}},
				Params:       map[string]string{"requestId": "r-1"},
				InvocationID: testInvocationID,
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeHTTP(invocation(fixture(t, tc.fixture)), "req")
			if err != nil {
				t.Fatalf("DecodeHTTP() error = %v", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("DecodeHTTP() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeHTTPMalformed(t *testing.T) {
	tests := []struct {
		fixture string
		wantErr error
		detail  string
	}{
		{"bad_http_headers_nested.json", ErrMalformedBinding, "Data.req.Headers: X: nested value"},
		{"bad_http_req_number.json", ErrMalformedBinding, "Data.req is not a request object"},
		{"bad_http_query_number.json", ErrMalformedBinding, "Data.req.Query: not an object"},
		{"timer_null.json", ErrMissingBinding, "Data.req not present"},
		{"bad_top_array.json", ErrMalformedEnvelope, "not a JSON object"},
	}
	for _, tc := range tests {
		t.Run(tc.fixture, func(t *testing.T) {
			_, err := DecodeHTTP(invocation(fixture(t, tc.fixture)), "req")
			if diff := cmp.Diff(tc.wantErr, err, cmpopts.EquateErrors()); diff != "" {
				t.Fatalf("DecodeHTTP() error mismatch (-want +got):\n%s", diff)
			}
			if !strings.Contains(err.Error(), tc.detail) {
				t.Errorf("error %q lacks detail %q", err, tc.detail)
			}
		})
	}
}

func TestHTTPRequestHeader(t *testing.T) {
	h := HTTPRequest{Headers: map[string][]string{"content-type": {"text/plain", "x"}, "Empty": {}}}
	for name, want := range map[string]string{"Content-Type": "text/plain", "CONTENT-TYPE": "text/plain", "Empty": "", "Missing": ""} {
		if got := h.Header(name); got != want {
			t.Errorf("Header(%q) = %q, want %q", name, got, want)
		}
	}
}
