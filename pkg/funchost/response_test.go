package funchost

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestWriteResponse(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		resp       Response
		wantStatus int
		wantBody   string
	}{
		{"zero response", 0, Response{}, 200, `{"Outputs":{},"Logs":[],"ReturnValue":null}`},
		{"failure status passes through", 500, Response{Logs: []string{"graph: 503"}}, 500, `{"Outputs":{},"Logs":["graph: 503"],"ReturnValue":null}`},
		{
			"http output writes all four required properties", 200,
			Response{Outputs: map[string]any{"res": HTTPOutput{StatusCode: 404, Body: `{"error":"<none>"}`}}},
			200, `{"Outputs":{"res":{"StatusCode":"404","Status":"404","Body":"{\"error\":\"<none>\"}","Headers":{}}},"Logs":[],"ReturnValue":null}`,
		},
		{
			"unencodable value fails the invocation", 200,
			Response{ReturnValue: make(chan int)},
			500, `{"Outputs":{},"Logs":["funchost: response could not be encoded: json: unsupported type: chan int"],"ReturnValue":null}`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			WriteResponse(rec, tc.status, tc.resp)
			if rec.Code != tc.wantStatus {
				t.Errorf("status = %d, want %d", rec.Code, tc.wantStatus)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q, want application/json (#6462)", ct)
			}
			if diff := cmp.Diff(tc.wantBody, rec.Body.String()); diff != "" {
				t.Errorf("body mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeResponse(t *testing.T) {
	got, err := DecodeResponse(fixture(t, "resp_ok.json"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Response{Logs: []string{"onboarded onb-1"}}, got); diff != "" {
		t.Errorf("resp_ok mismatch (-want +got):\n%s", diff)
	}

	// Lower-case property names, a numeric status and a JSON body, as other
	// handlers write them; the host reads them case-insensitively.
	got, err = DecodeResponse(fixture(t, "resp_http.json"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := ParseHTTPOutput(got.Outputs["res"])
	if err != nil {
		t.Fatal(err)
	}
	want := HTTPOutput{StatusCode: 404, Body: `{"error":"not found"}`, Headers: map[string]string{"Content-Type": "application/json"}}
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("http output mismatch (-want +got):\n%s", diff)
	}

	for _, name := range []string{"bad_resp_outputs_array.json", "bad_resp_logs_numbers.json", "bad_not_json.txt", "bad_top_null.json"} {
		if _, err := DecodeResponse(fixture(t, name)); !errors.Is(err, ErrMalformedResponse) {
			t.Errorf("DecodeResponse(%s) error = %v, want ErrMalformedResponse", name, err)
		}
	}
}

func TestParseHTTPOutputErrors(t *testing.T) {
	tests := map[string]any{
		"StatusCode is missing":            map[string]any{"Body": "x"},
		"StatusCode is not an HTTP status": map[string]any{"StatusCode": "teapot"},
		"StatusCode is not a scalar":       map[string]any{"StatusCode": []any{200}},
		"header X: nested value":           map[string]any{"StatusCode": 200, "Headers": map[string]any{"X": map[string]any{}}},
		"unsupported type":                 make(chan int),
	}
	for detail, v := range tests {
		_, err := ParseHTTPOutput(v)
		if !errors.Is(err, ErrMalformedResponse) || !strings.Contains(err.Error(), detail) {
			t.Errorf("ParseHTTPOutput(%v) error = %v, want ErrMalformedResponse with %q", v, err, detail)
		}
	}
	// Status is accepted when StatusCode is absent.
	got, err := ParseHTTPOutput(map[string]any{"status": "201", "body": "made"})
	if err != nil || got.StatusCode != http.StatusCreated || got.Body != "made" {
		t.Errorf("ParseHTTPOutput(status only) = %+v, %v", got, err)
	}
}
