package acl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/gatehouse/internal/jsonval"
)

type narrowCase struct {
	name    string
	request string // JSON
	grant   string // JSON
	want    string // JSON of the merged params; "" when wantErr is set
	wantErr string // the FieldsError message
}

func runNarrowCases(t *testing.T, cases []narrowCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			request, grant := jsonParams(t, c.request), jsonParams(t, c.grant)
			before := jsonval.Clone(map[string]any(request))
			got, err := narrowRequestParams("users", request, grant)
			if c.wantErr != "" {
				var fe *FieldsError
				if !errors.As(err, &fe) || !errors.Is(err, ErrNoPermission) || fe.message() != c.wantErr {
					t.Fatalf("err = %v, want FieldsError %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			wantJSON(t, got, c.want)
			if diff := cmp.Diff(before, map[string]any(request)); diff != "" {
				t.Errorf("the request's params changed:\n%s", diff)
			}
		})
	}
}

func jsonParams(t *testing.T, s string) Params {
	t.Helper()
	if s == "" {
		return Params{}
	}
	var p Params
	if err := json.Unmarshal([]byte(s), &p); err != nil {
		t.Fatalf("bad JSON %s: %v", s, err)
	}
	return p
}

func TestNarrowFields(t *testing.T) {
	grant := `{"fields":["id","nickname"]}`
	runNarrowCases(t, []narrowCase{
		{name: "intersection", request: `{"fields":["id","email"]}`, grant: grant, want: `{"fields":["id"]}`},
		{name: "comma string", request: `{"fields":"nickname,id,id"}`, grant: grant, want: `{"fields":["nickname","id"]}`},
		{name: "absent gets the grant's", request: `{}`, grant: grant, want: `{"fields":["id","nickname"]}`},
		{name: "null gets the grant's", request: `{"fields":null}`, grant: grant, want: `{"fields":["id","nickname"]}`},
		{name: "empty string gets the grant's", request: `{"fields":""}`, grant: grant, want: `{"fields":["id","nickname"]}`},
		{name: "empty list gets the grant's", request: `{"fields":[]}`, grant: grant, want: `{"fields":["id","nickname"]}`},
		{name: "empty intersection is refused", request: `{"fields":["email","nosuchfield"]}`, grant: grant,
			wantErr: "No permissions: fields email, nosuchfield may not be read"},
		{name: "an association outside the grant is refused", request: `{"fields":"roles"}`, grant: grant,
			wantErr: "No permissions: fields roles may not be read"},
		{name: "a scalar is a one-entry list", request: `{"fields":5}`, grant: grant,
			wantErr: "No permissions: fields 5 may not be read"},
		{name: "a grant of no field allows none", request: `{}`, grant: `{"fields":[]}`,
			wantErr: "No permissions: no field of users may be read"},
		{name: "a malformed grant fails closed", request: `{"fields":["id"]}`, grant: `{"fields":true}`,
			wantErr: "No permissions: fields id may not be read"},
		{name: "no grant restriction keeps the request's", request: `{"fields":"a,b"}`, grant: `{}`, want: `{"fields":["a","b"]}`},
		{name: "no grant restriction keeps an empty request list", request: `{"fields":[]}`, grant: `{"filter":{"a":1}}`, want: `{"fields":[],"filter":{"a":1}}`},
		{name: "no grant restriction keeps an empty string", request: `{"fields":""}`, grant: `{}`, want: `{"fields":""}`},
		{name: "associations move to appends", request: `{"fields":["title","body","author"]}`,
			grant: `{"fields":["id","title","author"],"appends":["author"]}`, want: `{"fields":["title"],"appends":["author"]}`},
		{name: "only associations: the grant's fields", request: `{"fields":["author"]}`,
			grant: `{"fields":["id","title"],"appends":["author"]}`, want: `{"fields":["id","title"],"appends":["author"]}`},
	})
}

func TestNarrowWriteLists(t *testing.T) {
	runNarrowCases(t, []narrowCase{
		{name: "whitelist intersection", request: `{"whitelist":["title","status"]}`, grant: `{"whitelist":["title","body"]}`, want: `{"whitelist":["title"]}`},
		{name: "whitelist empty intersection stays empty", request: `{"whitelist":["status"]}`, grant: `{"whitelist":["title"]}`, want: `{"whitelist":[]}`},
		{name: "whitelist absent gets the grant's", request: `{}`, grant: `{"whitelist":["title"]}`, want: `{"whitelist":["title"]}`},
		{name: "whitelist empty gets the grant's", request: `{"whitelist":[]}`, grant: `{"whitelist":["title"]}`, want: `{"whitelist":["title"]}`},
		{name: "a grant whitelist of nothing stays nothing", request: `{"whitelist":["title"]}`, grant: `{"whitelist":[]}`, want: `{"whitelist":[]}`},
		{name: "request whitelist alone", request: `{"whitelist":"a,b"}`, grant: `{}`, want: `{"whitelist":["a","b"]}`},
		{name: "blacklist union", request: `{"blacklist":["title"]}`, grant: `{"blacklist":["createdById","status"]}`, want: `{"blacklist":["title","createdById","status"]}`},
		{name: "blacklist from the grant", request: `{}`, grant: `{"blacklist":["createdById"]}`, want: `{"blacklist":["createdById"]}`},
		{name: "blacklist from the request", request: `{"blacklist":"a,b"}`, grant: `{}`, want: `{"blacklist":["a","b"]}`},
	})
}

