package tenantsim

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func mailBody(to ...string) map[string]any {
	var rs []map[string]any
	for _, a := range to {
		rs = append(rs, map[string]any{"emailAddress": map[string]any{"address": a}})
	}
	return map[string]any{
		"message": map[string]any{
			"subject":      "Your Remote Assist account",
			"body":         map[string]any{"contentType": "Text", "content": "Sign in as Vendor1_A_SA@ABC.com"},
			"toRecipients": rs,
		},
		"saveToSentItems": false,
	}
}

func TestSendMail(t *testing.T) {
	h := newHarness(t)
	r := h.do(http.MethodPost, "/users/vendorflow@ABC.com/sendMail", mailBody("Vendor1_A@Vendor1.com")).mustStatus(t, http.StatusAccepted)
	if len(r.body) != 0 {
		t.Errorf("202 body = %q, want empty", r.body)
	}
	want := []Mail{{
		From: "vendorflow@ABC.com", To: []string{"Vendor1_A@Vendor1.com"}, Subject: "Your Remote Assist account",
		Body: "Sign in as Vendor1_A_SA@ABC.com", ContentType: "Text", SentAt: h.clock.Now(),
	}}
	if diff := cmp.Diff(want, h.srv.Outbox()); diff != "" {
		t.Errorf("outbox (-want +got):\n%s", diff)
	}
	wantErr(t, h.do(http.MethodPost, "/users/nobody@ABC.com/sendMail", mailBody("a@b.com")), http.StatusNotFound, CodeErrorInvalidUser, "The requested user 'nobody@ABC.com' is invalid.")
	wantErr(t, h.do(http.MethodPost, "/users/vendorflow@ABC.com/sendMail", mailBody()), http.StatusBadRequest, CodeErrorInvalidRecipients,
		"At least one recipient is not valid., A message can't be sent because it contains no valid recipients.")
	wantErr(t, h.do(http.MethodPost, "/users/vendorflow@ABC.com/sendMail", mailBody("not-an-address")), http.StatusBadRequest, CodeErrorInvalidRecipients,
		"At least one recipient is not valid., A message can't be sent because it contains no valid recipients.")
	if n := len(h.srv.Outbox()); n != 1 {
		t.Errorf("outbox has %d mails after failures, want 1", n)
	}
}
