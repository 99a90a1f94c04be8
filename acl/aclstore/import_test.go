package aclstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/acl"
	"github.com/gatehouse-dev/gatehouse/acl/aclstore"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

// ioTables are every row of the store's tables, times included: what a
// refused import must leave exactly as it was.
type ioTables struct {
	Roles     []aclstore.Role
	Resources []aclstore.RoleResource
	Actions   []aclstore.RoleResourceAction
	Scopes    []aclstore.RoleResourceScope
	Users     []aclstore.RoleUser
	Changes   []aclstore.Change
}

func ioReadTables(t *testing.T, db *bun.DB) ioTables {
	t.Helper()
	ctx := context.Background()
	var rows ioTables
	for _, q := range []struct {
		dest  any
		order string
	}{
		{&rows.Roles, "name"}, {&rows.Resources, "id"}, {&rows.Actions, "id"},
		{&rows.Scopes, "id"}, {&rows.Users, "userId"}, {&rows.Changes, "id"},
	} {
		if err := db.NewSelect().Model(q.dest).OrderExpr("?", bun.Ident(q.order)).Scan(ctx); err != nil {
			t.Fatal(err)
		}
	}
	return rows
}

// ioChangedRoles are the role names the change log has after id.
func ioChangedRoles(rows ioTables, after int64) []string {
	var out []string
	for _, c := range rows.Changes {
		if c.ID > after && c.Kind == aclstore.ChangeRole {
			out = append(out, c.Name)
		}
	}
	return out
}

func ioLastChange(rows ioTables) int64 {
	if len(rows.Changes) == 0 {
		return 0
	}
	return rows.Changes[len(rows.Changes)-1].ID
}

// TestImportTwiceChangesNothing imports a set into a database that has it
// already: every role is unchanged, and not a row moves, the change log
// included.
func TestImportTwiceChangesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		src := ioStore(t, db)
		ioFill(t, src)
		set := ioViaJSON(t, ioExport(t, src))

		// Into its own database: it is there already.
		before := ioReadTables(t, db)
		res, err := src.Import(ctx, set, aclstore.ImportOptions{Prune: true})
		if err != nil {
			t.Fatal(err)
		}
		want := &aclstore.ImportResult{Created: []string{}, Updated: []string{}, Unchanged: []string{"auditor", "editor", "member", "root"},
			Deleted: []string{}, AlsoChanged: []string{}, ScopesCreated: []string{}, ScopesUpdated: []string{}}
		if diff := cmp.Diff(want, res); diff != "" {
			t.Errorf("result (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(before, ioReadTables(t, db)); diff != "" {
			t.Errorf("an import of the set the database has changed rows (-before +after):\n%s", diff)
		}

		// Into a fresh database, twice.
		dstDB := ioFreshDB(t, db)
		dst := ioStore(t, dstDB)
		if _, err := dst.Import(ctx, set, aclstore.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
		after1 := ioReadTables(t, dstDB)
		aclBefore := ioACLJSON(t, dst.ACL())
		res, err = dst.Import(ctx, set, aclstore.ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Created)+len(res.Updated)+len(res.Deleted)+len(res.ScopesCreated)+len(res.ScopesUpdated) != 0 || len(res.Unchanged) != 4 {
			t.Errorf("second import changed something: %+v", res)
		}
		if diff := cmp.Diff(after1, ioReadTables(t, dstDB)); diff != "" {
			t.Errorf("second import changed rows (-first +second):\n%s", diff)
		}
		if diff := cmp.Diff(aclBefore, ioACLJSON(t, dst.ACL())); diff != "" {
			t.Errorf("second import changed the ACL:\n%s", diff)
		}
	})
}

