package scim_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/datasync/scim"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/internal/synctest"
)

func TestNewRefusesOptions(t *testing.T) {
	db := dbtest.SQLite(t)
	m := synctest.Directory(t, db)
	cases := []struct {
		name string
		m    *datasync.Manager
		opts scim.Options
		want string
	}{
		{"no manager", nil, scim.Options{Token: "x"}, "scim: New needs a datasync.Manager"},
		{"no auth", m, scim.Options{}, "scim: Options need a Token or an Authenticate function"},
		{"both auths", m, scim.Options{Token: "x", Authenticate: func(*http.Request) error { return nil }},
			"scim: Options have both a Token and an Authenticate function: give one"},
		{"unknown group mode", m, scim.Options{Token: "x", Groups: scim.GroupsAsRoles + 1}, "scim: group mode 2 is not one of GroupsAsDepartments and GroupsAsRoles"},
		{"negative", m, scim.Options{Token: "x", MaxResults: -1}, "scim: MaxResults, MaxBulkOperations and MaxPayloadBytes must not be negative"},
		{"bare manager", datasync.NewManager(db, datasync.Options{}), scim.Options{Token: "x"},
			"scim: the manager has no users and departments resources (users.RegisterSyncResources)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, err := scim.New(c.m, c.opts)
			if err == nil || err.Error() != c.want || h != nil {
				t.Fatalf("New: %v, %v; want the error %q", h, err, c.want)
			}
		})
	}
}

func TestAuthentication(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := newServer(t, db, scim.Options{})
		for _, auth := range []string{"", "Bearer wrong", "Basic " + token, "Bearer " + token + "x", "Bearer"} {
			s.auth = auth
			r := s.do("GET", "/Users", nil)
			r.wantError(t, http.StatusUnauthorized, "", "bearer token")
			if got := r.Header.Get("WWW-Authenticate"); got != `Bearer realm="SCIM"` {
				t.Errorf("auth %q: WWW-Authenticate %q", auth, got)
			}
		}
		s.auth = "bearer " + token // the scheme is case-insensitive (RFC 9110 §11.1)
		s.do("GET", "/Users", nil).want(t, http.StatusOK)
	})
}

func TestAuthenticateFunc(t *testing.T) {
	db := dbtest.SQLite(t)
	s := newServer(t, db, scim.Options{Authenticate: func(r *http.Request) error {
		switch r.Header.Get("X-Key") {
		case "good":
			return nil
		case "forbidden":
			return &scim.Error{Status: http.StatusForbidden, Detail: "this client may not provision"}
		}
		return errors.New("the database of keys is down: secret detail")
	}})
	s.auth = ""
	s.do("GET", "/Users", nil, "X-Key", "good").want(t, http.StatusOK)
	s.do("GET", "/Users", nil, "X-Key", "forbidden").wantError(t, http.StatusForbidden, "", "this client may not provision")
	r := s.do("GET", "/Users", nil, "X-Key", "other")
	r.wantError(t, http.StatusUnauthorized, "", "authentication failed")
	if strings.Contains(r.Raw, "secret") {
		t.Errorf("the Authenticate error leaked: %s", r.Raw)
	}
}

func TestRouting(t *testing.T) {
	db := dbtest.SQLite(t)
	s := newServer(t, db, scim.Options{})
	cases := []struct {
		method, path string
		status       int
	}{
		{"GET", "/Users", http.StatusOK},
		{"GET", "/Users/", http.StatusOK},
		{"GET", "/users", http.StatusOK}, // endpoint names match case-insensitively
		{"GET", "/Groups", http.StatusOK},
		{"GET", "/ServiceProviderConfig", http.StatusOK},
		{"GET", "/ResourceTypes", http.StatusOK},
		{"GET", "/ResourceTypes/User", http.StatusOK},
		{"GET", "/Schemas", http.StatusOK},
		{"GET", "/Schemas/" + scim.UserSchemaURN, http.StatusOK},
		{"GET", "/Me", http.StatusNotImplemented},
		{"DELETE", "/Me", http.StatusNotImplemented},
		{"GET", "/Users/nope", http.StatusNotFound},
		{"GET", "/Nothing", http.StatusNotFound},
		{"GET", "/Users/a/b", http.StatusNotFound},
		{"DELETE", "/Users", http.StatusMethodNotAllowed},
		{"POST", "/Users/abc", http.StatusMethodNotAllowed},
		{"PUT", "/ServiceProviderConfig", http.StatusMethodNotAllowed},
		{"GET", "/ResourceTypes/Printer", http.StatusNotFound},
		{"GET", "/Schemas/urn:nope", http.StatusNotFound},
	}
	for _, c := range cases {
		r := s.do(c.method, c.path, nil)
		if r.Status != c.status {
			t.Errorf("%s %s: %d, want %d: %s", c.method, c.path, r.Status, c.status, r.Raw)
		}
		if c.status >= 400 && r.str("status") != itoa(c.status) {
			t.Errorf("%s %s: not a SCIM error: %s", c.method, c.path, r.Raw)
		}
	}
}

