package tenantsim

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Fixed object ids of the demo tenant (DemoSeed), so that demos, docs and
// tests can name them.
const (
	// GroupIBExpertsID is the segment group "IB-Experts" (the two experts).
	GroupIBExpertsID = "3f1c2a4e-5b7d-4c1e-9a3f-0e1d2c3b4a01"
	// GroupIBVendor1ID is the segment group "IB-Vendor1" (empty).
	GroupIBVendor1ID = "3f1c2a4e-5b7d-4c1e-9a3f-0e1d2c3b4a02"
	// GroupIBVendor2ID is the segment group "IB-Vendor2" (empty).
	GroupIBVendor2ID = "3f1c2a4e-5b7d-4c1e-9a3f-0e1d2c3b4a03"
	// GroupIBContractorsID is the segment group "IB-Contractors" (empty).
	GroupIBContractorsID = "3f1c2a4e-5b7d-4c1e-9a3f-0e1d2c3b4a04"

	// DemoSenderID is vendorflow@<domain>, the mailbox credentials are sent from.
	DemoSenderID = "5a0e7b1c-2d3f-4a5b-8c6d-7e8f9a0b1c01"
	// DemoExpert1ID is ava.expert@<domain> (department Experts, company ABC).
	DemoExpert1ID = "5a0e7b1c-2d3f-4a5b-8c6d-7e8f9a0b1c02"
	// DemoExpert2ID is ben.expert@<domain> (department Experts, company ABC).
	DemoExpert2ID = "5a0e7b1c-2d3f-4a5b-8c6d-7e8f9a0b1c03"
	// DemoSponsorID is pat.sponsor@<domain>, who sponsors vendor accounts.
	DemoSponsorID = "5a0e7b1c-2d3f-4a5b-8c6d-7e8f9a0b1c04"
)

// SKU and service-plan ids and part numbers, from MicrosoftDocs/entra-docs
// docs/identity/users/licensing-service-plan-reference.md (REFERENCE.md §2
// Licenses). Resolve SKUs by part number at run time; these are for seeds.
const (
	SKURemoteAssist              = "7a551360-26c4-4f61-84e6-ef715673e083" // MICROSOFT_REMOTE_ASSIST
	SKURemoteAssistHoloLens      = "e48328a2-8e98-4484-a70f-a99f8ac9ec89" // MICROSOFT_REMOTE_ASSIST_HOLOLENS
	SKUMicrosoft365E5            = "06ebc4ee-1bb5-47dd-8120-11324bc54e06" // SPE_E5
	SKUMicrosoft365E5Compliance  = "184efa21-98c3-4e5d-95ab-d07053a96e67" // INFORMATION_PROTECTION_COMPLIANCE
	PartRemoteAssist             = "MICROSOFT_REMOTE_ASSIST"
	PartRemoteAssistHoloLens     = "MICROSOFT_REMOTE_ASSIST_HOLOLENS"
	PartMicrosoft365E5           = "SPE_E5"
	PartMicrosoft365E5Compliance = "INFORMATION_PROTECTION_COMPLIANCE"

	PlanTeams1              = "57ff2da0-773e-42df-b2af-ffb7a2317929" // TEAMS1
	PlanRemoteAssist        = "4f4c7800-298a-4e22-8867-96b17850d4dd" // MICROSOFT_REMOTE_ASSIST
	PlanCDSRemoteAssist     = "0850ebb5-64ee-4d3a-a3e1-5a97213653b5" // CDS_REMOTE_ASSIST
	PlanInformationBarriers = "c4801e8a-cb58-4c35-aca6-f2dcc106f287" // INFORMATION_BARRIERS
	PlanExchangeOnlinePlan2 = "efb87545-963c-4e0d-99df-69c6916d9eb0" // EXCHANGE_S_ENTERPRISE
)

// EmptySeed is a tenant with no users, groups or SKUs.
func EmptySeed(domain string) Seed { return Seed{} }

func plan(id, name string) ServicePlan {
	return ServicePlan{ServicePlanID: id, ServicePlanName: name, ProvisioningStatus: "Success", AppliesTo: "User"}
}

func sku(id, part string, enabled int, plans ...ServicePlan) SKU {
	return SKU{SkuID: id, SkuPartNumber: part, AppliesTo: "User", CapabilityStatus: "Enabled",
		PrepaidUnits: PrepaidUnits{Enabled: enabled}, ServicePlans: plans}
}

