package scim_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/datasync/scim"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/users"
)

func TestCreateAndGetUser(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := newServer(t, db, scim.Options{})
		body := userBody("ada")
		body["password"] = "s3cret-pass"
		body["displayName"] = "Ada Lovelace"
		body["active"] = "False" // Entra's string boolean
		body[scim.EnterpriseUserURN] = map[string]any{"department": "R&D"}
		r := s.do("POST", "/Users", body).want(t, http.StatusCreated)
		id := r.str("id")
		if len(id) != 36 {
			t.Fatalf("id %q, want a UUID", id)
		}
		if strings.Contains(r.Raw, "password") || strings.Contains(r.Raw, "s3cret") {
			t.Errorf("the password came back: %s", r.Raw)
		}
		meta, _ := r.Body["meta"].(map[string]any)
		version, _ := meta["version"].(string)
		if r.Header.Get("ETag") != version || !strings.HasPrefix(version, `W/"`) || len(version) != 20 {
			t.Errorf("ETag %q, meta.version %q: want the same weak 16-digit tag", r.Header.Get("ETag"), version)
		}
		created, err := time.Parse(time.RFC3339, meta["created"].(string))
		if err != nil || time.Since(created) > time.Minute {
			t.Errorf("meta.created %v: %v", meta["created"], err)
		}
		delete(r.Body, "meta")
		wantJSON(t, r.Body, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],`+
			`"id":"`+id+`","userName":"ada","displayName":"Ada Lovelace","active":false,`+
			`"name":{"givenName":"Given","familyName":"Ada"},`+
			`"emails":[{"value":"ada@example.com","type":"work","primary":true}],`+
			`"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"R&D"}}`)

		// The directory has the user, mapped, disabled, with a password.
		u := s.userRow("ada")
		if u == nil || u.Nickname != "Ada Lovelace" || u.Email != "ada@example.com" || *u.Enabled || !users.IsPasswordHash(u.Password) {
			t.Fatalf("users row %+v", u)
		}

		got := s.do("GET", "/Users/"+id, nil).want(t, http.StatusOK)
		if got.Header.Get("ETag") != version {
			t.Errorf("GET ETag %q, want %q", got.Header.Get("ETag"), version)
		}
		delete(got.Body, "meta")
		wantJSON(t, got.Body, mustJSON(t, r.Body))

		// attributes narrows; id and schemas always come.
		narrow := s.do("GET", "/Users/"+id+"?attributes=userName,emails.value", nil).want(t, http.StatusOK)
		wantJSON(t, narrow.Body, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"`+id+`","userName":"ada","emails":[{"value":"ada@example.com"}]}`)
		s.do("GET", "/Users/"+id+"?attributes=nope", nil).wantError(t, http.StatusBadRequest, scim.ScimTypeInvalidValue, "nope")
	})
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

func urlQuery(s string) string { return url.QueryEscape(s) }

func TestUserNameUniqueness(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := newServer(t, db, scim.Options{})
		s.createUser("ada")
		// userName is compared case-insensitively (RFC 7643 §4.1.1).
		s.do("POST", "/Users", userBody("ADA")).wantError(t, http.StatusConflict, scim.ScimTypeUniqueness, `userName "ADA" is already taken`)
		// A hand-made user is invisible, but its username is taken all
		// the same.
		s.handMade("grace", "grace@hand.example")
		s.do("POST", "/Users", userBody("grace")).wantError(t, http.StatusConflict, scim.ScimTypeUniqueness, `field "username" is already used by another user`)
		// So is a hand-made user's email.
		body := userBody("other")
		body["emails"] = []any{map[string]any{"value": "grace@hand.example"}}
		s.do("POST", "/Users", body).wantError(t, http.StatusConflict, scim.ScimTypeUniqueness, `field "email" is already used by another user`)
		// Renaming into another user's userName is a clash too.
		bob := s.createUser("bob")
		put := userBody("Ada")
		s.do("PUT", "/Users/"+bob, put).wantError(t, http.StatusConflict, scim.ScimTypeUniqueness, `userName "Ada" is already taken`)
		if list := s.do("GET", "/Users", nil).want(t, http.StatusOK); list.num("totalResults") != 2 {
			t.Errorf("the failed requests left users behind: %s", list.Raw)
		}
	})
}

// SCIM sees only what its source provisioned: a fresh server lists no
// user though root exists, and hand-made users are not found by id or
// filter.
func TestRootAndHandMadeInvisible(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := newServer(t, db, scim.Options{})
		root, err := users.InstallRoot(context.Background(), db, func(k string) (string, bool) {
			v, ok := map[string]string{"INIT_ROOT_PASSWORD": "root-pass-123"}[k]
			return v, ok
		})
		if err != nil {
			t.Fatal(err)
		}
		hand := s.handMade("hand", "hand@example.com")
		// Another source's user is not SCIM's either.
		_, err = s.m.Push(context.Background(), datasync.UserData{DataType: datasync.DataTypeUser, SourceName: "hr",
			Records: []datasync.Record{{"uid": "e1", "username": "hr.user", "nickname": "HR"}}})
		if err != nil {
			t.Fatal(err)
		}
		list := s.do("GET", "/Users", nil).want(t, http.StatusOK)
		wantJSON(t, list.Body, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"startIndex":1,"itemsPerPage":0,"Resources":[]}`)
		if r := s.do("GET", "/Users?filter="+urlQuery(`userName eq "nocobase"`), nil).want(t, http.StatusOK); r.num("totalResults") != 0 {
			t.Errorf("root found by filter: %s", r.Raw)
		}
		for _, id := range []int64{root.ID, hand.ID} {
			s.do("GET", "/Users/"+itoa(int(id)), nil).wantError(t, http.StatusNotFound, "", "not found")
			s.do("DELETE", "/Users/"+itoa(int(id)), nil).wantError(t, http.StatusNotFound, "", "not found")
		}
		s.do("GET", "/Users/e1", nil).wantError(t, http.StatusNotFound, "", `User "e1" not found`)
		s.do("POST", "/Users", userBody("hr.user")).wantError(t, http.StatusConflict, scim.ScimTypeUniqueness, `field "username" is already used by another user`)
		if r := s.userRow("nocobase"); r == nil || !*r.Enabled {
			t.Errorf("root %+v", r)
		}
	})
}