func TestNarrowAppends(t *testing.T) {
	runNarrowCases(t, []narrowCase{
		{name: "bounded by the grant's appends", request: `{"appends":["author","author.profile","comments"]}`,
			grant: `{"appends":["author"]}`, want: `{"appends":["author","author.profile"]}`},
		{name: "a grant of no appends allows none", request: `{"appends":["author"]}`, grant: `{"appends":[]}`, want: `{"appends":[]}`},
		{name: "no request appends under a grant's appends", request: `{}`, grant: `{"appends":["author"]}`, want: `{"appends":[]}`},
		{name: "bounded by the grant's fields", request: `{"appends":["roles","author.profile"]}`,
			grant: `{"fields":["id","author"]}`, want: `{"fields":["id","author"],"appends":["author.profile"]}`},
		{name: "grant fields and no request appends", request: `{}`, grant: `{"fields":["id"]}`, want: `{"fields":["id"]}`},
		{name: "no bound", request: `{"appends":["roles"]}`, grant: `{"filter":{"a":1}}`, want: `{"appends":["roles"],"filter":{"a":1}}`},
		{name: "non-string entries dropped", request: `{"appends":[1,"author"]}`, grant: `{"appends":["author"]}`, want: `{"appends":["author"]}`},
	})
}

func TestNarrowOtherKeys(t *testing.T) {
	runNarrowCases(t, []narrowCase{
		{name: "filters AND", request: `{"filter":{"id":1}}`, grant: `{"filter":{"status":"draft"}}`, want: `{"filter":{"$and":[{"id":1},{"status":"draft"}]}}`},
		{name: "the grant's filter alone", request: `{}`, grant: `{"filter":{"status":"draft"}}`, want: `{"filter":{"status":"draft"}}`},
		{name: "the grant's sort wins", request: `{"sort":"-id"}`, grant: `{"sort":["title"]}`, want: `{"sort":["title"]}`},
		{name: "except united", request: `{"except":"a"}`, grant: `{"except":["b"]}`, want: `{"except":["a","b"]}`},
		{name: "other keys kept", request: `{"page":2,"filterByTk":3}`, grant: `{"own":true}`, want: `{"page":2,"filterByTk":3,"own":true}`},
	})
}

// TestNarrowHugeLists: thousands of names cost linear time, collapse when
// repeated, and a refusal names only the first few.
func TestNarrowHugeLists(t *testing.T) {
	huge := make([]any, 0, 20000)
	for i := range 10000 {
		huge = append(huge, fmt.Sprint("f", i), fmt.Sprint("f", i))
	}
	_, err := narrowRequestParams("users", Params{"fields": huge}, Params{"fields": []any{"id"}})
	if err == nil || err.Error() != "acl: no permissions: fields f0, f1, f2, f3, f4, f5, f6, f7, f8, f9 and 9990 more may not be read" {
		t.Errorf("err = %v", err)
	}
	merged, err := narrowRequestParams("users", Params{"blacklist": huge, "appends": huge, "fields": append(huge, "id")},
		Params{"blacklist": []any{"secret"}, "fields": []any{"id", "f1"}})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(merged["blacklist"].([]any)); n != 10001 {
		t.Errorf("blacklist has %d names, want 10001", n)
	}
	wantJSON(t, merged["appends"], `["f1"]`)
	wantJSON(t, merged["fields"], `["f1","id"]`)
}