// TestImportChangesAndLogs imports an edited set: the edited role is
// updated, a new one created, the default moves, every touched role is
// logged once, and the ACL answers with the new grants.
func TestImportChangesAndLogs(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := acl.WithUser(context.Background(), 9)
		s := ioStore(t, db)
		ioFill(t, s)
		set := ioViaJSON(t, ioExport(t, s))
		before := ioReadTables(t, db)

		editor := &set.Roles[1]
		delete(editor.Actions, "posts:destroy")
		editor.Actions["posts:create"] = acl.Params{"fields": []any{"title"}}
		editor.Actions["posts:update"] = acl.Params{"filter": map[string]any{"status": "review"}}
		editor.Title = "Editors"
		set.Roles[2].Default = false // member: the default role moves to guest
		set.Roles = append(set.Roles, aclstore.RoleJSON{Role: "guest", Title: "Guest", Default: true,
			Strategy: &aclstore.RoleStrategy{Name: "member"}, Actions: map[string]acl.Params{"posts:view": {}}})
		res, err := s.Import(ctx, set, aclstore.ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"guest"}, res.Created); diff != "" {
			t.Errorf("created (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"editor", "member"}, res.Updated); diff != "" {
			t.Errorf("updated (-want +got):\n%s", diff)
		}
		logged := ioChangedRoles(ioReadTables(t, db), ioLastChange(before))
		for _, name := range []string{"editor", "guest", "member"} {
			if n := strings.Count(strings.Join(logged, ","), name); n != 1 {
				t.Errorf("role %s logged %d times, want once: %v", name, n, logged)
			}
		}
		a := s.ACL()
		for _, c := range []struct {
			role, resource, action string
			allowed                bool
		}{
			{"editor", "posts", "create", true},
			{"editor", "posts", "destroy", false},
			{"guest", "posts", "list", true},
			{"guest", "comments", "update", true}, // the member strategy: update:own
		} {
			if _, ok := a.Can(acl.CanArgs{Role: c.role, Resource: c.resource, Action: c.action}); ok != c.allowed {
				t.Errorf("can %s %s:%s = %v, want %v", c.role, c.resource, c.action, ok, c.allowed)
			}
		}
		res2, _ := a.Can(acl.CanArgs{Role: "editor", Resource: "posts", Action: "update"})
		if got, _ := json.Marshal(res2.Params); string(got) != `{"filter":{"status":"review"}}` {
			t.Errorf("editor posts:update params = %s", got)
		}
		after := ioExport(t, s)
		if r := ioRoleOf(t, after, "member"); r.Default {
			t.Error("member is still default: the imported default role must take the flag")
		}
		if r := ioRoleOf(t, after, "guest"); !r.Default || r.Strategy == nil || r.Strategy.Options == nil ||
			!cmp.Equal(r.Strategy.Options.Actions, []string{"view", "update:own"}) {
			t.Errorf("guest: the named strategy must be stored inline as the ACL defines it: %+v", r.Strategy)
		}
		for _, r := range ioReadTables(t, db).Roles {
			if r.Name == "guest" && (r.CreatedByID == nil || *r.CreatedByID != 9) {
				t.Errorf("guest createdById = %v, want 9, the importing user", r.CreatedByID)
			}
			if r.Name == "editor" && (r.UpdatedByID == nil || *r.UpdatedByID != 9 || *r.CreatedByID != 42) {
				t.Errorf("editor audit = created %v updated %v, want 42 and 9", r.CreatedByID, r.UpdatedByID)
			}
		}
		roles, _ := s.RolesOf(ctx, 1234)
		if diff := cmp.Diff([]string{"guest"}, roles); diff != "" {
			t.Errorf("RolesOf a user without roles: the new default role (-want +got):\n%s", diff)
		}
	})
}

