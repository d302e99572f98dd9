package graph

import (
	"context"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/vendorflow/vendorflow/pkg/domain"
)

// SendMail sends m as plain text from the sender mailbox without keeping a
// copy in Sent Items. The body is revealed only into the request. 202 means
// accepted, not delivered.
// (learn.microsoft.com/graph/api/user-sendmail)
func (c *Client) SendMail(ctx context.Context, sender string, m domain.Mail) error {
	if sender == "" || len(m.To) == 0 {
		return domain.Errorf(domain.Invalid, "%s: sender and at least one recipient are required", opSendMail)
	}
	msg := models.NewMessage()
	subject := m.Subject
	msg.SetSubject(&subject)
	body := models.NewItemBody()
	text := models.TEXT_BODYTYPE
	content := m.Body.Reveal()
	body.SetContentType(&text)
	body.SetContent(&content)
	msg.SetBody(body)
	to := make([]models.Recipientable, 0, len(m.To))
	for _, addr := range m.To {
		a := addr
		ea := models.NewEmailAddress()
		ea.SetAddress(&a)
		r := models.NewRecipient()
		r.SetEmailAddress(ea)
		to = append(to, r)
	}
	msg.SetToRecipients(to)
	req := users.NewItemSendMailPostRequestBody()
	save := false
	req.SetMessage(msg)
	req.SetSaveToSentItems(&save)
	return c.classify(opSendMail, c.sdk.Users().ByUserId(sender).SendMail().Post(ctx, req, nil))
}
