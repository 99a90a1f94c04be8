package scim_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/datasync/scim"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/internal/synctest"
)

// rolesServer is a GroupsAsRoles server whose source may create roles
// when create is true.
func rolesServer(t *testing.T, db *bun.DB, create bool) *server {
	t.Helper()
	s := newServer(t, db, scim.Options{Groups: scim.GroupsAsRoles})
	if create {
		s.setPolicy(map[string]any{"roles": map[string]any{"create": true}})
	}
	return s
}

func wantStrings(t testing.TB, what string, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("%s %q, want %q", what, got, want)
	}
}

// A group names a role: an existing one, or one the policy lets the
// source create. Without roles.create an unknown name is a 400 naming
// it; root, a name another group has, a title clash and Group members
// are refused too, and a refused request writes nothing.
func TestRoleGroupCreate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := rolesServer(t, db, false)
		ada := s.createUser("ada")
		s.do("POST", "/Groups", map[string]any{
			"schemas": []string{scim.GroupSchemaURN}, "displayName": "Auditors",
			"members": []any{map[string]any{"value": ada}},
		}).wantError(t, http.StatusBadRequest, scim.ScimTypeInvalidValue,
			`displayName: role "Auditors" does not exist, and the source's policy does not create roles (roles.create)`)
		wantStrings(t, "roles", s.roleNames())
		wantStrings(t, "grants", s.roleGrants())
		if list := s.do("GET", "/Groups", nil).want(t, http.StatusOK); list.num("totalResults") != 0 {
			t.Errorf("a refused group was written: %s", list.Raw)
		}

		s.defineRole("support", "Support desk")
		r := s.do("POST", "/Groups", map[string]any{
			"schemas": []string{scim.GroupSchemaURN}, "displayName": "support", "externalId": "okta-7",
			"members": []any{map[string]any{"value": ada, "type": "User"}},
		}).want(t, http.StatusCreated)
		id := r.str("id")
		wantMembers(t, r, ada)
		meta, _ := r.Body["meta"].(map[string]any)
		if meta["location"] != s.url+"/Groups/"+id || r.Header.Get("ETag") == "" || meta["created"] == "" {
			t.Errorf("meta %v, ETag %q", meta, r.Header.Get("ETag"))
		}
		wantStrings(t, "grants", s.roleGrants(), "ada:support")
		wantStrings(t, "roles", s.roleNames(), "support")

		got := s.do("GET", "/Groups/"+id, nil).want(t, http.StatusOK)
		delete(got.Body, "meta")
		wantJSON(t, got.Body, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"`+id+`","displayName":"support","externalId":"okta-7",
			"members":[{"value":"`+ada+`","type":"User","display":"ada"}]}`)
		user := s.do("GET", "/Users/"+ada, nil).want(t, http.StatusOK)
		wantJSON(t, user.Body["groups"], `[{"value":"`+id+`","display":"support","type":"direct"}]`)

		group := func(name string, members ...any) reply {
			return s.do("POST", "/Groups", map[string]any{"schemas": []string{scim.GroupSchemaURN}, "displayName": name, "members": members})
		}
		group("root").wantError(t, http.StatusBadRequest, scim.ScimTypeInvalidValue, `displayName: role "root" is the root role, which a sync never grants`)
		group("support").wantError(t, http.StatusConflict, scim.ScimTypeUniqueness, `displayName: role "support" is group `+id+`'s already`)
		s.defineRole("ops", "Operations")
		group("ops", map[string]any{"value": id, "type": "Group"}).
			wantError(t, http.StatusBadRequest, scim.ScimTypeInvalidValue, "members: groups are roles here, and roles do not nest: "+id+" is a group")
		group("ops", map[string]any{"value": id}).
			wantError(t, http.StatusBadRequest, scim.ScimTypeInvalidValue, "roles do not nest: "+id)
		group(" ").wantError(t, http.StatusBadRequest, scim.ScimTypeInvalidValue, `displayName: want a role name, got " "`)
		// Random, so that PostgreSQL cannot compress it into an index entry.
		long := make([]byte, 128)
		_, _ = rand.Read(long)
		group(hex.EncodeToString(long)).wantError(t, http.StatusBadRequest, scim.ScimTypeInvalidValue, "displayName: a role name has at most 255 bytes, this one 256")
		if list := s.do("GET", "/Groups", nil).want(t, http.StatusOK); strings.Join(ids(list.resources()), ",") != id {
			t.Errorf("groups after the refusals: %s", list.Raw)
		}
		wantStrings(t, "roles", s.roleNames(), "ops", "support")
	})
}

