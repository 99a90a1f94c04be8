package scim_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/datasync/scim"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

// deptAttr is the enterprise extension's department, as a path.
const deptAttr = scim.EnterpriseUserURN + ":department"

// withDepartment is body with the enterprise extension naming department
// name, and a manager, which stays kept and served.
func withDepartment(body map[string]any, name string) map[string]any {
	body[scim.EnterpriseUserURN] = map[string]any{"department": name, "manager": map[string]any{"value": "m-1"}}
	return body
}

// groupMemberships are a user's group memberships as the directory has
// them in mode: departments (but the enterprise one) or roles.
func (s *server) groupMemberships(mode scim.GroupMode, username, enterprise string) []string {
	s.t.Helper()
	if mode == scim.GroupsAsRoles {
		return s.roleGrants()
	}
	var out []string
	for _, title := range s.memberTitles(username) {
		if title != enterprise {
			out = append(out, title)
		}
	}
	return out
}

// The enterprise department is the user's main department, in either
// group mode: created on first use and reused, moved by PATCH in Entra's
// path-less form and with a path, left by PUT without it; it is never a
// group, the user's group memberships are untouched by all of it, the
// attribute is served back as sent, and departments left empty stay.
func TestEnterpriseDepartment(t *testing.T) {
	for _, gm := range groupModes {
		t.Run(gm.name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, db *bun.DB) {
				s := modeServer(t, db, gm.mode)
				r := s.do("POST", "/Users", withDepartment(userBody("ada"), "R&D")).want(t, http.StatusCreated)
				ada := r.str("id")
				wantJSON(t, r.Body[scim.EnterpriseUserURN], `{"department":"R&D","manager":{"value":"m-1"}}`)
				if _, ok := r.Body["groups"]; ok {
					t.Errorf("the department is served as a group: %s", r.Raw)
				}
				wantStrings(t, "ada's departments", s.memberTitles("ada"), "R&D")
				wantStrings(t, "ada's main department", []string{s.mainTitle("ada")}, "R&D")

				// Not a group: not listed, not found, not a member.
				if list := s.do("GET", "/Groups", nil).want(t, http.StatusOK); list.num("totalResults") != 0 {
					t.Errorf("groups: %s", list.Raw)
				}
				dept := "/Groups/" + url.PathEscape("department:R&D")
				s.do("GET", dept, nil).wantError(t, http.StatusNotFound, "", `Group "department:R&D" not found`)
				s.do("PATCH", dept, patchBody(`[{"op":"replace","path":"displayName","value":"X"}]`)).
					wantError(t, http.StatusNotFound, "", `Group "department:R&D" not found`)
				s.do("DELETE", dept, nil).wantError(t, http.StatusNotFound, "", `Group "department:R&D" not found`)
				byID := s.do("GET", "/Groups?filter="+url.QueryEscape(`id eq "department:R&D"`), nil).want(t, http.StatusOK)
				byName := s.do("GET", "/Groups?filter="+url.QueryEscape(`displayName eq "R&D"`), nil).want(t, http.StatusOK)
				if byID.num("totalResults") != 0 || byName.num("totalResults") != 0 {
					t.Errorf("filters found the department: %s %s", byID.Raw, byName.Raw)
				}
				s.do("POST", "/Groups", map[string]any{
					"schemas": []string{scim.GroupSchemaURN}, "displayName": "Lab",
					"members": []any{map[string]any{"value": "department:R&D"}},
				}).wantError(t, http.StatusBadRequest, scim.ScimTypeInvalidValue, "members: no user or other group of this provider has the id department:R&D")

				// A second user reuses it.
				bob := s.do("POST", "/Users", withDepartment(userBody("bob"), "R&D")).want(t, http.StatusCreated).str("id")
				wantStrings(t, "bob's departments", s.memberTitles("bob"), "R&D")
				wantStrings(t, "departments", s.departmentTitles(), "R&D")

				// A group: its membership sits next to the department's,
				// which stays the main one.
				eng := s.createGroup("Engineering", ada)
				wantGroups := `[{"value":"` + eng + `","display":"Engineering","type":"direct"}]`
				wantGroup := "Engineering"
				if gm.mode == scim.GroupsAsRoles {
					wantGroup = "ada:Engineering"
				}
				checkAda := func(step, department, main string) {
					t.Helper()
					wantStrings(t, step+": ada's groups", s.groupMemberships(gm.mode, "ada", department), wantGroup)
					var all []string
					if gm.mode == scim.GroupsAsDepartments {
						all = append(all, "Engineering")
					}
					if department != "" {
						all = append(all, department)
					}
					wantStrings(t, step+": ada's departments", sorted(s.memberTitles("ada")...), sorted(all...)...)
					wantStrings(t, step+": ada's main department", []string{s.mainTitle("ada")}, main)
					got := s.do("GET", "/Users/"+ada, nil).want(t, http.StatusOK)
					wantJSON(t, got.Body["groups"], wantGroups)
					wantMembers(t, s.do("GET", "/Groups/"+eng, nil).want(t, http.StatusOK), ada)
				}
				checkAda("group added", "R&D", "R&D")

				// Entra's path-less PATCH, the attribute as a URN-prefixed key.
				r = s.do("PATCH", "/Users/"+ada, patchBody(`[{"op":"Replace","value":{"`+deptAttr+`":"Sales"}}]`)).
					want(t, http.StatusOK)
				wantJSON(t, r.Body[scim.EnterpriseUserURN], `{"department":"Sales","manager":{"value":"m-1"}}`)
				checkAda("path-less PATCH", "Sales", "Sales")

				// A PATCH with the attribute's path.
				r = s.do("PATCH", "/Users/"+ada, patchBody(`[{"op":"replace","path":"`+deptAttr+`","value":"Ops"}]`)).
					want(t, http.StatusOK)
				wantJSON(t, r.Body[scim.EnterpriseUserURN], `{"department":"Ops","manager":{"value":"m-1"}}`)
				checkAda("PATCH with a path", "Ops", "Ops")

				// A PUT without it: the user leaves the department.
				r = s.do("PUT", "/Users/"+ada, userBody("ada")).want(t, http.StatusOK)
				if _, ok := r.Body[scim.EnterpriseUserURN]; ok {
					t.Errorf("PUT without the extension: %s", r.Raw)
				}
				main := ""
				if gm.mode == scim.GroupsAsDepartments {
					main = "Engineering"
				}
				checkAda("PUT without it", "", main)

				// A PATCH remove of the path: bob leaves too.
				s.do("PATCH", "/Users/"+bob, patchBody(`[{"op":"remove","path":"`+deptAttr+`"}]`)).want(t, http.StatusOK)
				wantStrings(t, "bob's departments", s.memberTitles("bob"))
				wantStrings(t, "bob's main department", []string{s.mainTitle("bob")}, "")

				// Departments left without users stay.
				want := []string{"Ops", "R&D", "Sales"}
				if gm.mode == scim.GroupsAsDepartments {
					want = []string{"Engineering", "Ops", "R&D", "Sales"}
				}
				wantStrings(t, "departments", s.departmentTitles(), want...)

				// A user returning to one is back in the same department.
				s.do("PATCH", "/Users/"+ada, patchBody(`[{"op":"add","path":"`+deptAttr+`","value":"R&D"}]`)).want(t, http.StatusOK)
				checkAda("back in R&D", "R&D", "R&D")
				wantStrings(t, "departments", s.departmentTitles(), want...)
			})
		})
	}
}

