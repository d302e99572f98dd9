package graph_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/graph"
)

// TestClassification drives each Graph answer through a real call and checks
// the one classification (errors.go).
func TestClassification(t *testing.T) {
	getUser := func(c *graph.Client) error { _, err := c.GetUser(context.Background(), "u1"); return err }
	create := func(c *graph.Client) error {
		_, err := c.CreateUser(context.Background(), domain.User{UPN: "v@abc.com", DisplayName: "V", MailNickname: "v"}, "Pa55word!x")
		return err
	}
	assign := func(c *graph.Client) error {
		return c.AssignLicenses(context.Background(), "u1", []string{"7a551360-26c4-4f61-84e6-ef715673e083"}, nil)
	}
	tap := func(c *graph.Client) error { _, err := c.CreateTAP(context.Background(), "u1", time.Hour); return err }
	sku := "7a551360-26c4-4f61-84e6-ef715673e083"
	tests := []struct {
		name       string
		call       func(*graph.Client) error
		answer     step
		want       domain.Code
		retryAfter time.Duration
		msg        string // substring of domain.ErrorMessage
	}{
		{"429 with Retry-After", getUser, throttled("45"), domain.Transient, 45 * time.Second, "throttled"},
		{"503", getUser, fail(503, graphErr("serviceNotAvailable", "down")), domain.Transient, 0, "unavailable"},
		{"504", getUser, fail(504, ""), domain.Transient, 0, "unavailable"},
		{"404", getUser, fail(404, graphErr("Request_ResourceNotFound", "Resource 'u1' does not exist.")), domain.NotFound, 0, "not found"},
		{"duplicate UPN message", create, fail(400, graphErr("Request_BadRequest",
			"Another object with the same value for property userPrincipalName already exists.")), domain.Conflict, 0, "already taken"},
		{"duplicate UPN details only", create, fail(400,
			`{"error":{"code":"Request_BadRequest","message":"x","details":[{"code":"ObjectConflict","target":"userPrincipalName"}]}}`),
			domain.Conflict, 0, "already taken"},
		{"no free seat", assign, fail(400, graphErr("Request_BadRequest",
			"Subscription with SKU "+sku+" does not have any available licenses.")), domain.Business, 0, "no free seat for SKU " + sku},
		{"licence to remove not assigned", assign, fail(400, graphErr("Request_BadRequest",
			"User does not have a corresponding license.")), domain.Transient, 0, "no longer assigned"},
		{"invalid usage location", assign, fail(400, graphErr("Request_BadRequest",
			"License assignment cannot be done for user with invalid usage location.")), domain.Transient, 0, "replication"},
		{"TAP policy 400", tap, fail(400, graphErr("badRequest", "User is not in scope of the policy.")), domain.Business, 0, "Temporary Access Pass policy"},
		{"TAP policy 403", tap, fail(403, graphErr("accessDenied", "Blocked by the authentication method policy.")), domain.Business, 0, "Temporary Access Pass policy"},
		{"weak password", create, fail(400, graphErr("Request_BadRequest",
			"The specified password does not comply with password complexity requirements.")), domain.Invalid, 0, "complexity"},
		{"other 400", getUser, fail(400, graphErr("BadRequest", "Resource not found for the segment 'x'.")), domain.Invalid, 0, "rejected"},
		{"401", getUser, fail(401, graphErr("InvalidAuthenticationToken", "Access token is empty.")), domain.Business, 0, "User.Read.All"},
		{"403 create", create, fail(403, graphErr("Authorization_RequestDenied", "Insufficient privileges.")), domain.Business, 0, "User.ReadWrite.All"},
		{"403 license", assign, fail(403, graphErr("Authorization_RequestDenied", "Insufficient privileges.")), domain.Business, 0, "LicenseAssignment.ReadWrite.All"},
		{"409", getUser, fail(409, graphErr("Conflict", "x")), domain.Conflict, 0, "conflict"},
		{"500", getUser, fail(500, graphErr("generalException", "boom")), domain.Internal, 0, "server error"},
		// Bodies Graph's SDK struggles with: none of them may panic.
		{"400 without message", getUser, fail(400, `{"error":{"code":"Request_BadRequest"}}`), domain.Invalid, 0, "rejected"},
		{"400 with null error", getUser, fail(400, `{"error":null}`), domain.Invalid, 0, "rejected"},
		{"400 empty JSON", getUser, fail(400, `{}`), domain.Invalid, 0, "rejected"},
		{"400 no body", getUser, status(400), domain.Invalid, 0, "rejected"},
		{"404 no body", getUser, status(404), domain.NotFound, 0, "not found"},
		{"429 no body", getUser, step{status: 429, header: map[string]string{"Retry-After": "2.5"}}, domain.Transient, 2500 * time.Millisecond, "throttled"},
		{"400 text body", getUser, step{status: 400, body: "nope", header: map[string]string{"Content-Type": "text/plain"}}, domain.Invalid, 0, "rejected"},
		{"502 HTML from a proxy", getUser, step{status: 502, body: "<html>bad gateway</html>", header: map[string]string{"Content-Type": "text/html"}}, domain.Transient, 0, "unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, _ := newTestClient(t, []step{tt.answer}, func(cfg *graph.Config) {
				cfg.MaxRetries = -1 // classification only
				cfg.LagRetries = -1
			})
			err := tt.call(c)
			if got := domain.ErrorCode(err); got != tt.want {
				t.Fatalf("code = %q, want %q (err %v)", got, tt.want, err)
			}
			_ = err.Error() // must not panic (msgraph-sdk-go #434)
			if got := domain.RetryAfterOf(err); got != tt.retryAfter {
				t.Errorf("RetryAfter = %v, want %v", got, tt.retryAfter)
			}
			if m := domain.ErrorMessage(err); !strings.Contains(m, tt.msg) {
				t.Errorf("message %q does not contain %q", m, tt.msg)
			}
		})
	}
}

func TestSecretsStayOutOfErrors(t *testing.T) {
	c, _, _ := newTestClient(t, []step{fail(400, graphErr("Request_BadRequest",
		"The specified password does not comply with password complexity requirements."))}, func(cfg *graph.Config) { cfg.MaxRetries = -1 })
	const pw = "S3cret-Passw0rd!"
	_, err := c.CreateUser(context.Background(), domain.User{UPN: "v@abc.com", DisplayName: "V", MailNickname: "v"}, pw)
	if err == nil || strings.Contains(err.Error(), pw) {
		t.Fatalf("err = %v", err)
	}
}
