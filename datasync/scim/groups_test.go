package scim_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/datasync/scim"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

// memberIDs are the member values of a served group, sorted.
func memberIDs(res map[string]any) []string {
	list, _ := res["members"].([]any)
	out := []string{}
	for _, e := range list {
		m, _ := e.(map[string]any)
		id, _ := m["value"].(string)
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

func sorted(ids ...string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	if out == nil {
		out = []string{}
	}
	return out
}

func wantMembers(t testing.TB, r reply, want ...string) {
	t.Helper()
	if got := memberIDs(r.Body); strings.Join(got, ",") != strings.Join(sorted(want...), ",") {
		t.Errorf("members %v, want %v: %s", got, sorted(want...), r.Raw)
	}
}

func TestCreateAndGetGroup(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := newServer(t, db, scim.Options{})
		ada, bob := s.createUser("ada"), s.createUser("bob")
		child := s.createGroup("Compilers")
		r := s.do("POST", "/Groups", map[string]any{
			"schemas":     []string{scim.GroupSchemaURN},
			"displayName": "Engineering",
			"externalId":  "eng-1",
			"members": []any{
				map[string]any{"value": ada, "type": "User"},
				map[string]any{"value": bob},
				map[string]any{"value": child, "type": "Group"},
			},
		}).want(t, http.StatusCreated)
		id := r.str("id")
		wantMembers(t, r, ada, bob, child)
		meta, _ := r.Body["meta"].(map[string]any)
		if meta["resourceType"] != "Group" || meta["location"] != s.url+"/Groups/"+id || r.Header.Get("Location") != s.url+"/Groups/"+id {
			t.Errorf("meta %v, Location %q", meta, r.Header.Get("Location"))
		}
		// The directory: a department with two members and a child.
		if got := s.memberTitles("ada"); strings.Join(got, ",") != "Engineering" {
			t.Errorf("ada's departments %v", got)
		}
		var parent string
		err := db.NewSelect().TableExpr("departments AS c").ColumnExpr("p.title").
			Join(`JOIN departments AS p ON p.id = c."parentId"`).Where("c.title = ?", "Compilers").Scan(t.Context(), &parent)
		if err != nil || parent != "Engineering" {
			t.Errorf("Compilers' parent %q: %v", parent, err)
		}

		got := s.do("GET", "/Groups/"+id, nil).want(t, http.StatusOK)
		wantMembers(t, got, ada, bob, child)
		delete(got.Body, "members")
		delete(got.Body, "meta")
		wantJSON(t, got.Body, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"`+id+`","displayName":"Engineering","externalId":"eng-1"}`)
		// Entra reads groups without members.
		lean := s.do("GET", "/Groups/"+id+"?excludedAttributes=members", nil).want(t, http.StatusOK)
		if lean.Body["members"] != nil || lean.str("displayName") != "Engineering" {
			t.Errorf("excludedAttributes=members: %s", lean.Raw)
		}
		if lean.Header.Get("ETag") != r.Header.Get("ETag") {
			t.Errorf("ETag %q without members, %q with: want the same", lean.Header.Get("ETag"), r.Header.Get("ETag"))
		}
		// A user's groups are served from its memberships.
		user := s.do("GET", "/Users/"+ada, nil).want(t, http.StatusOK)
		wantJSON(t, user.Body["groups"], `[{"value":"`+id+`","display":"Engineering","type":"direct"}]`)

		// Unknown members are refused, naming them all; nothing is written.
		s.do("POST", "/Groups", map[string]any{
			"schemas": []string{scim.GroupSchemaURN}, "displayName": "Ghosts",
			"members": []any{map[string]any{"value": "nobody-2"}, map[string]any{"value": "nobody-1"}, map[string]any{"value": ada, "type": "Group"}},
		}).wantError(t, http.StatusBadRequest, scim.ScimTypeInvalidValue, "has the id "+sorted("nobody-1", "nobody-2", ada)[0])
		if list := s.do("GET", "/Groups?filter="+urlQuery(`displayName eq "Ghosts"`), nil); list.num("totalResults") != 0 {
			t.Errorf("a refused group was written: %s", list.Raw)
		}
	})
}

func TestListGroups(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := newServer(t, db, scim.Options{})
		ada := s.createUser("ada")
		eng := s.createGroup("Engineering", ada)
		ops := s.createGroup("Operations")
		all := s.do("GET", "/Groups", nil).want(t, http.StatusOK)
		if strings.Join(ids(all.resources()), ",") != eng+","+ops || all.num("totalResults") != 2 {
			t.Fatalf("groups: %s", all.Raw)
		}
		if got := memberIDs(all.resources()[0]); strings.Join(got, ",") != ada {
			t.Errorf("Engineering's members %v", got)
		}
		byName := s.do("GET", "/Groups?excludedAttributes=members&filter="+urlQuery(`displayName eq "operations"`), nil).want(t, http.StatusOK)
		if got := ids(byName.resources()); len(got) != 1 || got[0] != ops || byName.resources()[0]["members"] != nil {
			t.Errorf("by displayName: %s", byName.Raw)
		}
		byMember := s.do("GET", "/Groups?filter="+urlQuery(`members.value eq "`+ada+`"`), nil).want(t, http.StatusOK)
		if got := ids(byMember.resources()); len(got) != 1 || got[0] != eng {
			t.Errorf("by member: %s", byMember.Raw)
		}
		s.do("GET", "/Groups?filter="+urlQuery(`title eq "x"`), nil).wantError(t, http.StatusBadRequest, scim.ScimTypeInvalidFilter, "title")
	})
}

func TestReplaceGroup(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := newServer(t, db, scim.Options{})
		ada, bob, cy := s.createUser("ada"), s.createUser("bob"), s.createUser("cy")
		id := s.createGroup("Engineering", ada, bob)
		r := s.do("PUT", "/Groups/"+id, map[string]any{
			"schemas": []string{scim.GroupSchemaURN}, "displayName": "R&D",
			"members": []any{map[string]any{"value": bob}, map[string]any{"value": cy}},
		}).want(t, http.StatusOK)
		wantMembers(t, r, bob, cy)
		if r.str("displayName") != "R&D" {
			t.Errorf("displayName %q", r.str("displayName"))
		}
		if got := s.memberTitles("ada"); len(got) != 0 {
			t.Errorf("ada still in %v", got)
		}
		if got := s.memberTitles("cy"); strings.Join(got, ",") != "R&D" {
			t.Errorf("cy in %v", got)
		}
		user := s.do("GET", "/Users/"+ada, nil).want(t, http.StatusOK)
		if user.Body["groups"] != nil {
			t.Errorf("ada's groups %v", user.Body["groups"])
		}
	})
}

func TestDeleteGroup(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := newServer(t, db, scim.Options{})
		ada := s.createUser("ada")
		id := s.createGroup("Engineering", ada)
		v := s.do("GET", "/Groups/"+id, nil).want(t, http.StatusOK).Header.Get("ETag")
		s.do("DELETE", "/Groups/"+id, nil, "If-Match", `W/"0000000000000000"`).wantError(t, http.StatusPreconditionFailed, "", "")
		s.do("DELETE", "/Groups/"+id, nil, "If-Match", v).want(t, http.StatusNoContent)
		s.do("GET", "/Groups/"+id, nil).wantError(t, http.StatusNotFound, "", `Group "`+id+`" not found`)
		if list := s.do("GET", "/Groups", nil); list.num("totalResults") != 0 {
			t.Errorf("a deleted group is listed: %s", list.Raw)
		}
		if user := s.do("GET", "/Users/"+ada, nil).want(t, http.StatusOK); user.Body["groups"] != nil {
			t.Errorf("ada's groups %v after the group went", user.Body["groups"])
		}
	})
}

func TestPatchGroupMembers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := newServer(t, db, scim.Options{})
		ada, bob := s.createUser("ada"), s.createUser("bob")
		eng := s.createGroup("Engineering", ada)
		child := s.createGroup("Compilers")
		patch := func(ops string, query ...string) reply {
			t.Helper()
			q := ""
			if len(query) > 0 {
				q = query[0]
			}
			return s.do("PATCH", "/Groups/"+eng+q, patchBody(ops))
		}
		patch(`[{"op":"add","path":"members","value":[{"value":"`+bob+`"},{"value":"`+child+`","type":"Group"}]}]`).want(t, http.StatusNoContent)
		wantMembers(t, s.do("GET", "/Groups/"+eng, nil).want(t, http.StatusOK), ada, bob, child)
		// Adding a member twice changes nothing (a retried request).
		patch(`[{"op":"add","path":"members","value":[{"value":"`+bob+`"}]}]`).want(t, http.StatusNoContent)
		// Removing by value filter; attributes asks for the group back.
		r := patch(`[{"op":"remove","path":"members[value eq \"`+ada+`\"]"}]`, "?attributes=members").want(t, http.StatusOK)
		wantMembers(t, r, bob, child)
		if got := s.memberTitles("ada"); len(got) != 0 {
			t.Errorf("ada still in %v", got)
		}
		// The child group leaves: it is a top-level department again.
		patch(`[{"op":"remove","path":"members[value eq \"`+child+`\"]"}]`).want(t, http.StatusNoContent)
		var parentID *int64
		if err := db.NewSelect().TableExpr("departments").Column("parentId").Where("title = ?", "Compilers").Scan(t.Context(), &parentID); err != nil || parentID != nil {
			t.Errorf("Compilers' parentId %v: %v", parentID, err)
		}
		patch(`[{"op":"add","path":"members","value":[{"value":"ghost"},{"value":"`+eng+`"}]}]`).
			wantError(t, http.StatusBadRequest, scim.ScimTypeInvalidValue, "has the id "+strings.Join(sorted(eng, "ghost"), ", "))
		// remove without a path is refused; replace of the whole list replaces.
		patch(`[{"op":"remove"}]`).wantError(t, http.StatusBadRequest, scim.ScimTypeNoTarget, "")
		patch(`[{"op":"replace","path":"members","value":[{"value":"`+ada+`"}]}]`).want(t, http.StatusNoContent)
		wantMembers(t, s.do("GET", "/Groups/"+eng, nil).want(t, http.StatusOK), ada)
		if got := s.memberTitles("bob"); len(got) != 0 {
			t.Errorf("bob still in %v", got)
		}
	})
}

// Nested groups become nested departments; a cycle is the client's
// mistake, a 400, and changes nothing.
func TestNestedGroupCycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := newServer(t, db, scim.Options{})
		inner := s.createGroup("Inner")
		outer := s.createGroup("Outer", inner)
		r := s.do("PATCH", "/Groups/"+inner, patchBody(`[{"op":"add","path":"members","value":[{"value":"`+outer+`","type":"Group"}]}]`))
		r.wantError(t, http.StatusBadRequest, scim.ScimTypeInvalidValue, "parentUid cycle: ")
		if d := r.str("detail"); !strings.Contains(d, `"`+inner+`"`) || !strings.Contains(d, `"`+outer+`"`) {
			t.Errorf("detail %q names not both groups", d)
		}
		wantMembers(t, s.do("GET", "/Groups/"+outer, nil).want(t, http.StatusOK), inner)
		wantMembers(t, s.do("GET", "/Groups/"+inner, nil).want(t, http.StatusOK))
	})
}

// excludedAttributes=members (Entra's group read) does not read the
// members: it runs fewer statements than a read that serves them.
func TestGroupReadWithoutMembersReadsLess(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		c := &statementCounter{}
		s := newServer(t, db.WithQueryHook(c), scim.Options{})
		id := s.createGroup("Engineering", s.createUser("ada"))
		count := func(query string) int64 {
			before := c.n.Load()
			s.do("GET", "/Groups/"+id+query, nil).want(t, http.StatusOK)
			return c.n.Load() - before
		}
		full, lean := count(""), count("?excludedAttributes=members")
		if lean >= full {
			t.Errorf("a read without members ran %d statements, one with them %d", lean, full)
		}
	})
}

// A write to one group reads only that group's members and the members
// it names, and changes no other group: a user of two groups that
// leaves one (by PATCH, PUT or the group's DELETE) stays in the other,
// in either mode.
func TestGroupWriteKeepsOtherGroups(t *testing.T) {
	for _, gm := range groupModes {
		t.Run(gm.name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, db *bun.DB) {
				s := modeServer(t, db, gm.mode)
				ada, bob := s.createUser("ada"), s.createUser("bob")
				ops := s.createGroup("ops", ada)
				eng := s.createGroup("eng", ada, bob)
				wantState := func(step string, opsMembers, engMembers, adaGroups []string) {
					t.Helper()
					if got := memberIDs(s.do("GET", "/Groups/"+ops, nil).want(t, http.StatusOK).Body); !slices.Equal(got, sorted(opsMembers...)) {
						t.Errorf("%s: ops has %v, want %v", step, got, sorted(opsMembers...))
					}
					if engMembers != nil {
						if got := memberIDs(s.do("GET", "/Groups/"+eng, nil).want(t, http.StatusOK).Body); !slices.Equal(got, sorted(engMembers...)) {
							t.Errorf("%s: eng has %v, want %v", step, got, sorted(engMembers...))
						}
					}
					groups, _ := s.do("GET", "/Users/"+ada, nil).want(t, http.StatusOK).Body["groups"].([]any)
					var got []string
					for _, g := range groups {
						got = append(got, g.(map[string]any)["value"].(string))
					}
					if slices.Sort(got); !slices.Equal(got, sorted(adaGroups...)) {
						t.Errorf("%s: ada is in %v, want %v", step, got, sorted(adaGroups...))
					}
				}
				wantState("created", []string{ada}, []string{ada, bob}, []string{ops, eng})
				s.do("PATCH", "/Groups/"+eng, patchBody(`[{"op":"remove","path":"members[value eq \"`+ada+`\"]"}]`)).want(t, http.StatusNoContent)
				wantState("ada removed from eng", []string{ada}, []string{bob}, []string{ops})
				s.do("PUT", "/Groups/"+eng, map[string]any{
					"schemas": []string{scim.GroupSchemaURN}, "displayName": "eng", "members": []any{map[string]any{"value": ada}},
				}).want(t, http.StatusOK)
				wantState("eng replaced by ada", []string{ada}, []string{ada}, []string{ops, eng})
				s.do("DELETE", "/Groups/"+eng, nil).want(t, http.StatusNoContent)
				wantState("eng deleted", []string{ada}, nil, []string{ops})
			})
		})
	}
}