// The users of a bulk request share the department they name, created
// once; an operation naming it as a group fails as for any unknown group.
func TestEnterpriseDepartmentBulk(t *testing.T) {
	for _, gm := range groupModes {
		t.Run(gm.name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, db *bun.DB) {
				s := modeServer(t, db, gm.mode)
				r := s.do("POST", "/Bulk", bulkBody(0,
					map[string]any{"method": "POST", "path": "/Users", "bulkId": "ada", "data": withDepartment(userBody("ada"), "Finance")},
					map[string]any{"method": "POST", "path": "/Users", "bulkId": "bob", "data": withDepartment(userBody("bob"), "Finance")},
					map[string]any{"method": "PATCH", "path": "/Groups/department:Finance", "data": map[string]any{"schemas": []string{scim.PatchOpURN}, "Operations": []any{map[string]any{"op": "remove", "path": "members"}}}},
					map[string]any{"method": "POST", "path": "/Groups", "bulkId": "g", "data": map[string]any{
						"schemas": []string{scim.GroupSchemaURN}, "displayName": "Audit",
						"members": []any{map[string]any{"value": "bulkId:ada"}, map[string]any{"value": "department:Finance"}},
					}},
				)).want(t, http.StatusOK)
				var statuses []string
				for _, op := range r.bulkOps() {
					statuses = append(statuses, op["status"].(string))
				}
				wantStrings(t, "statuses", statuses, "201", "201", "404", "400")
				wantStrings(t, "departments", s.departmentTitles(), "Finance")
				for _, name := range []string{"ada", "bob"} {
					wantStrings(t, name+"'s departments", s.memberTitles(name), "Finance")
					wantStrings(t, name+"'s main department", []string{s.mainTitle(name)}, "Finance")
				}
			})
		})
	}
}

// A department name too long for an index is the client's 400, and
// writes nothing; a blank one is no department.
func TestEnterpriseDepartmentRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := newServer(t, db, scim.Options{})
		s.do("POST", "/Users", withDepartment(userBody("ada"), strings.Repeat("d", 256))).
			wantError(t, http.StatusBadRequest, scim.ScimTypeInvalidValue, deptAttr+": a department name has at most 255 bytes, this one 256")
		if u := s.userRow("ada"); u != nil {
			t.Errorf("a refused user was written: %+v", u)
		}
		s.do("POST", "/Users", withDepartment(userBody("ada"), strings.Repeat("d", 255))).want(t, http.StatusCreated)
		wantStrings(t, "ada's departments", s.memberTitles("ada"), strings.Repeat("d", 255))

		r := s.do("POST", "/Users", withDepartment(userBody("bob"), "  ")).want(t, http.StatusCreated)
		wantJSON(t, r.Body[scim.EnterpriseUserURN], `{"department":"  ","manager":{"value":"m-1"}}`)
		wantStrings(t, "bob's departments", s.memberTitles("bob"))
		wantStrings(t, "departments", s.departmentTitles(), strings.Repeat("d", 255))
	})
}
