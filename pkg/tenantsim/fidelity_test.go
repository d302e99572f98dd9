package tenantsim

import (
	"net/http"
	"strings"
	"testing"
)

// Places where the emulator was looser than Graph (issue: tenantsim
// fidelity). Each case names its docs page (microsoft-graph-docs
// api-reference/v1.0/api) and failed before the emulator was tightened.
func TestLooserThanGraph(t *testing.T) {
	h := newHarness(t)
	id := h.createUser("Vendor1_A_SA", map[string]any{"usageLocation": "US"})
	members := "/groups/" + GroupIBVendor1ID + "/members/$ref"
	assign := "/users/" + id + "/assignLicense"
	mail := func(save any) map[string]any {
		b := mailBody("Vendor@Outlook.com")
		b["saveToSentItems"] = save
		return b
	}
	tests := []struct {
		name, page   string
		method, path string
		body         any
		status       int
		code         string
	}{
		// group-post-members.md: @odata.id is https://graph.microsoft.com/v1.0/directoryObjects/{id}
		{"$ref to a bare id", "group-post-members.md", http.MethodPost, members, map[string]any{"@odata.id": id}, 400, CodeBadRequest},
		{"$ref to another path", "group-post-members.md", http.MethodPost, members, map[string]any{"@odata.id": "https://graph.microsoft.com/v1.0/users/" + id}, 400, CodeBadRequest},
		{"$ref as documented", "group-post-members.md", http.MethodPost, members, map[string]any{"@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/" + id}, 204, ""},
		// user-assignlicense.md: disabledPlans are service plans of the SKU
		{"disabled plan not in the SKU", "user-assignlicense.md", http.MethodPost, assign,
			map[string]any{"addLicenses": []any{map[string]any{"skuId": SKURemoteAssist, "disabledPlans": []string{PlanInformationBarriers}}}, "removeLicenses": []any{}}, 400, CodeRequestBadRequest},
		{"disabled plan of the SKU", "user-assignlicense.md", http.MethodPost, assign,
			map[string]any{"addLicenses": []any{map[string]any{"skuId": SKURemoteAssist, "disabledPlans": []string{PlanTeams1}}}, "removeLicenses": []any{}}, 200, ""},
		// user-sendmail.md: example 1 sends "saveToSentItems": "false"
		{"saveToSentItems as a string", "user-sendmail.md", http.MethodPost, "/users/vendorflow@ABC.com/sendMail", mail("false"), 202, ""},
		{"saveToSentItems not a boolean", "user-sendmail.md", http.MethodPost, "/users/vendorflow@ABC.com/sendMail", mail("maybe"), 400, CodeBadRequest},
		// resources/user.md: usageLocation is not nullable
		{"usageLocation null", "user-update.md", http.MethodPatch, "/users/" + id, map[string]any{"usageLocation": nil}, 400, CodeRequestBadRequest},
		// a user without a mailbox cannot send (UNVERIFIED wording)
		{"sender without a mailbox", "user-sendmail.md", http.MethodPost, "/users/" + id + "/sendMail", mail(false), 404, "MailboxNotEnabledForRESTAPI"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.do(tt.method, tt.path, tt.body).mustStatus(t, tt.status)
			if tt.code != "" {
				if e, _ := r.json(t)["error"].(map[string]any); e == nil || e["code"] != tt.code {
					t.Errorf("%s: error %s, want code %s", tt.page, r.body, tt.code)
				}
			}
		})
	}
	if got := h.srv.Outbox(); len(got) != 1 || got[0].SaveToSentItems {
		t.Errorf("outbox %+v: want the one mail, not saved to sent items", got)
	}
}

// subscribedsku-list.md: $select keeps only the named properties.
func TestSubscribedSkusSelect(t *testing.T) {
	h := newHarness(t)
	r := h.do(http.MethodGet, "/subscribedSkus?$select=skuPartNumber,consumedUnits", nil).mustStatus(t, http.StatusOK)
	m := r.json(t)
	if ctx, _ := m["@odata.context"].(string); !strings.HasSuffix(ctx, "$metadata#subscribedSkus(skuPartNumber,consumedUnits)") {
		t.Errorf("@odata.context = %q", ctx)
	}
	for _, v := range r.values(t) {
		if len(v) != 2 || v["skuPartNumber"] == nil || v["consumedUnits"] == nil {
			t.Errorf("selected SKU = %v, want skuPartNumber and consumedUnits only", v)
		}
	}
	wantErr(t, h.do(http.MethodGet, "/subscribedSkus?$select=shoeSize", nil), http.StatusBadRequest, CodeBadRequest,
		"Parsing OData Select and Expand failed: Could not find a property named 'shoeSize' on type 'microsoft.graph.subscribedSku'.")
}

// user-update.md's example PATCHes businessPhones and officeLocation: they
// are kept and read back, not accepted and dropped.
func TestPatchKeepsBusinessPhonesAndOffice(t *testing.T) {
	h := newHarness(t)
	id := h.createUser("Office_SA", nil)
	h.do(http.MethodPatch, "/users/"+id, map[string]any{"businessPhones": []string{"+1 425 555 0109"}, "officeLocation": "18/2111"}).mustStatus(t, http.StatusNoContent)
	got := h.do(http.MethodGet, "/users/"+id, nil).mustStatus(t, http.StatusOK).json(t)
	if phones, _ := got["businessPhones"].([]any); len(phones) != 1 || phones[0] != "+1 425 555 0109" || got["officeLocation"] != "18/2111" {
		t.Errorf("after PATCH: businessPhones %v, officeLocation %v", got["businessPhones"], got["officeLocation"])
	}
	h.do(http.MethodPatch, "/users/"+id, map[string]any{"businessPhones": []string{"1", "2"}}).mustStatus(t, http.StatusBadRequest)
}

// user-create.md and user-update.md require Content-Type: application/json;
// Graph refuses other writes ("Entity only allows writes with a JSON
// Content-Type header.", reported in msgraph-sample-pythondjangoapp#22).
func TestUserWritesNeedJSON(t *testing.T) {
	h := newHarness(t)
	for _, tc := range []struct{ method, path, ctype string }{
		{http.MethodPost, "/users", ""},
		{http.MethodPost, "/users", "text/plain"},
		{http.MethodPatch, "/users/" + DemoExpert1ID, ""},
		{http.MethodPatch, "/users/" + DemoExpert1ID, "text/plain; charset=utf-8"},
	} {
		body := jsonReader(t, newUserBody("Plain_SA"))
		if tc.method == http.MethodPatch {
			body = jsonReader(t, map[string]any{"jobTitle": "x"})
		}
		req, _ := http.NewRequest(tc.method, h.hs.URL+"/v1.0"+tc.path, body)
		req.Header.Set("Authorization", "Bearer t")
		if tc.ctype != "" {
			req.Header.Set("Content-Type", tc.ctype)
		}
		res, err := h.hs.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusBadRequest {
			t.Errorf("%s %s with Content-Type %q: %d, want 400", tc.method, tc.path, tc.ctype, res.StatusCode)
		}
	}
	h.do(http.MethodPatch, "/users/"+DemoExpert1ID, map[string]any{"jobTitle": "x"}, header("Content-Type", "application/json; charset=utf-8")).mustStatus(t, http.StatusNoContent)
}
