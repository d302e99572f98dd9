package funchost

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// Response is the handler's reply to an invocation (REFERENCE §1 "What the
// handler returns"; HOST HttpScriptInvocationResult).
type Response struct {
	// Outputs maps output binding names to values. For an http output use
	// an HTTPOutput value.
	Outputs map[string]any
	// Logs are written by the host to the function's log.
	Logs []string
	// ReturnValue binds to "$return" when function.json declares it.
	ReturnValue any
}

// wireResponse is the JSON shape; empty Outputs and Logs are sent as {} and
// [] rather than null.
type wireResponse struct {
	Outputs     map[string]any `json:"Outputs"`
	Logs        []string       `json:"Logs"`
	ReturnValue any            `json:"ReturnValue"`
}

// WriteResponse writes resp as the host expects it: always
// Content-Type application/json (text/plain breaks the host,
// Azure/azure-functions-host#6462). status 0 means 200. Any non-2xx status
// fails the invocation; for a Service Bus trigger the host then abandons the
// message (redelivery, DeliveryCount+1). If resp cannot be encoded (a value
// json cannot marshal), a 500 with the reason in Logs is written instead, so
// the invocation fails visibly rather than succeeding with lost outputs.
func WriteResponse(w http.ResponseWriter, status int, resp Response) {
	if status == 0 {
		status = http.StatusOK
	}
	body, err := encodeResponse(resp)
	if err != nil {
		status = http.StatusInternalServerError
		body, _ = encodeResponse(Response{Logs: []string{"funchost: response could not be encoded: " + err.Error()}})
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body) // the host hung up; nothing left to tell it
}

func encodeResponse(resp Response) ([]byte, error) {
	wr := wireResponse{Outputs: resp.Outputs, Logs: resp.Logs, ReturnValue: resp.ReturnValue}
	if wr.Outputs == nil {
		wr.Outputs = map[string]any{}
	}
	if wr.Logs == nil {
		wr.Logs = []string{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(wr); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// DecodeResponse reads a handler reply the way the host does (our local
// host's side): property names match case-insensitively; Outputs must be an
// object and Logs an array of strings (either may be null or absent).
// JSON numbers become float64. Empty Outputs and Logs are nil.
func DecodeResponse(body []byte) (Response, error) {
	t := bytes.TrimSpace(body)
	if len(t) == 0 || t[0] != '{' {
		return Response{}, fmt.Errorf("%w: not a JSON object", ErrMalformedResponse)
	}
	var wr wireResponse
	if err := json.Unmarshal(t, &wr); err != nil {
		return Response{}, fmt.Errorf("%w: %s", ErrMalformedResponse, jsonErrDetail(err))
	}
	resp := Response{Outputs: wr.Outputs, Logs: wr.Logs, ReturnValue: wr.ReturnValue}
	if len(resp.Outputs) == 0 {
		resp.Outputs = nil
	}
	if len(resp.Logs) == 0 {
		resp.Logs = nil
	}
	return resp, nil
}