// With roles.create a group's unknown role is created, titled with its
// name, even with no members; a name that is another role's title
// cannot be.
func TestRoleGroupCreatesRole(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := rolesServer(t, db, true)
		id := s.createGroup("Auditors")
		wantStrings(t, "roles", s.roleNames(), "Auditors")
		var title string
		if err := db.NewSelect().TableExpr("roles").Column("title").Where("name = ?", "Auditors").Scan(t.Context(), &title); err != nil || title != "Auditors" {
			t.Errorf("title %q: %v", title, err)
		}
		wantMembers(t, s.do("GET", "/Groups/"+id, nil).want(t, http.StatusOK))
		s.defineRole("ops", "Operations")
		s.do("POST", "/Groups", map[string]any{"schemas": []string{scim.GroupSchemaURN}, "displayName": "Operations"}).
			wantError(t, http.StatusBadRequest, scim.ScimTypeInvalidValue, `displayName: role "Operations" does not exist, and cannot be created: another role has the title "Operations"`)
		wantStrings(t, "roles", s.roleNames(), "Auditors", "ops")
	})
}

// Members join and leave as Okta and Entra send them; each change is the
// members' rolesUsers rows the source owns, and a role granted by hand,
// the group's own included, is never touched.
func TestRoleGroupPatchMembers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := rolesServer(t, db, false)
		s.defineRole("support", "Support")
		s.defineRole("other", "Other")
		ada, bob, cy := s.createUser("ada"), s.createUser("bob"), s.createUser("cy")
		s.grant("ada", "other")
		s.grant("bob", "support")
		id := s.createGroup("support", ada)
		patch := func(ops string) reply {
			t.Helper()
			return s.do("PATCH", "/Groups/"+id, patchBody(ops))
		}
		wantStrings(t, "grants", s.roleGrants(), "ada:other", "ada:support", "bob:support")

		// Entra: PascalCase ops, members by value.
		patch(`[{"op":"Add","path":"members","value":[{"value":"`+bob+`"},{"value":"`+cy+`"}]}]`).want(t, http.StatusNoContent)
		wantMembers(t, s.do("GET", "/Groups/"+id, nil).want(t, http.StatusOK), ada, bob, cy)
		wantStrings(t, "grants", s.roleGrants(), "ada:other", "ada:support", "bob:support", "cy:support")
		patch(`[{"op":"Remove","path":"members","value":[{"value":"`+bob+`"}]}]`).want(t, http.StatusNoContent)
		wantMembers(t, s.do("GET", "/Groups/"+id, nil).want(t, http.StatusOK), ada, cy)
		// bob's support was granted by hand: it stays.
		wantStrings(t, "grants", s.roleGrants(), "ada:other", "ada:support", "bob:support", "cy:support")

		// Okta: remove through a value filter, add with display.
		patch(`[{"op":"remove","path":"members[value eq \"`+ada+`\"]"}]`).want(t, http.StatusNoContent)
		wantStrings(t, "grants", s.roleGrants(), "ada:other", "bob:support", "cy:support")
		patch(`[{"op":"add","path":"members","value":[{"value":"`+ada+`","display":"ada"}]}]`).want(t, http.StatusNoContent)
		wantStrings(t, "grants", s.roleGrants(), "ada:other", "ada:support", "bob:support", "cy:support")
		// A retried add changes nothing; replace replaces the whole list.
		patch(`[{"op":"add","path":"members","value":[{"value":"`+ada+`"}]}]`).want(t, http.StatusNoContent)
		patch(`[{"op":"replace","path":"members","value":[{"value":"`+bob+`"}]}]`).want(t, http.StatusNoContent)
		wantMembers(t, s.do("GET", "/Groups/"+id, nil).want(t, http.StatusOK), bob)
		wantStrings(t, "grants", s.roleGrants(), "ada:other", "bob:support")
		user := s.do("GET", "/Users/"+bob, nil).want(t, http.StatusOK)
		wantJSON(t, user.Body["groups"], `[{"value":"`+id+`","display":"support","type":"direct"}]`)
		if user := s.do("GET", "/Users/"+ada, nil).want(t, http.StatusOK); user.Body["groups"] != nil {
			t.Errorf("ada's groups %v", user.Body["groups"])
		}

		// A Group member is refused, and changes nothing.
		other := s.createGroup("other")
		patch(`[{"op":"add","path":"members","value":[{"value":"`+other+`"}]}]`).
			wantError(t, http.StatusBadRequest, scim.ScimTypeInvalidValue, "roles do not nest: "+other+" is a group")
		wantStrings(t, "grants", s.roleGrants(), "ada:other", "bob:support")
	})
}