// TestImportPrune deletes the roles the set lacks, root excepted, with
// their resources and memberships, from the tables and the ACL.
func TestImportPrune(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		s := ioStore(t, db)
		ioFill(t, s)
		set := ioViaJSON(t, ioExport(t, s))
		var kept []aclstore.RoleJSON
		for _, r := range set.Roles {
			if r.Role == "member" {
				kept = append(kept, r)
			}
		}
		set.Roles = kept

		res, err := s.Import(ctx, set, aclstore.ImportOptions{Prune: true})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"auditor", "editor"}, res.Deleted); diff != "" {
			t.Errorf("deleted (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"member", "root"}, s.ACL().Roles()); diff != "" {
			t.Errorf("ACL roles (-want +got):\n%s", diff)
		}
		rows := ioReadTables(t, db)
		for _, rr := range rows.Resources {
			if rr.RoleName == "editor" || rr.RoleName == "auditor" {
				t.Errorf("resource row of a pruned role left: %+v", rr)
			}
		}
		if len(rows.Users) != 0 {
			t.Errorf("memberships of a pruned role left: %+v", rows.Users)
		}
		if len(rows.Actions) != 0 {
			t.Errorf("action rows of pruned roles left: %d", len(rows.Actions))
		}
		roles, _ := s.RolesOf(ctx, 7)
		if diff := cmp.Diff([]string{"member"}, roles); diff != "" {
			t.Errorf("user 7 lost editor and has the default role (-want +got):\n%s", diff)
		}
		// Without Prune nothing is deleted.
		set.Roles = nil
		res, err = s.Import(ctx, set, aclstore.ImportOptions{})
		if err != nil || len(res.Deleted) != 0 {
			t.Errorf("import without Prune deleted %v (err %v)", res, err)
		}
	})
}

// TestImportTitleSwap imports two roles that trade titles: titles are
// unique, and the import must not collide with itself halfway.
func TestImportTitleSwap(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := ioStore(t, db)
		ioFill(t, s)
		set := ioViaJSON(t, ioExport(t, s))
		for i := range set.Roles {
			switch set.Roles[i].Role {
			case "editor":
				set.Roles[i].Title = "Member"
			case "member":
				set.Roles[i].Title = "Editor"
			}
		}
		res, err := s.Import(context.Background(), set, aclstore.ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"editor", "member"}, res.Updated); diff != "" {
			t.Errorf("updated (-want +got):\n%s", diff)
		}
		if got := ioRoleOf(t, ioExport(t, s), "editor").Title; got != "Member" {
			t.Errorf("editor title = %q", got)
		}
	})
}