func TestReplaceUser(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := newServer(t, db, scim.Options{})
		created := s.do("POST", "/Users", userBody("ada")).want(t, http.StatusCreated)
		id := created.str("id")
		put := map[string]any{
			"schemas":  []string{scim.UserSchemaURN},
			"id":       "ignored-readonly", // id is the server's
			"userName": "ada.l",
			"nickName": "Countess",
			"active":   false,
			"phoneNumbers": []any{
				map[string]any{"value": "+44 1", "type": "home"},
				map[string]any{"value": "+44 2", "type": "work", "primary": true},
			},
		}
		r := s.do("PUT", "/Users/"+id, put).want(t, http.StatusOK)
		if r.str("id") != id || r.Body["name"] != nil || r.Body["emails"] != nil {
			t.Errorf("PUT did not replace the user: %s", r.Raw)
		}
		if r.Header.Get("ETag") == created.Header.Get("ETag") {
			t.Errorf("the version did not change")
		}
		u := s.userRow("ada.l")
		if u == nil || u.Phone != "+44 2" || *u.Enabled || u.Nickname != "" {
			t.Fatalf("users row %+v", u)
		}
		s.do("PUT", "/Users/nope", put).wantError(t, http.StatusNotFound, "", `User "nope" not found`)
		s.do("PUT", "/Users/"+id, map[string]any{"schemas": []string{scim.UserSchemaURN}}).
			wantError(t, http.StatusBadRequest, scim.ScimTypeInvalidValue, "userName")
	})
}

// DELETE follows the source's policy: by default the user is disabled
// and kept, and SCIM no longer sees it; a POST of the same userName
// brings it back with the same id (Entra re-creates deleted users).
func TestDeleteUserDisables(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := newServer(t, db, scim.Options{})
		id := s.createUser("ada")
		s.do("DELETE", "/Users/"+id, nil).want(t, http.StatusNoContent)
		s.do("GET", "/Users/"+id, nil).wantError(t, http.StatusNotFound, "", "not found")
		s.do("DELETE", "/Users/"+id, nil).wantError(t, http.StatusNotFound, "", "not found")
		if list := s.do("GET", "/Users", nil); list.num("totalResults") != 0 {
			t.Errorf("a deleted user is listed: %s", list.Raw)
		}
		u := s.userRow("ada")
		if u == nil || *u.Enabled {
			t.Fatalf("users row %+v: want it kept, disabled", u)
		}
		again := s.do("POST", "/Users", userBody("Ada")).want(t, http.StatusCreated)
		if again.str("id") != id {
			t.Errorf("re-created user id %q, want the old %q", again.str("id"), id)
		}
		if u := s.userRow("Ada"); u == nil || !*u.Enabled {
			t.Fatalf("users row %+v: want it back, enabled", u)
		}
	})
}