// The handler finds its endpoint from the end of the path, so it works
// mounted anywhere, with the prefix stripped or not, and its locations
// carry the prefix either way.
func TestMountedUnderAnyPrefix(t *testing.T) {
	db := dbtest.SQLite(t)
	m := synctest.Directory(t, db)
	h, err := scim.New(m, scim.Options{Token: token})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/tenants/Users/scim/", http.StripPrefix("/tenants/Users/scim", h))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	s := &server{t: t, db: db, m: m, url: srv.URL + "/tenants/Users/scim", auth: "Bearer " + token}
	r := s.do("POST", "/Users", userBody("ada")).want(t, http.StatusCreated)
	want := srv.URL + "/tenants/Users/scim/Users/" + r.str("id")
	if loc := r.Header.Get("Location"); loc != want {
		t.Errorf("Location %q, want %q", loc, want)
	}
	meta, _ := r.Body["meta"].(map[string]any)
	if meta["location"] != want {
		t.Errorf("meta.location %v, want %q", meta["location"], want)
	}
	s.do("GET", "/Users/"+r.str("id"), nil).want(t, http.StatusOK)

	// BaseURL overrides what the request says.
	h2, err := scim.New(m, scim.Options{Token: token, BaseURL: func(*http.Request) string { return "https://idp.example/scim/" }})
	if err != nil {
		t.Fatal(err)
	}
	srv2 := httptest.NewServer(h2)
	defer srv2.Close()
	s2 := &server{t: t, db: db, m: m, url: srv2.URL, auth: "Bearer " + token}
	got := s2.do("GET", "/Users/"+r.str("id"), nil).want(t, http.StatusOK)
	meta, _ = got.Body["meta"].(map[string]any)
	if want := "https://idp.example/scim/Users/" + r.str("id"); meta["location"] != want {
		t.Errorf("meta.location %v, want %q", meta["location"], want)
	}
}

func TestRequestBodies(t *testing.T) {
	db := dbtest.SQLite(t)
	s := newServer(t, db, scim.Options{MaxPayloadBytes: 300})
	s.do("POST", "/Users", `{"userName": `).wantError(t, http.StatusBadRequest, scim.ScimTypeInvalidSyntax, "the body is not valid JSON")
	s.do("POST", "/Users", `[1]`).wantError(t, http.StatusBadRequest, scim.ScimTypeInvalidSyntax, "the body must be a JSON object, got a list")
	s.do("POST", "/Users", `{"userName": "a"} {}`).wantError(t, http.StatusBadRequest, scim.ScimTypeInvalidSyntax, "the body has data after its JSON object")
	big := `{"schemas":["` + scim.UserSchemaURN + `"],"userName":"` + strings.Repeat("a", 400) + `"}`
	s.do("POST", "/Users", big).wantError(t, http.StatusRequestEntityTooLarge, "", "the request body is over 300 bytes")
	s.do("POST", "/Users", `{}`, "Content-Type", "text/plain").wantError(t, http.StatusUnsupportedMediaType, "", `Content-Type "text/plain"`)
	// Plain JSON is accepted as well as SCIM's media type.
	body := `{"schemas":["` + scim.UserSchemaURN + `"],"userName":"plain"}`
	s.do("POST", "/Users", body, "Content-Type", "application/json").want(t, http.StatusCreated)
}

func TestDiscovery(t *testing.T) {
	db := dbtest.SQLite(t)
	s := newServer(t, db, scim.Options{MaxResults: 50, MaxBulkOperations: 10, MaxPayloadBytes: 4096})
	spc := s.do("GET", "/ServiceProviderConfig", nil).want(t, http.StatusOK)
	wantJSON(t, spc.Body["bulk"], `{"maxOperations":10,"maxPayloadSize":4096,"supported":true}`)
	wantJSON(t, spc.Body["filter"], `{"maxResults":50,"supported":true}`)
	wantJSON(t, spc.Body["sort"], `{"supported":false}`)
	wantJSON(t, spc.Body["etag"], `{"supported":true}`)
	wantJSON(t, spc.Body["patch"], `{"supported":true}`)
	wantJSON(t, spc.Body["schemas"], `["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"]`)
	schemes, _ := spc.Body["authenticationSchemes"].([]any)
	if len(schemes) != 1 || schemes[0].(map[string]any)["type"] != "oauthbearertoken" {
		t.Errorf("authenticationSchemes %v", spc.Body["authenticationSchemes"])
	}

	rts := s.do("GET", "/ResourceTypes", nil).want(t, http.StatusOK)
	if rts.num("totalResults") != 2 || len(rts.resources()) != 2 {
		t.Fatalf("resource types: %s", rts.Raw)
	}
	user := s.do("GET", "/ResourceTypes/User", nil).want(t, http.StatusOK)
	wantJSON(t, user.Body, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],"id":"User","name":"User",`+
		`"endpoint":"/Users","description":"User Account","schema":"urn:ietf:params:scim:schemas:core:2.0:User",`+
		`"schemaExtensions":[{"required":false,"schema":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"}],`+
		`"meta":{"location":"`+s.url+`/ResourceTypes/User","resourceType":"ResourceType"}}`)

	schemas := s.do("GET", "/Schemas", nil).want(t, http.StatusOK)
	if got := ids(schemas.resources()); strings.Join(got, " ") != scim.UserSchemaURN+" "+scim.EnterpriseUserURN+" "+scim.GroupSchemaURN {
		t.Errorf("schema ids %v", got)
	}
	group := s.do("GET", "/Schemas/"+scim.GroupSchemaURN, nil).want(t, http.StatusOK)
	meta, _ := group.Body["meta"].(map[string]any)
	if meta["location"] != s.url+"/Schemas/"+scim.GroupSchemaURN {
		t.Errorf("schema location %v", meta["location"])
	}
	attrs, _ := group.Body["attributes"].([]any)
	if len(attrs) != 2 || attrs[1].(map[string]any)["name"] != "members" {
		t.Errorf("group attributes %v", attrs)
	}
}
