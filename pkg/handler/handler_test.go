package handler

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestRoutes(t *testing.T) {
	tests := []struct {
		name, method, path string
		status             int
	}{
		{"readiness probe", "GET", "/", 200},
		{"unknown function", "POST", "/nope", 404},
		{"function with GET", "GET", "/onboard", 405},
		{"root with POST", "POST", "/", 405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			req, err := http.NewRequestWithContext(context.Background(), tt.method, "http://127.0.0.1:7071"+tt.path, strings.NewReader(""))
			if err != nil {
				t.Fatal(err)
			}
			status, ctype, _ := r.do(t, req)
			if status != tt.status || ctype != "application/json" {
				t.Errorf("got %d %q, want %d application/json", status, ctype, tt.status)
			}
		})
	}
}

func TestNewValidates(t *testing.T) {
	if _, err := New(Config{}); err == nil {
		t.Error("New accepted a config without ports")
	}
	r := newRig(t)
	cfg := r.h.cfg
	cfg.RunTimeout = 6 * time.Minute
	if _, err := New(cfg); err == nil {
		t.Error("New accepted a run timeout past the lock renewal")
	}
	if got := r.h.cfg; got.RunTimeout != DefaultRunTimeout || got.MaxAttempts != DefaultMaxAttempts || got.Backoff != (Backoff{Base: DefaultBackoffBase, Max: DefaultBackoffMax}) {
		t.Errorf("defaults not applied: %+v", got)
	}
}

func TestBackoffDelay(t *testing.T) {
	b := Backoff{Base: 30 * time.Second, Max: 30 * time.Minute}
	tests := []struct {
		attempt    int
		retryAfter time.Duration
		want       time.Duration
	}{
		{0, 0, 30 * time.Second},
		{1, 0, time.Minute},
		{5, 0, 16 * time.Minute},
		{6, 0, 30 * time.Minute},
		{40, 0, 30 * time.Minute},
		{1 << 30, 0, 30 * time.Minute},
		{-1, 0, 30 * time.Second},
		{0, 90 * time.Second, 90 * time.Second},
		{0, time.Hour, time.Hour},
	}
	for _, tt := range tests {
		if got := b.Delay(tt.attempt, tt.retryAfter); got != tt.want {
			t.Errorf("Delay(%d, %s) = %s, want %s", tt.attempt, tt.retryAfter, got, tt.want)
		}
	}
}

func TestAttemptOf(t *testing.T) {
	tests := []struct {
		v       any
		want    int
		wantErr bool
	}{
		{nil, 0, false},
		{float64(3), 3, false},
		{"4", 4, false},
		{" 5 ", 5, false},
		{int64(6), 6, false},
		{"x", 0, true},
		{float64(-1), 0, true},
		{1.5, 0, true},
		{map[string]any{}, 0, true},
	}
	for _, tt := range tests {
		props := map[string]any{}
		if tt.v != nil {
			props[PropAttempt] = tt.v
		}
		got, err := attemptOf(props)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("attemptOf(%v) = %d, %v; want %d, err %v", tt.v, got, err, tt.want, tt.wantErr)
		}
	}
}