// TestImportRefusals are hostile or broken sets: each is refused with an
// error naming what is wrong, before or during the transaction, and the
// tables and the ACL stay exactly as they were.
func TestImportRefusals(t *testing.T) {
	roleNamed := func(set *aclstore.RoleSet, name string) *aclstore.RoleJSON {
		for i := range set.Roles {
			if set.Roles[i].Role == name {
				return &set.Roles[i]
			}
		}
		panic("no role " + name)
	}
	cases := []struct {
		name    string
		edit    func(*aclstore.RoleSet)
		want    []string // substrings of the error
		noPrune bool     // import without Prune; the database refuses the set (ErrRoleExists)
	}{
		{"unknown param key", func(set *aclstore.RoleSet) {
			roleNamed(set, "editor").Actions["posts:view"] = acl.Params{"filtr": map[string]any{"a": 1}}
		}, []string{`role "editor"`, `unknown param "filtr" in posts:view`, `did you mean "filter"`}, false},
		{"unknown strategy action", func(set *aclstore.RoleSet) {
			roleNamed(set, "member").Strategy = &aclstore.RoleStrategy{Options: &acl.StrategyOptions{Actions: []string{"veiw"}}}
		}, []string{`role "member"`, `unknown action "veiw"`}, false},
		{"snippet rule selecting nothing", func(set *aclstore.RoleSet) {
			roleNamed(set, "editor").Snippets = []string{"pm.nothing.*"}
		}, []string{`role "editor"`, `unknown snippet "pm.nothing.*"`}, false},
		{"inactive grant with an unknown key", func(set *aclstore.RoleSet) {
			roleNamed(set, "editor").Resources[2].InactiveActions["destroy"] = acl.Params{"ownn": true}
		}, []string{`role "editor"`, "inactiveActions", `unknown param "ownn" in tags:destroy`}, false},
		{"snippet the ACL lacks", func(set *aclstore.RoleSet) {
			set.Snippets = append(set.Snippets, aclstore.SnippetJSON{Name: "plugin.reports", Actions: []string{"reports:*"}})
		}, []string{`snippets`, `"plugin.reports"`, "register it in code"}, false},
		{"named strategy the ACL lacks", func(set *aclstore.RoleSet) {
			roleNamed(set, "member").Strategy = &aclstore.RoleStrategy{Name: "contractor"}
		}, []string{`strategies`, `"contractor"`}, false},
		{"duplicate role", func(set *aclstore.RoleSet) {
			set.Roles = append(set.Roles, set.Roles[0])
		}, []string{`role "auditor"`, "twice"}, false},
		{"empty role name", func(set *aclstore.RoleSet) {
			set.Roles = append(set.Roles, aclstore.RoleJSON{})
		}, []string{`roles[4].role`}, false},
		{"version 2", func(set *aclstore.RoleSet) { set.Version = 2 }, []string{"version 2"}, false},
		{"too many roles", func(set *aclstore.RoleSet) {
			for i := 0; i <= aclstore.MaxSetRoles; i++ {
				set.Roles = append(set.Roles, aclstore.RoleJSON{Role: fmt.Sprintf("r%d", i)})
			}
		}, []string{"10005 roles, more than 10000"}, false},
		{"too many actions in a role", func(set *aclstore.RoleSet) {
			r := roleNamed(set, "editor")
			for i := 0; i <= aclstore.MaxRoleActions; i++ {
				r.Actions[fmt.Sprintf("r%d:view", i)] = nil
			}
		}, []string{`role "editor"`, "more than 10000"}, false},
		{"too many actions in the set", func(set *aclstore.RoleSet) {
			for i := 0; i < 25; i++ {
				r := aclstore.RoleJSON{Role: fmt.Sprintf("bulk%d", i), Actions: map[string]acl.Params{}}
				for j := 0; j < 9000; j++ {
					r.Actions[fmt.Sprintf("r%d:view", j)] = nil
				}
				set.Roles = append(set.Roles, r)
			}
		}, []string{"more than 200000 grants"}, false},
		{"empty fields would widen", func(set *aclstore.RoleSet) {
			roleNamed(set, "editor").Actions["posts:update"] = acl.Params{"fields": []any{}}
		}, []string{`role "editor"`, `"posts:update"`, "fields"}, false},
		{"filter not an object", func(set *aclstore.RoleSet) {
			roleNamed(set, "editor").Actions["posts:update"] = acl.Params{"filter": "status = 1"}
		}, []string{`role "editor"`, "filter"}, false},
		{"malformed path", func(set *aclstore.RoleSet) {
			roleNamed(set, "editor").Actions["posts.update"] = acl.Params{}
		}, []string{`role "editor"`, `"posts.update"`}, false},
		{"grant on an inactive resource", func(set *aclstore.RoleSet) {
			roleNamed(set, "editor").Actions["tags:view"] = acl.Params{}
		}, []string{`role "editor"`, "tags:view", "does not use its actions config"}, false},
		{"duplicate title", func(set *aclstore.RoleSet) {
			roleNamed(set, "editor").Title = "Member"
		}, []string{`role "member"`, `title "Member"`, `role "editor"`}, false},
		{"two default roles", func(set *aclstore.RoleSet) {
			roleNamed(set, "editor").Default = true
		}, []string{"2 roles are marked default"}, false},
		// Passes every check before the transaction; the database refuses
		// it halfway (a title a role outside the set keeps, without
		// Prune), after a scope and a role were written in the transaction.
		{"title taken by a role outside the set", func(set *aclstore.RoleSet) {
			set.Scopes = append(set.Scopes, aclstore.ScopeJSON{Key: "fresh", Scope: acl.Params{"x": 1}})
			roleNamed(set, "member").Description = "changed first"
			var kept []aclstore.RoleJSON
			for _, r := range set.Roles {
				if r.Role != "auditor" {
					kept = append(kept, r)
				}
			}
			set.Roles = kept
			set.Roles = append(set.Roles, aclstore.RoleJSON{Role: "zeta", Title: "Auditor"})
		}, []string{`role "zeta"`, "title"}, true},
	}
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := ioStore(t, db)
		ioFill(t, s)
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				set := ioViaJSON(t, ioExport(t, s))
				c.edit(set)
				rows, roles := ioReadTables(t, db), ioACLJSON(t, s.ACL())
				res, err := s.Import(context.Background(), set, aclstore.ImportOptions{Prune: !c.noPrune})
				if err == nil {
					t.Fatalf("import succeeded: %+v", res)
				}
				var se *aclstore.Error
				if !errors.As(err, &se) || se.HTTPStatus()/100 != 4 {
					t.Errorf("error %v (%T) is not an *aclstore.Error with a 4xx status", err, err)
				}
				if c.noPrune && !errors.Is(err, aclstore.ErrRoleExists) {
					t.Errorf("error %v: want the database's refusal, ErrRoleExists", err)
				}
				for _, w := range c.want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q lacks %q", err, w)
					}
				}
				if diff := cmp.Diff(rows, ioReadTables(t, db)); diff != "" {
					t.Errorf("refused import changed rows (-before +after):\n%s", diff)
				}
				if diff := cmp.Diff(roles, ioACLJSON(t, s.ACL())); diff != "" {
					t.Errorf("refused import changed the ACL (-before +after):\n%s", diff)
				}
			})
		}
	})
}