func TestDeleteUserWithDeletePolicy(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := newServer(t, db, scim.Options{SourceName: "okta"})
		// A host keeps the policy of a push-only source in a row of its
		// own; no source type reads it.
		row := &datasync.SyncSource{Name: "okta", SourceType: "scim", Options: map[string]any{"onMissing": "delete"}}
		if _, err := db.NewInsert().Model(row).Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
		id := s.createUser("ada")
		s.do("DELETE", "/Users/"+id, nil).want(t, http.StatusNoContent)
		if u := s.userRow("ada"); u != nil {
			t.Fatalf("users row %+v: want it deleted", u)
		}
	})
}

func TestListUsersPaging(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := newServer(t, db, scim.Options{MaxResults: 3})
		var all []string
		for _, n := range []string{"u1", "u2", "u3", "u4", "u5"} {
			all = append(all, s.createUser(n))
		}
		cases := []struct {
			query      string
			start, per int
			want       []string
		}{
			{"", 1, 3, all[:3]},
			{"?startIndex=0", 1, 3, all[:3]},
			{"?startIndex=-5&count=2", 1, 2, all[:2]},
			{"?startIndex=4", 4, 2, all[3:]},
			{"?startIndex=2&count=2", 2, 2, all[1:3]},
			{"?count=0", 1, 0, []string{}},
			{"?count=-3", 1, 0, []string{}},
			{"?count=10000", 1, 3, all[:3]},
			{"?count=99999999999999999999", 1, 3, all[:3]},
			{"?startIndex=6", 6, 0, []string{}},
			{"?startIndex=1000", 1000, 0, []string{}},
		}
		for _, c := range cases {
			r := s.do("GET", "/Users"+c.query, nil).want(t, http.StatusOK)
			if r.num("totalResults") != 5 || r.num("startIndex") != c.start || r.num("itemsPerPage") != c.per ||
				strings.Join(ids(r.resources()), ",") != strings.Join(c.want, ",") {
				t.Errorf("%s: total %d start %d per %d ids %v; want 5 %d %d %v", c.query, r.num("totalResults"),
					r.num("startIndex"), r.num("itemsPerPage"), ids(r.resources()), c.start, c.per, c.want)
			}
		}
		s.do("GET", "/Users?count=ten", nil).wantError(t, http.StatusBadRequest, scim.ScimTypeInvalidValue, `count "ten": want an integer`)
		s.do("GET", "/Users?startIndex=1.5", nil).wantError(t, http.StatusBadRequest, scim.ScimTypeInvalidValue, `startIndex "1.5": want an integer`)
	})
}

