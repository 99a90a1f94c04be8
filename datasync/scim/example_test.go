package scim_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/datasync/scim"
	"github.com/gatehouse-dev/gatehouse/sqlitedb"
	"github.com/gatehouse-dev/gatehouse/users"
)

// A host mounts the SCIM server under /scim/v2 with a bearer token; an
// identity provider then creates a user and finds it by userName, as Okta
// and Entra do.
func Example() {
	ctx := context.Background()
	db, err := sqlitedb.Open(ctx, ":memory:", sqlitedb.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	m, err := users.NewSyncManager(ctx, db, users.Options{}, datasync.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()

	h, err := scim.New(m, scim.Options{Token: "s3cret"})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/scim/v2/", h)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	send := func(method, path, body string) map[string]any {
		req, _ := http.NewRequest(method, srv.URL+"/scim/v2"+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer s3cret")
		req.Header.Set("Content-Type", scim.MediaType)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var out map[string]any
		_ = json.Unmarshal(raw, &out)
		fmt.Println(method, path, resp.Status)
		return out
	}

	user := send("POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],
		"userName":"ada@example.com","name":{"givenName":"Ada","familyName":"Lovelace"}}`)
	fmt.Println("active:", user["active"] == nil || user["active"] == true, "userName:", user["userName"])

	list := send("GET", `/Users?filter=userName%20eq%20%22ADA@example.com%22`, "")
	fmt.Println("totalResults:", list["totalResults"])

	// The directory has the user, named from name.
	var nickname string
	_ = db.NewSelect().Table("users").Column("nickname").Where("username = ?", "ada@example.com").Scan(ctx, &nickname)
	fmt.Println("nickname:", nickname)
	// Output:
	// POST /Users 201 Created
	// active: true userName: ada@example.com
	// GET /Users?filter=userName%20eq%20%22ADA@example.com%22 200 OK
	// totalResults: 1
	// nickname: Ada Lovelace
}

// With GroupsAsRoles a SCIM group is a role: its displayName names the
// role (here one an admin defined), and its members hold it. The host
// creates the groups' table first.
func Example_groupsAsRoles() {
	ctx := context.Background()
	db, err := sqlitedb.Open(ctx, ":memory:", sqlitedb.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	m, err := users.NewSyncManager(ctx, db, users.Options{}, datasync.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	if err := scim.CreateTables(ctx, db); err != nil {
		log.Fatal(err)
	}
	if _, err := db.NewInsert().Model(&users.Role{Name: "auditor", Title: "Auditor"}).Exec(ctx); err != nil {
		log.Fatal(err)
	}
	h, err := scim.New(m, scim.Options{Token: "s3cret", Groups: scim.GroupsAsRoles})
	if err != nil {
		log.Fatal(err)
	}

	send := func(path, body string) map[string]any {
		req := httptest.NewRequest("POST", "/scim/v2"+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer s3cret")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		var out map[string]any
		_ = json.Unmarshal(w.Body.Bytes(), &out)
		fmt.Println("POST", path, w.Code)
		return out
	}
	user := send("/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ada"}`)
	send("/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],
		"displayName":"auditor","members":[{"value":"`+user["id"].(string)+`"}]}`)

	var roles []string
	_ = db.NewSelect().TableExpr(`"rolesUsers" AS ru`).Column("ru.roleName").
		Join("JOIN users AS u ON u.id = ru.\"userId\"").Where("u.username = ?", "ada").Scan(ctx, &roles)
	fmt.Println("ada's roles:", roles)
	// Output:
	// POST /Users 201
	// POST /Groups 201
	// ada's roles: [auditor]
}