// TestMiddlewareRefusesEmptyFields checks the 403 a hostile fields list
// gets over HTTP, and that the handler never runs.
func TestMiddlewareRefusesEmptyFields(t *testing.T) {
	a := New()
	a.SetAvailableAction("view", ActionOptions{Aliases: []string{"list", "get"}})
	mustDefine(t, a, RoleOptions{Name: "member", Actions: map[string]Params{"users:list": {"fields": []string{"id", "nickname"}}}})
	for _, c := range []struct {
		fields any
		code   int
		body   string
	}{
		{[]any{"email", "nosuchfield"}, http.StatusForbidden, `{"errors":[{"message":"No permissions: fields email, nosuchfield may not be read"}]}`},
		{"roles", http.StatusForbidden, `{"errors":[{"message":"No permissions: fields roles may not be read"}]}`},
		{"", http.StatusNoContent, ""},
		{[]any{"nickname", "email"}, http.StatusNoContent, ""},
	} {
		reached := false
		h := a.Middleware(MiddlewareOptions{Actions: fixedAction("users", "list", Params{"fields": c.fields})})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			reached = true
			w.WriteHeader(http.StatusNoContent)
		}))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/api/users", nil).WithContext(WithRole(context.Background(), "member")))
		if w.Code != c.code || strings.TrimSpace(w.Body.String()) != c.body || reached != (c.code == http.StatusNoContent) {
			t.Errorf("fields %v: %d %s (handler reached: %v), want %d %s", c.fields, w.Code, w.Body, reached, c.code, c.body)
		}
	}
	_, err := a.ResolveParams(WithRole(context.Background(), "member"), "users", "list", Params{"fields": "email"})
	if StatusCode(err) != http.StatusForbidden || err.Error() != "acl: no permissions: fields email may not be read" {
		t.Errorf("ResolveParams: %v (%d)", err, StatusCode(err))
	}
}

// narrowNames are the names the generated grants and requests draw from:
// columns, associations, and a name no grant has.
var (
	narrowColumns      = []string{"id", "title", "body", "secret", "status"}
	narrowAssociations = []string{"author", "comments", "tags"}
)

// genList returns, at random: no key, null, "", [], or a random subset of
// names (sometimes with a name outside them, or as a comma string).
func genList(r *rand.Rand, p Params, key string, names []string, forRequest bool) {
	switch r.IntN(6) {
	case 0:
		return
	case 1:
		if forRequest {
			p[key] = nil
			return
		}
	case 2:
		if forRequest {
			p[key] = ""
			return
		}
	case 3:
		p[key] = []any{}
		return
	}
	var l []any
	for _, n := range names {
		if r.IntN(2) == 0 {
			l = append(l, n)
		}
	}
	if forRequest && r.IntN(3) == 0 {
		l = append(l, "nosuch")
	}
	if forRequest && r.IntN(4) == 0 && len(l) > 0 {
		s := make([]string, len(l))
		for i, v := range l {
			s[i] = v.(string)
		}
		p[key] = strings.Join(s, ",")
		return
	}
	if l == nil {
		l = []any{}
	}
	p[key] = l
}

func genAppends(r *rand.Rand, p Params, forRequest bool) {
	names := slices.Clone(narrowAssociations)
	if forRequest {
		names = append(names, "author.profile", "secret.x", "comments.createdBy.email")
	}
	genList(r, p, "appends", names, forRequest)
}

func genParams(r *rand.Rand, forRequest bool) Params {
	p := Params{}
	all := append(slices.Clone(narrowColumns), narrowAssociations...)
	genList(r, p, "fields", all, forRequest)
	genList(r, p, "whitelist", narrowColumns, forRequest)
	genList(r, p, "blacklist", narrowColumns, forRequest)
	genAppends(r, p, forRequest)
	if r.IntN(2) == 0 {
		p["filter"] = map[string]any{"status": fmt.Sprint("s", r.IntN(3))}
	}
	return p
}

func names(v any) []any { return jsonval.Compact(jsonval.StrategyList(v)) }

func subset(sub, of []any) bool {
	for _, v := range sub {
		if !jsonval.ContainsPrimitive(of, v) {
			return false
		}
	}
	return true
}

// restriction returns a grant's list param when it restricts (present and
// not null), as narrowRequestParams reads it.
func restriction(grant Params, key string) (any, bool) {
	v, ok := grant[key]
	return v, ok && v != nil
}