// FuzzRoleSetJSON decodes and imports arbitrary JSON. ParseRoleSet either
// refuses it with an *aclstore.Error or returns a set that survives a JSON
// round trip unchanged; an import of it either fails with an
// *aclstore.Error or leaves the ACL equal to what a fresh Load of the
// tables builds (the database and the ACL never disagree).
func FuzzRoleSetJSON(f *testing.F) {
	for _, seed := range []string{
		`{"version":1,"roles":[{"role":"editor","strategy":{"actions":["view"]},"actions":{"posts:update":{"fields":["title"],"filter":{"status":"draft"}}},"snippets":["pm.*"],"title":"Editor","default":true,"resources":[{"name":"tags","usingActionsConfig":false,"inactiveActions":{"view":{"own":true}}}]}],"scopes":[{"key":"draft","scope":{"status":"draft"}}],"strategies":{},"snippets":[{"name":"pm","actions":["pm:*"]}]}`,
		`{"version":1,"roles":[{"role":"guest","strategy":"member","actions":{"posts:view":{"pageSize":20}},"snippets":[]}]}`,
		`{"version":1,"roles":[{"role":"a","actions":{"posts:view":{"fields":[]}}}]}`,
		`{"version":1,"roles":[{"role":"a"},{"role":"a"}]}`,
		`{"version":2}`,
		`{"version":1,"roles":[{"role":"a","actions":{"x":{"filtr":{}}}}]} trailing`,
		`{"version":1,"roles":[{"role":"a","snipets":[]}]}`,
	} {
		f.Add([]byte(seed))
	}
	db := dbtest.SQLite(f)
	s := ioStore(f, db)
	f.Fuzz(func(t *testing.T, data []byte) {
		set, err := aclstore.ParseRoleSet(data)
		if err != nil {
			var se *aclstore.Error
			if !errors.As(err, &se) {
				t.Fatalf("ParseRoleSet error %v is a %T, not an *aclstore.Error", err, err)
			}
			return
		}
		raw, err := json.Marshal(set)
		if err != nil {
			t.Fatalf("a parsed set does not marshal: %v", err)
		}
		back, err := aclstore.ParseRoleSet(raw)
		if err != nil {
			t.Fatalf("a parsed set does not parse again: %v\n%s", err, raw)
		}
		if again, _ := json.Marshal(back); string(again) != string(raw) {
			t.Fatalf("JSON round trip changed the set:\n%s\n%s", raw, again)
		}
		_ = aclstore.Diff(set, back)
		if _, err := s.Import(context.Background(), set, aclstore.ImportOptions{Prune: true}); err != nil {
			var se *aclstore.Error
			if !errors.As(err, &se) {
				t.Fatalf("Import error %v is a %T, not an *aclstore.Error", err, err)
			}
		}
		fresh := aclstore.New(db, ioACL(t), aclstore.Options{})
		if err := fresh.Load(context.Background()); err != nil {
			t.Fatalf("the tables an import left do not load: %v", err)
		}
		if diff := cmp.Diff(ioACLJSON(t, s.ACL()), ioACLJSON(t, fresh.ACL())); diff != "" {
			t.Fatalf("the ACL and the tables disagree after an import (-store +loaded):\n%s", diff)
		}
	})
}

