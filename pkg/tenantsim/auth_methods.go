package tenantsim

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"time"
)

// Temporary Access Pass limits (REFERENCE.md §2 Credentials).
const (
	tapMinLifetime     = 10
	tapMaxLifetime     = 43200
	tapDefaultLifetime = 60
	tapLength          = 8
	// tapAlphabet avoids look-alike characters; values come from crypto/rand.
	tapAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!#%&*+?"
)

// usability reports whether a TAP works at now, with Graph's reason.
func (t *tapRec) usability(now time.Time) (bool, string) {
	switch {
	case now.Before(t.start):
		return false, "NotYetValid"
	case !now.Before(t.start.Add(time.Duration(t.lifetime) * time.Minute)):
		return false, "Expired"
	}
	return true, "EnabledByPolicy"
}

// tapJSON renders a TAP; the value only on creation (REFERENCE.md §2).
func tapJSON(t *tapRec, now time.Time, withValue bool) jsonObject {
	usable, reason := t.usability(now)
	var value any
	if withValue {
		value = t.value
	}
	return jsonObject{
		{"@odata.type", "#microsoft.graph.temporaryAccessPassAuthenticationMethod"},
		{"id", t.id},
		{"temporaryAccessPass", value},
		{"createdDateTime", wireTime(t.created)},
		{"startDateTime", wireTime(t.start)},
		{"lifetimeInMinutes", t.lifetime},
		{"isUsableOnce", t.usableOnce},
		{"isUsable", usable},
		{"methodUsabilityReason", reason},
	}
}

func newTAPValue() (string, error) {
	var b strings.Builder
	n := big.NewInt(int64(len(tapAlphabet)))
	for range tapLength {
		i, err := rand.Int(rand.Reader, n)
		if err != nil {
			return "", fmt.Errorf("tenantsim: generate TAP: %w", err)
		}
		b.WriteByte(tapAlphabet[i.Int64()])
	}
	return b.String(), nil
}

// handleCreateTAP answers POST /users/{id}/authentication/temporaryAccessPassMethods:
// 201 with the value, returned only here; lifetimeInMinutes 10–43200; one TAP
// per user, a new one replaces the old (REFERENCE.md §2 Credentials).
func handleCreateTAP(c *call) reply {
	u, err := c.existingUser(c.param("id"))
	if err != nil {
		return failed(err)
	}
	if _, err := decodeObject(c.body); err != nil {
		return failed(err)
	}
	var body struct {
		LifetimeInMinutes *int       `json:"lifetimeInMinutes"`
		IsUsableOnce      *bool      `json:"isUsableOnce"`
		StartDateTime     *time.Time `json:"startDateTime"`
	}
	if err := json.Unmarshal(c.body, &body); err != nil {
		return failed(newError(http.StatusBadRequest, CodeTAPBadRequest, MsgInvalidJSON))
	}
	lifetime := c.st.tapPolicy.DefaultLifetimeInMinutes
	if body.LifetimeInMinutes != nil {
		lifetime = *body.LifetimeInMinutes
	}
	if gerr := c.st.tapRefusal(u.ID, lifetime, body.IsUsableOnce != nil && *body.IsUsableOnce); gerr != nil {
		return failed(gerr)
	}
	value, gerr := newTAPValue()
	if gerr != nil {
		return failed(newError(http.StatusInternalServerError, "generalException", "The emulator could not generate a Temporary Access Pass."))
	}
	t := &tapRec{id: c.st.newID(), value: value, created: c.now, start: c.now, lifetime: lifetime}
	if body.IsUsableOnce != nil {
		t.usableOnce = *body.IsUsableOnce
	}
	if body.StartDateTime != nil {
		t.start = body.StartDateTime.UTC()
	}
	c.st.taps[u.ID] = t
	out := tapJSON(t, c.now, true)
	return created(append(jsonObject{{"@odata.context", c.base + "/$metadata#users('" + u.ID + "')/authentication/temporaryAccessPassMethods/$entity"}}, out...))
}

// visibleTAP is the user's TAP unless it is still replicating.
func (c *call) visibleTAP(userID string) *tapRec {
	t := c.st.taps[userID]
	if t == nil || c.hidden(t.created) {
		return nil
	}
	return t
}

func handleListTAPs(c *call) reply {
	u, err := c.visibleUser(c.param("id"))
	if err != nil {
		return failed(err)
	}
	values := []jsonObject{}
	if t := c.visibleTAP(u.ID); t != nil {
		values = append(values, tapJSON(t, c.now, false))
	}
	return ok(jsonObject{{"@odata.context", c.base + "/$metadata#users('" + u.ID + "')/authentication/temporaryAccessPassMethods"}, {"value", values}})
}

func handleGetTAP(c *call) reply {
	u, err := c.visibleUser(c.param("id"))
	if err != nil {
		return failed(err)
	}
	t := c.st.taps[u.ID]
	if t == nil || t.id != c.param("methodId") {
		return failed(notFound(c.param("methodId")))
	}
	if c.hidden(t.created) {
		e := notFound(c.param("methodId"))
		e.fault = FaultReplicationLag
		return failed(e)
	}
	return ok(tapJSON(t, c.now, false))
}

// handleDeleteTAP answers DELETE .../temporaryAccessPassMethods/{methodId}
// with 204. Deleting a TAP that is still usable also revokes the user's
// sessions (GDOCS temporaryAccessPassAuthenticationMethod).
func handleDeleteTAP(c *call) reply {
	u, err := c.existingUser(c.param("id"))
	if err != nil {
		return failed(err)
	}
	t := c.st.taps[u.ID]
	if t == nil || t.id != c.param("methodId") {
		return failed(notFound(c.param("methodId")))
	}
	if usable, _ := t.usability(c.now); usable {
		u.SignInSessionsValidFromDateTime = c.now
	}
	delete(c.st.taps, u.ID)
	return noContent()
}

// TAPValid reports whether pass is the current, usable Temporary Access Pass
// of the user (by id or UPN) — what a sign-in would accept. It ignores
// replication lag and does not consume a one-time pass.
func (s *Server) TAPValid(userID, pass string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.st.userByKey(userID)
	if u == nil || pass == "" {
		return false
	}
	t := s.st.taps[u.ID]
	if t == nil {
		return false
	}
	usable, _ := t.usability(s.cfg.Clock.Now())
	return usable && subtle.ConstantTimeCompare([]byte(t.value), []byte(pass)) == 1
}