// A displayName change renames the role the members hold: one push takes
// the old role from them and gives the new one; the old role stays, and
// so do its grants by hand. A name no role has, without roles.create,
// changes nothing.
func TestRoleGroupRename(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := rolesServer(t, db, false)
		s.defineRole("support", "Support")
		s.defineRole("helpdesk", "Helpdesk")
		ada, bob := s.createUser("ada"), s.createUser("bob")
		s.createUser("cy")
		s.grant("cy", "support")
		id := s.createGroup("support", ada, bob)
		before := s.do("GET", "/Groups/"+id, nil).want(t, http.StatusOK).Header.Get("ETag")

		s.do("PATCH", "/Groups/"+id, patchBody(`[{"op":"replace","path":"displayName","value":"nobody"}]`)).
			wantError(t, http.StatusBadRequest, scim.ScimTypeInvalidValue, `displayName: role "nobody" does not exist`)
		wantStrings(t, "grants", s.roleGrants(), "ada:support", "bob:support", "cy:support")

		// Okta renames with a path-less replace.
		s.do("PATCH", "/Groups/"+id, patchBody(`[{"op":"replace","value":{"id":"`+id+`","displayName":"helpdesk"}}]`), "If-Match", before).
			want(t, http.StatusNoContent)
		wantStrings(t, "grants", s.roleGrants(), "ada:helpdesk", "bob:helpdesk", "cy:support")
		wantStrings(t, "roles", s.roleNames(), "helpdesk", "support")
		r := s.do("GET", "/Groups/"+id, nil).want(t, http.StatusOK)
		wantMembers(t, r, ada, bob)
		if r.str("displayName") != "helpdesk" || r.Header.Get("ETag") == before {
			t.Errorf("renamed group %s, ETag %q (was %q)", r.Raw, r.Header.Get("ETag"), before)
		}
		// The old version is stale now.
		s.do("PATCH", "/Groups/"+id, patchBody(`[{"op":"replace","path":"displayName","value":"support"}]`), "If-Match", before).
			wantError(t, http.StatusPreconditionFailed, "", "")

		// PUT renames and changes members at once.
		r = s.do("PUT", "/Groups/"+id, map[string]any{
			"schemas": []string{scim.GroupSchemaURN}, "displayName": "support", "members": []any{map[string]any{"value": ada}},
		}).want(t, http.StatusOK)
		wantMembers(t, r, ada)
		wantStrings(t, "grants", s.roleGrants(), "ada:support", "cy:support")
	})
}