// ioBigSet is BenchmarkLoad's shape as a set: 100 roles × 200 resources ×
// 4 actions, a quarter of the grants with fields and a shared filter.
func ioBigSet() *aclstore.RoleSet {
	set := &aclstore.RoleSet{Version: 1, Scopes: []aclstore.ScopeJSON{{Key: "published", Scope: acl.Params{"status": "published"}}}}
	for r := range 100 {
		role := aclstore.RoleJSON{Role: fmt.Sprintf("role%03d", r), Actions: map[string]acl.Params{}}
		for res := range 200 {
			for i, action := range []string{"view", "create", "update", "destroy"} {
				p := acl.Params{}
				if i == 2 {
					p = acl.Params{"fields": []any{"title", "body"}, "filter": map[string]any{"status": "published"}}
				}
				role.Actions[fmt.Sprintf("res%03d:%s", res, action)] = p
			}
		}
		set.Roles = append(set.Roles, role)
	}
	return set
}

// BenchmarkImport imports ioBigSet into an empty database ("create") and
// again into one that has it ("unchanged"), on SQLite and PostgreSQL.
func BenchmarkImport(b *testing.B) {
	set := ioBigSet()
	for _, kind := range []struct {
		name string
		open func(testing.TB) *bun.DB
	}{{"sqlite", dbtest.SQLite}, {"pg", dbtest.Postgres}} {
		b.Run(kind.name+"/create", func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				s := ioStore(b, kind.open(b))
				b.StartTimer()
				if _, err := s.Import(context.Background(), set, aclstore.ImportOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(kind.name+"/unchanged", func(b *testing.B) {
			s := ioStore(b, kind.open(b))
			if _, err := s.Import(context.Background(), set, aclstore.ImportOptions{}); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				res, err := s.Import(context.Background(), set, aclstore.ImportOptions{})
				if err != nil || len(res.Unchanged) != 100 {
					b.Fatal(res, err)
				}
			}
		})
	}
}

// TestImportNumbersAsStored imports a hand-written set whose numbers are
// spelt as storage does not keep them (50.0, 1e1): the second import finds
// the role unchanged.
func TestImportNumbersAsStored(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := ioStore(t, db)
		set, err := aclstore.ParseRoleSet([]byte(`{"version":1,"roles":[{"role":"reader","snippets":[],
			"actions":{"posts:view":{"pageSize":50.0,"filter":{"rank":{"$gt":1e1}}}}}]}`))
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		first, err := s.Import(ctx, set, aclstore.ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"reader"}, first.Created); diff != "" {
			t.Errorf("first import created (-want +got):\n%s", diff)
		}
		second, err := s.Import(ctx, set, aclstore.ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(second.Updated) != 0 || len(second.Unchanged) != 1 || len(second.ScopesCreated) != 0 {
			t.Errorf("second import changed something: %+v", second)
		}
	})
}