// checkNarrowed asserts the narrowing invariant for one grant and request.
func checkNarrowed(t *testing.T, grant, request, merged Params, err error) {
	t.Helper()
	if err != nil {
		var fe *FieldsError
		if !errors.As(err, &fe) {
			t.Fatalf("grant %v request %v: %v", grant, request, err)
		}
		if _, ok := restriction(grant, "fields"); !ok {
			t.Fatalf("grant %v without fields refused request %v: %v", grant, request, err)
		}
		return
	}
	if g, ok := restriction(grant, "fields"); ok {
		got, isList := merged["fields"].([]any)
		if !isList || len(got) == 0 || !subset(got, names(g)) {
			t.Fatalf("grant fields %v, request %v: merged fields %v", g, request["fields"], merged["fields"])
		}
	}
	if g, ok := restriction(grant, "whitelist"); ok {
		got, isList := merged["whitelist"].([]any)
		if !isList || !subset(got, names(g)) {
			t.Fatalf("grant whitelist %v, request %v: merged whitelist %v", g, request["whitelist"], merged["whitelist"])
		}
	}
	if g, ok := restriction(grant, "blacklist"); ok {
		got, _ := merged["blacklist"].([]any)
		if !subset(names(g), got) || !subset(names(request["blacklist"]), got) {
			t.Fatalf("grant blacklist %v, request %v: merged blacklist %v", g, request["blacklist"], merged["blacklist"])
		}
	}
	bound, bounded := restriction(grant, "appends")
	if !bounded {
		bound, bounded = restriction(grant, "fields")
	}
	if bounded {
		for _, v := range names(merged["appends"]) {
			s, _ := v.(string)
			if !jsonval.ContainsPrimitive(names(bound), firstSegment(s)) {
				t.Fatalf("grant %v, request %v: append %v is outside the grant", grant, request, v)
			}
		}
	}
	if f, ok := grant["filter"]; ok && jsonval.Truthy(f) {
		got := merged["filter"]
		and, _ := jsonval.AsMap(got)
		terms, _ := and["$and"].([]any)
		if !jsonval.Equal(got, f) && !(len(and) == 1 && slices.ContainsFunc(terms, func(x any) bool { return jsonval.Equal(x, f) })) {
			t.Fatalf("grant filter %v: merged filter %v does not hold it", f, got)
		}
	}
}

// TestNarrowingInvariantGenerated merges generated grants with generated
// requests (empty, null, "", unknown and association names, comma
// strings) and checks that the result never reaches past the grant.
func TestNarrowingInvariantGenerated(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 14))
	refused, narrowed := 0, 0
	for range 5000 {
		grant, request := genParams(r, false), genParams(r, true)
		before := jsonval.Clone(map[string]any(request))
		merged, err := narrowRequestParams("posts", request, grant)
		checkNarrowed(t, grant, request, merged, err)
		if !jsonval.Equal(before, map[string]any(request)) {
			t.Fatalf("request changed: %v -> %v", before, request)
		}
		if err != nil {
			refused++
		} else {
			narrowed++
		}
	}
	// Both outcomes must be exercised, or the generator has gone wrong.
	if refused < 100 || narrowed < 1000 {
		t.Errorf("refused %d, narrowed %d of 5000", refused, narrowed)
	}
}

// TestUnionKeepsRestrictionsGenerated defines two roles with generated
// grants and checks their union: a list both restrict is the union of
// their lists (an empty one kept), a list only one restricts is lifted,
// and a request merged with the union stays inside it.
func TestUnionKeepsRestrictionsGenerated(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 7))
	keptEmpty := 0
	for range 2000 {
		g1, g2 := genParams(r, false), genParams(r, false)
		a := New()
		mustDefine(t, a, RoleOptions{Name: "r1", Actions: map[string]Params{"posts:list": g1}})
		mustDefine(t, a, RoleOptions{Name: "r2", Actions: map[string]Params{"posts:list": g2}})
		res, ok := a.Can(CanArgs{Roles: []string{"r1", "r2"}, Resource: "posts", Action: "list"})
		if !ok {
			t.Fatal("union denied")
		}
		for _, k := range []string{"fields", "whitelist", "appends"} {
			x, in1 := g1[k]
			y, in2 := g2[k]
			got, has := res.Params[k]
			switch {
			case in1 && in2:
				want := unionStrings(x, y)
				gotList, _ := got.([]any)
				if !has || len(gotList) != len(want) || !subset(gotList, want) {
					t.Fatalf("%s: %v ∪ %v = %v (present %v), want %v", k, x, y, got, has, want)
				}
				if len(want) == 0 {
					keptEmpty++
				}
			case has:
				t.Fatalf("%s: only one role restricts (%v, %v) but the union has %v", k, x, y, got)
			}
		}
		request := genParams(r, true)
		merged, err := narrowRequestParams("posts", request, res.Params)
		checkNarrowed(t, res.Params, request, merged, err)
	}
	if keptEmpty == 0 {
		t.Error("no union kept an empty list: the generator has gone wrong")
	}
}

// TestSingleRoleUnionKeepsEmptyLists: NocoBase's removeEmptyParams drops
// an empty list from a one-role union, which would lift it.
func TestSingleRoleUnionKeepsEmptyLists(t *testing.T) {
	a := New()
	mustDefine(t, a, RoleOptions{Name: "r", Actions: map[string]Params{
		"posts:list": {"fields": []string{}, "appends": []string{}, "whitelist": []string{}, "except": []string{}, "filter": Params{}},
	}})
	wantJSON(t, canPtr(a, CanArgs{Roles: []string{"r", "ghost"}, Resource: "posts", Action: "list"}),
		`{"role":"r","resource":"posts","action":"list","params":{"fields":[],"appends":[],"whitelist":[]}}`)
}