func TestListUsersFilter(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := newServer(t, db, scim.Options{})
		ada := s.createUser("ada")
		body := userBody("bob")
		body["externalId"] = "ext-bob"
		body["emails"] = []any{map[string]any{"value": "bob@work.example", "type": "work"}, map[string]any{"value": "bob@home.example", "type": "home"}}
		bob := s.do("POST", "/Users", body).want(t, http.StatusCreated).str("id")
		cases := []struct {
			filter string
			want   []string
		}{
			{`userName eq "ADA"`, []string{ada}},
			{`userName eq "nobody"`, []string{}},
			{`externalId eq "ext-bob"`, []string{bob}},
			{`externalId eq "EXT-BOB"`, []string{}},
			{`id eq "` + bob + `"`, []string{bob}},
			{`emails[type eq "home" and value co "home"]`, []string{bob}},
			{`emails.value co "work"`, []string{bob}},
			{`userName sw "a" or userName ew "b"`, []string{ada, bob}},
			{`not (userName eq "ada")`, []string{bob}},
			{`externalId pr`, []string{bob}},
			{`meta.created gt "2000-01-01T00:00:00Z"`, []string{ada, bob}},
		}
		for _, c := range cases {
			r := s.do("GET", "/Users?filter="+urlQuery(c.filter), nil).want(t, http.StatusOK)
			if got := ids(r.resources()); strings.Join(got, ",") != strings.Join(c.want, ",") || r.num("totalResults") != len(c.want) {
				t.Errorf("filter %s: %v (total %d), want %v", c.filter, got, r.num("totalResults"), c.want)
			}
		}
		s.do("GET", "/Users?filter="+urlQuery(`nickName2 eq "x"`), nil).wantError(t, http.StatusBadRequest, scim.ScimTypeInvalidFilter, "nickName2")
		s.do("GET", "/Users?filter="+urlQuery(`userName eq`), nil).wantError(t, http.StatusBadRequest, scim.ScimTypeInvalidFilter, "")
		r := s.do("GET", "/Users?excludedAttributes=emails,name&filter="+urlQuery(`userName eq "ada"`), nil).want(t, http.StatusOK)
		if res := r.resources(); len(res) != 1 || res[0]["emails"] != nil || res[0]["name"] != nil || res[0]["userName"] != "ada" {
			t.Errorf("excludedAttributes: %s", r.Raw)
		}
	})
}

func TestUserETags(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := newServer(t, db, scim.Options{})
		created := s.do("POST", "/Users", userBody("ada")).want(t, http.StatusCreated)
		id, v1 := created.str("id"), created.Header.Get("ETag")
		r := s.do("GET", "/Users/"+id, nil, "If-None-Match", v1)
		if r.Status != http.StatusNotModified || r.Raw != "" || r.Header.Get("ETag") != v1 {
			t.Fatalf("If-None-Match current: %d %q %q", r.Status, r.Raw, r.Header.Get("ETag"))
		}
		s.do("GET", "/Users/"+id, nil, "If-None-Match", `W/"0000000000000000"`).want(t, http.StatusOK)
		put := userBody("ada")
		put["displayName"] = "Ada"
		v2 := s.do("PUT", "/Users/"+id, put, "If-Match", v1).want(t, http.StatusOK).Header.Get("ETag")
		if v2 == v1 {
			t.Fatal("the version did not change")
		}
		s.do("PUT", "/Users/"+id, put, "If-Match", v1).wantError(t, http.StatusPreconditionFailed, "", "If-Match "+v1)
		s.do("DELETE", "/Users/"+id, nil, "If-Match", v1).wantError(t, http.StatusPreconditionFailed, "", "")
		// A strong tag of the same value matches (weak comparison), as does *.
		s.do("PUT", "/Users/"+id, put, "If-Match", strings.TrimPrefix(v2, "W/")).want(t, http.StatusOK)
		s.do("DELETE", "/Users/"+id, nil, "If-Match", "*").want(t, http.StatusNoContent)
	})
}

func patchBody(ops string) string {
	return `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":` + ops + `}`
}

