package tenantsim

import (
	"compress/gzip"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// readBody reads the request body, gunzipping it when Content-Encoding is
// gzip — msgraph-sdk-go compresses request bodies by default (REFERENCE.md §2,
// KHTTP compression handler). Other encodings get 415, on which the SDK
// resends uncompressed. The cap applies before and after decompression.
func readBody(r *http.Request, limit int64) ([]byte, *graphError) {
	if r.Body == nil {
		return nil, nil
	}
	var src io.Reader = io.LimitReader(r.Body, limit+1)
	switch enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
	case "gzip":
		zr, err := gzip.NewReader(src)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil, nil
			}
			return nil, badRequest("The request body is not valid gzip data.")
		}
		defer zr.Close()
		src = zr
	default:
		return nil, newError(http.StatusUnsupportedMediaType, CodeUnsupportedMediaType, fmt.Sprintf("Content-Encoding '%s' is not supported.", enc))
	}
	b, err := io.ReadAll(io.LimitReader(src, limit+1))
	if err != nil {
		return nil, badRequest("The request body could not be read.")
	}
	if int64(len(b)) > limit {
		return nil, newError(http.StatusRequestEntityTooLarge, CodeRequestEntityTooLarge, fmt.Sprintf("The request body exceeds %d bytes.", limit))
	}
	return b, nil
}

// bearerToken returns the token of "Authorization: Bearer <token>", or "".
func bearerToken(r *http.Request) string {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(tok)
}

// appKey identifies the calling app for the write quota: the appid (or azp)
// claim when the bearer token is a JWT, else "default". The token is not
// verified: the emulator trusts its callers.
func appKey(r *http.Request) string {
	tok := bearerToken(r)
	parts := strings.Split(tok, ".")
	if len(parts) == 3 {
		if payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "=")); err == nil {
			var claims struct {
				AppID string `json:"appid"`
				AZP   string `json:"azp"`
			}
			if json.Unmarshal(payload, &claims) == nil {
				if claims.AppID != "" {
					return claims.AppID
				}
				if claims.AZP != "" {
					return claims.AZP
				}
			}
		}
	}
	return "default"
}

// baseURL is the absolute URL of the emulator's /v1.0 root as the client
// reached it, for @odata.nextLink and @odata.context.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/v1.0"
}

// randomID returns a random GUID-shaped id for request ids.
func randomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// decodeObject parses a JSON object body into its raw members.
func decodeObject(body []byte) (map[string]json.RawMessage, *graphError) {
	var m map[string]json.RawMessage
	if len(strings.TrimSpace(string(body))) == 0 {
		return nil, badRequest(MsgInvalidJSON)
	}
	if err := json.Unmarshal(body, &m); err != nil || m == nil {
		return nil, badRequest(MsgInvalidJSON)
	}
	return m, nil
}

// isNull reports whether a raw JSON member is absent or null.
func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || strings.TrimSpace(string(raw)) == "null"
}
