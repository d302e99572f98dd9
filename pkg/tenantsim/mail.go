package tenantsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

type recipient struct {
	EmailAddress struct {
		Address string `json:"address"`
		Name    string `json:"name"`
	} `json:"emailAddress"`
}

// handleSendMail answers POST /users/{sender}/sendMail with 202 and no body,
// and appends the message to the outbox (REFERENCE.md §2 Credentials). 202
// means accepted, not delivered. An unknown sender answers 404
// ErrorInvalidUser.
func handleSendMail(c *call) reply {
	sender := c.st.userByKey(c.param("id"))
	if sender == nil {
		return failed(newError(http.StatusNotFound, CodeErrorInvalidUser, fmt.Sprintf("The requested user '%s' is invalid.", c.param("id"))))
	}
	if _, err := decodeObject(c.body); err != nil {
		return failed(err)
	}
	var body struct {
		Message *struct {
			Subject string `json:"subject"`
			Body    struct {
				ContentType string `json:"contentType"`
				Content     string `json:"content"`
			} `json:"body"`
			ToRecipients []recipient `json:"toRecipients"`
			CcRecipients []recipient `json:"ccRecipients"`
		} `json:"message"`
		// A boolean, or the strings "true"/"false" (user-sendmail.md's
		// first example sends "false").
		SaveToSentItems json.RawMessage `json:"saveToSentItems"`
	}
	if err := json.Unmarshal(c.body, &body); err != nil {
		return failed(badRequest(MsgInvalidJSON))
	}
	if body.Message == nil {
		return failed(newError(http.StatusBadRequest, "ErrorInvalidParameter", "The value of the parameter 'Message' is empty."))
	}
	msg := body.Message
	to, ok := addresses(msg.ToRecipients)
	cc, okCc := addresses(msg.CcRecipients)
	if !ok || !okCc || len(to)+len(cc) == 0 {
		return failed(newError(http.StatusBadRequest, CodeErrorInvalidRecipients, "At least one recipient is not valid., A message can't be sent because it contains no valid recipients."))
	}
	ctype := "Text"
	switch strings.ToLower(msg.Body.ContentType) {
	case "", "text":
	case "html":
		ctype = "HTML"
	default:
		return failed(badRequest(fmt.Sprintf("Requested value '%s' was not found.", msg.Body.ContentType)))
	}
	save := true
	if len(body.SaveToSentItems) > 0 && string(body.SaveToSentItems) != "null" {
		var b bool
		var str string
		switch {
		case json.Unmarshal(body.SaveToSentItems, &b) == nil:
			save = b
		case json.Unmarshal(body.SaveToSentItems, &str) == nil && (strings.EqualFold(str, "true") || strings.EqualFold(str, "false")):
			save = strings.EqualFold(str, "true")
		default:
			return failed(badRequest(fmt.Sprintf("Cannot convert the literal '%s' to the expected type 'Edm.Boolean'.", strings.Trim(string(body.SaveToSentItems), `"`))))
		}
	}
	from := sender.Mail
	if from == "" {
		// A user without a mailbox cannot send (code and wording as
		// commonly reported for Exchange Online; UNVERIFIED against Graph).
		return failed(newError(http.StatusNotFound, "MailboxNotEnabledForRESTAPI", "The mailbox is either inactive, soft-deleted, or is hosted on-premise."))
	}
	c.st.outbox = append(c.st.outbox, Mail{
		From: from, To: to, Cc: cc, Subject: msg.Subject, Body: msg.Body.Content,
		ContentType: ctype, SaveToSentItems: save, SentAt: c.now,
	})
	return reply{status: http.StatusAccepted}
}

func addresses(rs []recipient) ([]string, bool) {
	var out []string
	for _, r := range rs {
		a := strings.TrimSpace(r.EmailAddress.Address)
		at := strings.IndexByte(a, '@')
		if at <= 0 || at == len(a)-1 || strings.ContainsAny(a, " <>") {
			return nil, false
		}
		out = append(out, a)
	}
	return out, true
}

// Outbox returns the captured sendMail messages, oldest first.
func (s *Server) Outbox() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Mail, len(s.st.outbox))
	for i, m := range s.st.outbox {
		m.To = slices.Clone(m.To)
		m.Cc = slices.Clone(m.Cc)
		out[i] = m
	}
	return out
}