func TestPatchUser(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := newServer(t, db, scim.Options{})
		id := s.createUser("ada")
		s.createUser("bob")
		v1 := s.do("GET", "/Users/"+id, nil).want(t, http.StatusOK).Header.Get("ETag")
		r := s.do("PATCH", "/Users/"+id, patchBody(`[
			{"op":"add","path":"phoneNumbers","value":[{"value":"+1 555","type":"work"}]},
			{"op":"replace","path":"displayName","value":"Countess"},
			{"op":"remove","path":"name.givenName"},
			{"op":"add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":"R&D"}]`),
			"If-Match", v1).want(t, http.StatusOK)
		wantJSON(t, r.Body["phoneNumbers"], `[{"value":"+1 555","type":"work"}]`)
		wantJSON(t, r.Body["name"], `{"familyName":"Ada"}`)
		wantJSON(t, r.Body[scim.EnterpriseUserURN], `{"department":"R&D"}`)
		if u := s.userRow("ada"); u == nil || u.Nickname != "Countess" || u.Phone != "+1 555" {
			t.Fatalf("users row %+v", u)
		}
		s.do("PATCH", "/Users/"+id, patchBody(`[{"op":"replace","path":"displayName","value":"x"}]`), "If-Match", v1).
			wantError(t, http.StatusPreconditionFailed, "", "If-Match")
		s.do("PATCH", "/Users/"+id, patchBody(`[{"op":"add","path":"groups","value":[{"value":"g"}]}]`)).
			wantError(t, http.StatusBadRequest, scim.ScimTypeMutability, "groups")
		s.do("PATCH", "/Users/"+id, patchBody(`[{"op":"replace","path":"nope","value":"x"}]`)).
			wantError(t, http.StatusBadRequest, scim.ScimTypeInvalidPath, "nope")
		s.do("PATCH", "/Users/"+id, patchBody(`[{"op":"replace","path":"userName","value":"BOB"}]`)).
			wantError(t, http.StatusConflict, scim.ScimTypeUniqueness, `userName "BOB" is already taken`)
		s.do("PATCH", "/Users/"+id, `{"Operations":[]}`).wantError(t, http.StatusBadRequest, scim.ScimTypeInvalidSyntax, "schemas must contain "+scim.PatchOpURN)
		s.do("PATCH", "/Users/nope", patchBody(`[{"op":"replace","path":"displayName","value":"x"}]`)).
			wantError(t, http.StatusNotFound, "", `User "nope" not found`)
		// The failed requests changed nothing.
		if got := s.do("GET", "/Users/"+id, nil).want(t, http.StatusOK); got.Header.Get("ETag") != r.Header.Get("ETag") {
			t.Errorf("a failed PATCH changed the user: %s", got.Raw)
		}
	})
}

// A user whose emails or phoneNumbers go loses its email or phone: the
// column is NULL again, so users without one never clash.
func TestUserLosesEmail(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := newServer(t, db, scim.Options{})
		id := s.createUser("ada")
		bare := map[string]any{"schemas": []string{scim.UserSchemaURN}, "userName": "bob"}
		s.do("POST", "/Users", bare).want(t, http.StatusCreated)
		bare["userName"] = "ada"
		s.do("PUT", "/Users/"+id, bare).want(t, http.StatusOK)
		var nulls int
		err := db.NewSelect().TableExpr("users").ColumnExpr("count(*)").Where("email IS NULL AND phone IS NULL").Scan(context.Background(), &nulls)
		if err != nil || nulls != 2 {
			t.Fatalf("users without email and phone: %d, %v; want 2", nulls, err)
		}
		// The address is free for another user.
		body := userBody("dee")
		body["emails"] = []any{map[string]any{"value": "ada@example.com"}}
		s.do("POST", "/Users", body).want(t, http.StatusCreated)
	})
}

// A source that adopts by username takes over a hand-made user when an
// identity provider sends its username, and a DELETE then disables it;
// the root user is never adopted, so never disabled or deleted.
func TestAdoptionAndRoot(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := newServer(t, db, scim.Options{})
		row := &datasync.SyncSource{Name: scim.DefaultSourceName, SourceType: "scim", Options: map[string]any{"adopt": "username"}}
		if _, err := db.NewInsert().Model(row).Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
		if _, err := users.InstallRoot(context.Background(), db, func(k string) (string, bool) {
			v, ok := map[string]string{"INIT_ROOT_PASSWORD": "root-pass-123"}[k]
			return v, ok
		}); err != nil {
			t.Fatal(err)
		}
		hand := s.handMade("grace", "grace@hand.example")
		body := userBody("grace")
		body["emails"] = []any{map[string]any{"value": "grace@hand.example"}}
		id := s.do("POST", "/Users", body).want(t, http.StatusCreated).str("id")
		if u := s.userRow("grace"); u == nil || u.ID != hand.ID || u.Nickname != "Given Grace" {
			t.Fatalf("grace %+v: want the hand-made row adopted", u)
		}
		s.do("DELETE", "/Users/"+id, nil).want(t, http.StatusNoContent)
		if u := s.userRow("grace"); u == nil || *u.Enabled {
			t.Fatalf("grace %+v: want it kept, disabled", u)
		}

		s.do("POST", "/Users", userBody("nocobase")).
			wantError(t, http.StatusBadRequest, scim.ScimTypeInvalidValue, "the user with the same username is a root user and is never adopted")
		if u := s.userRow("nocobase"); u == nil || !*u.Enabled {
			t.Fatalf("root %+v: want it untouched", u)
		}
	})
}