// DemoSeed is the demo tenant of DESIGN.md for domain (e.g. "ABC.com"):
//
//   - vendorflow@domain — the mailbox that sends credentials (a shared
//     mailbox: sign-in disabled, no license);
//   - ava.expert@ and ben.expert@ — department "Experts", company "ABC",
//     Microsoft 365 E5 (Teams and information barriers), members of IB-Experts;
//   - pat.sponsor@ — department "Procurement", Microsoft 365 E5, the sponsor;
//   - segment groups IB-Experts, IB-Vendor1, IB-Vendor2, IB-Contractors with
//     the fixed ids GroupIB*ID;
//   - the Temporary Access Pass policy with Entra's proposed values
//     (EntraDefaultTAPPolicy: 1 h to 8 h, all users);
//   - SKUs MICROSOFT_REMOTE_ASSIST (5 seats, none used; includes TEAMS1),
//     MICROSOFT_REMOTE_ASSIST_HOLOLENS (2 seats), SPE_E5 (10 seats, 3 used)
//     and INFORMATION_PROTECTION_COMPLIANCE (5 seats, none used).
//
// Service-plan lists are the plans that matter here, not the full SKUs.
func DemoSeed(domain string) Seed {
	tapPolicy := EntraDefaultTAPPolicy()
	created := time.Date(2024, 1, 15, 9, 0, 0, 0, time.UTC)
	upn := func(local string) string { return local + "@" + domain }
	e5 := []AssignedLicense{{SkuID: SKUMicrosoft365E5, DisabledPlans: []string{}}}
	company := strings.SplitN(strings.ToUpper(domain), ".", 2)[0]
	internal := func(id, local, given, sur, dept string) User {
		return User{
			ID: id, AccountEnabled: true, DisplayName: given + " " + sur, GivenName: given, Surname: sur,
			MailNickname: local, UserPrincipalName: upn(local), Mail: upn(local), UsageLocation: "US",
			CompanyName: company, Department: dept, EmployeeType: "Employee", UserType: "Member",
			AssignedLicenses: e5, CreatedDateTime: created,
		}
	}
	ava := internal(DemoExpert1ID, "ava.expert", "Ava", "Expert", "Experts")
	ava.JobTitle = "Field Service Expert"
	ben := internal(DemoExpert2ID, "ben.expert", "Ben", "Expert", "Experts")
	ben.JobTitle = "Field Service Expert"
	pat := internal(DemoSponsorID, "pat.sponsor", "Pat", "Sponsor", "Procurement")
	pat.JobTitle = "Vendor Manager"
	sender := User{
		ID: DemoSenderID, AccountEnabled: false, DisplayName: "vendorflow", MailNickname: "vendorflow",
		UserPrincipalName: upn("vendorflow"), Mail: upn("vendorflow"), UsageLocation: "US",
		CompanyName: company, Department: "IT", UserType: "Member", CreatedDateTime: created,
	}
	group := func(id, name string, members ...string) Group {
		return Group{ID: id, DisplayName: name, MailNickname: name, SecurityEnabled: true,
			Description:     "Information-barrier segment " + strings.TrimPrefix(name, "IB-"),
			CreatedDateTime: created, Members: members}
	}
	return Seed{
		Users: []User{sender, ava, ben, pat},
		Groups: []Group{
			group(GroupIBExpertsID, "IB-Experts", DemoExpert1ID, DemoExpert2ID),
			group(GroupIBVendor1ID, "IB-Vendor1"),
			group(GroupIBVendor2ID, "IB-Vendor2"),
			group(GroupIBContractorsID, "IB-Contractors"),
		},
		SKUs: []SKU{
			sku(SKURemoteAssist, PartRemoteAssist, 5,
				plan(PlanCDSRemoteAssist, "CDS_REMOTE_ASSIST"), plan(PlanRemoteAssist, "MICROSOFT_REMOTE_ASSIST"), plan(PlanTeams1, "TEAMS1")),
			sku(SKURemoteAssistHoloLens, PartRemoteAssistHoloLens, 2,
				plan(PlanCDSRemoteAssist, "CDS_REMOTE_ASSIST"), plan(PlanRemoteAssist, "MICROSOFT_REMOTE_ASSIST"), plan(PlanTeams1, "TEAMS1")),
			sku(SKUMicrosoft365E5, PartMicrosoft365E5, 10,
				plan(PlanExchangeOnlinePlan2, "EXCHANGE_S_ENTERPRISE"), plan(PlanTeams1, "TEAMS1"), plan(PlanInformationBarriers, "INFORMATION_BARRIERS")),
			sku(SKUMicrosoft365E5Compliance, PartMicrosoft365E5Compliance, 5,
				plan(PlanInformationBarriers, "INFORMATION_BARRIERS")),
		},
		TAPPolicy: &tapPolicy,
	}
}

// WithSeats returns the seed with n seats (prepaid enabled units) of the
// SKU whose skuPartNumber is part, for loads that need more than the
// demo's 5 Remote Assist seats.
func (s Seed) WithSeats(part string, n int) (Seed, error) {
	if n < 0 {
		return Seed{}, fmt.Errorf("seats for %s: %d is negative", part, n)
	}
	skus := slices.Clone(s.SKUs)
	for i := range skus {
		if strings.EqualFold(skus[i].SkuPartNumber, part) {
			skus[i].PrepaidUnits.Enabled = n
			s.SKUs = skus
			return s, nil
		}
	}
	return Seed{}, fmt.Errorf("seats for %s: the seed has no such SKU", part)
}