// DELETE takes the role from the group's members and forgets the group;
// the role and its grants by hand stay.
func TestRoleGroupDelete(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := rolesServer(t, db, true)
		ada, bob := s.createUser("ada"), s.createUser("bob")
		s.createUser("cy")
		s.defineRole("support", "Support")
		s.grant("cy", "support")
		s.grant("bob", "support")
		id := s.createGroup("support", ada, bob)
		keep := s.createGroup("Auditors", ada)
		wantStrings(t, "grants", s.roleGrants(), "ada:Auditors", "ada:support", "bob:support", "cy:support")
		v := s.do("GET", "/Groups/"+id, nil).want(t, http.StatusOK).Header.Get("ETag")
		s.do("DELETE", "/Groups/"+id, nil, "If-Match", `W/"0000000000000000"`).wantError(t, http.StatusPreconditionFailed, "", "")
		s.do("DELETE", "/Groups/"+id, nil, "If-Match", v).want(t, http.StatusNoContent)
		s.do("GET", "/Groups/"+id, nil).wantError(t, http.StatusNotFound, "", `Group "`+id+`" not found`)
		s.do("DELETE", "/Groups/"+id, nil).wantError(t, http.StatusNotFound, "", `Group "`+id+`" not found`)
		wantStrings(t, "grants", s.roleGrants(), "ada:Auditors", "bob:support", "cy:support")
		wantStrings(t, "roles", s.roleNames(), "Auditors", "support")
		list := s.do("GET", "/Groups", nil).want(t, http.StatusOK)
		if strings.Join(ids(list.resources()), ",") != keep {
			t.Errorf("groups after the delete: %s", list.Raw)
		}
		user := s.do("GET", "/Users/"+ada, nil).want(t, http.StatusOK)
		wantJSON(t, user.Body["groups"], `[{"value":"`+keep+`","display":"Auditors","type":"direct"}]`)
		// The name is free again.
		again := s.createGroup("support", bob)
		wantMembers(t, s.do("GET", "/Groups/"+again, nil).want(t, http.StatusOK), bob)
	})
}

// Lists, filters, projection and the users' groups work on role groups
// as on departments.
func TestRoleGroupList(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := rolesServer(t, db, true)
		ada, bob := s.createUser("ada"), s.createUser("bob")
		eng := s.createGroup("Engineering", ada, bob)
		ops := s.createGroup("Operations", bob)
		all := s.do("GET", "/Groups", nil).want(t, http.StatusOK)
		if strings.Join(ids(all.resources()), ",") != eng+","+ops || all.num("totalResults") != 2 {
			t.Fatalf("groups: %s", all.Raw)
		}
		wantStrings(t, "Engineering's members", memberIDs(all.resources()[0]), sorted(ada, bob)...)
		byName := s.do("GET", "/Groups?excludedAttributes=members&filter="+urlQuery(`displayName eq "operations"`), nil).want(t, http.StatusOK)
		if got := ids(byName.resources()); len(got) != 1 || got[0] != ops || byName.resources()[0]["members"] != nil {
			t.Errorf("by displayName: %s", byName.Raw)
		}
		byMember := s.do("GET", "/Groups?filter="+urlQuery(`members.value eq "`+ada+`"`), nil).want(t, http.StatusOK)
		wantStrings(t, "groups of ada", ids(byMember.resources()), eng)
		users := s.do("GET", "/Users?filter="+urlQuery(`userName eq "bob"`), nil).want(t, http.StatusOK)
		wantJSON(t, users.resources()[0]["groups"], `[{"value":"`+eng+`","display":"Engineering","type":"direct"},{"value":"`+ops+`","display":"Operations","type":"direct"}]`)
		lean := s.do("GET", "/Groups/"+eng+"?excludedAttributes=members", nil).want(t, http.StatusOK)
		full := s.do("GET", "/Groups/"+eng, nil).want(t, http.StatusOK)
		if lean.Body["members"] != nil || lean.Header.Get("ETag") != full.Header.Get("ETag") {
			t.Errorf("without members %s (ETag %q), with %q", lean.Raw, lean.Header.Get("ETag"), full.Header.Get("ETag"))
		}
		s.do("GET", "/Groups/"+eng, nil, "If-None-Match", full.Header.Get("ETag")).want(t, http.StatusNotModified)
		// A user's own writes keep the roles its groups gave.
		s.do("PATCH", "/Users/"+bob, patchBody(`[{"op":"replace","path":"displayName","value":"Bobby"}]`)).want(t, http.StatusOK)
		wantStrings(t, "grants", s.roleGrants(), "ada:Engineering", "bob:Engineering", "bob:Operations")
	})
}

