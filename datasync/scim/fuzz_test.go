package scim

import (
	"errors"
	"strconv"
	"testing"
)

// wantClientError fails unless err is an *Error with a 4xx status: hostile
// input is the client's fault, never a panic or a 500.
func wantClientError(t *testing.T, what string, err error) {
	t.Helper()
	var se *Error
	if !errors.As(err, &se) || se.Status < 400 || se.Status > 499 {
		t.Fatalf("%s: err = %#v, want a 4xx *Error", what, err)
	}
}

func FuzzSCIMFilter(f *testing.F) {
	for _, s := range []string{
		`userName eq "alice@x.example"`,
		`USERNAME Eq "a\"b" and not (title pr)`,
		`emails[type eq "work" and value co "@x"] or active eq TRUE`,
		`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "m-1"`,
		`meta.lastModified gt "2026-01-01T00:00:00Z"`,
		`displayName co "\u00e9"`,
		`((displayName sw "x") or members[value eq "1"])`,
		`emails[not (primary eq false)]`,
		`active gt 1.5e3`,
		`userName eq null`,
	} {
		f.Add(s)
	}
	user, group := decodeFixture(f, filterUser), decodeFixture(f, patchGroup)
	f.Fuzz(func(t *testing.T, s string) {
		for _, c := range []struct {
			rt  *ResourceType
			res map[string]any
		}{{UserResource, user}, {GroupResource, group}} {
			flt, err := ParseFilter(c.rt, s)
			if err != nil {
				wantClientError(t, s, err)
				continue
			}
			flt.Match(c.res)
			flt.Equal("userName")
		}
	})
}

func FuzzSCIMPatch(f *testing.F) {
	for _, c := range [][3]string{
		{"replace", "active", `"False"`},
		{"Add", "members", `[{"value":"m-3","display":"C"},{"value":"m-1"}]`},
		{"remove", `members[value eq "m-1"]`, `null`},
		{"Remove", "members", `[{"value":"m-2"}]`},
		{"add", `emails[type eq "work"].value`, `"a@x.example"`},
		{"replace", `emails[type eq "home"].primary`, `true`},
		{"replace", "", `{"name.givenName":"A","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department":"D"}`},
		{"add", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", `{"manager":"m-9"}`},
		{"replace", "name", `{"familyName":"S"}`},
		{"remove", "emails[value ew \".example\"].type", ``},
		{"replace", "id", `"g-1"`},
	} {
		f.Add(c[0], c[1], c[2])
	}
	user, group := decodeFixture(f, patchUser), decodeFixture(f, patchGroup)
	f.Fuzz(func(t *testing.T, op, path, value string) {
		body := `{"schemas":["` + PatchOpURN + `"],"Operations":[{"op":` + strconv.Quote(op) + `,"path":` + strconv.Quote(path)
		if value != "" {
			body += `,"value":` + value
		}
		body += `}]}`
		ops, err := ParsePatch([]byte(body))
		if err != nil {
			wantClientError(t, body, err)
			return
		}
		for _, c := range []struct {
			rt  *ResourceType
			res map[string]any
		}{{UserResource, user}, {GroupResource, group}} {
			before := jsonKey(c.res)
			if _, _, err := ApplyPatch(c.rt, c.res, ops); err != nil {
				wantClientError(t, body, err)
			}
			if jsonKey(c.res) != before {
				t.Fatalf("%s: ApplyPatch changed its input", body)
			}
		}
	})
}

func decodeFixture(f *testing.F, s string) map[string]any {
	var m map[string]any
	if err := decodeJSON(s, &m); err != nil {
		f.Fatal(err)
	}
	return m
}