// A bulk request creates a user and a role group referencing it by
// bulkId, in one transaction.
func TestRoleGroupBulk(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := rolesServer(t, db, true)
		r := s.do("POST", "/Bulk", bulkBody(0,
			map[string]any{"method": "POST", "path": "/Users", "bulkId": "ada", "data": userBody("ada")},
			map[string]any{"method": "POST", "path": "/Groups", "bulkId": "eng", "data": map[string]any{
				"schemas": []string{scim.GroupSchemaURN}, "displayName": "Engineering",
				"members": []any{map[string]any{"type": "User", "value": "bulkId:ada"}},
			}},
			map[string]any{"method": "PATCH", "path": "/Groups/bulkId:eng", "data": map[string]any{
				"schemas":    []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
				"Operations": []any{map[string]any{"op": "replace", "path": "displayName", "value": "R&D"}},
			}},
			map[string]any{"method": "POST", "path": "/Groups", "bulkId": "bad", "data": map[string]any{
				"schemas": []string{scim.GroupSchemaURN}, "displayName": "root",
			}},
		)).want(t, http.StatusOK)
		statuses := []string{}
		for _, op := range r.bulkOps() {
			statuses = append(statuses, op["status"].(string))
		}
		wantStrings(t, "statuses", statuses, "201", "201", "204", "400")
		ada := s.userRow("ada")
		if ada == nil {
			t.Fatal("ada was not created")
		}
		group := s.do("GET", r.bulkOps()[1]["location"].(string)[len(s.url):], nil).want(t, http.StatusOK)
		if group.str("displayName") != "R&D" {
			t.Errorf("group %s", group.Raw)
		}
		wantStrings(t, "grants", s.roleGrants(), "ada:R&D")
		wantStrings(t, "roles", s.roleNames(), "Engineering", "R&D")
	})
}

// CreateTables is idempotent; without it a role group request is a 500
// whose log says what is missing.
func TestRoleGroupsTable(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		m := synctest.Directory(t, db)
		var log bytes.Buffer
		h, err := scim.New(m, scim.Options{Token: token, Groups: scim.GroupsAsRoles, Logger: slog.New(slog.NewTextHandler(&log, nil))})
		if err != nil {
			t.Fatal(err)
		}
		get := func() *httptest.ResponseRecorder {
			w := httptest.NewRecorder()
			req := httptest.NewRequest("GET", "/scim/v2/Groups", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			h.ServeHTTP(w, req)
			return w
		}
		if w := get(); w.Code != http.StatusInternalServerError || !strings.Contains(log.String(), "GroupsAsRoles needs scim.CreateTables") {
			t.Errorf("without the table: %d %s; log %s", w.Code, w.Body, log.String())
		}
		for range 2 {
			if err := scim.CreateTables(context.Background(), db); err != nil {
				t.Fatal(err)
			}
		}
		if w := get(); w.Code != http.StatusOK {
			t.Errorf("with the table: %d %s", w.Code, w.Body)
		}
	})
}
