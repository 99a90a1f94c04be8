package crud_test

import (
	"encoding/json"
	"math/rand/v2"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

// FuzzRequestNarrowing fuzzes (grant, request, body) on SQLite with the
// suite's oracle: grant is the member role's grants as JSON (one object, or
// a list of two for a role union), request is "METHOD /api/...?query".
// Seeds come from the generator and testdata/fuzz/FuzzRequestNarrowing.
func FuzzRequestNarrowing(f *testing.F) {
	rng := rand.New(rand.NewPCG(7, 9))
	for i := 0; i < 40; i++ {
		g := genGrantSet(rng, i%4 == 3)
		req := genAttack(rng, g)
		grant, _ := json.Marshal(g.roles)
		f.Add(string(grant), req.method+" "+req.target, req.body)
	}
	fx := newAttackFixture(f, dbtest.SQLite(f))
	seed := fx.snapshot(f)
	f.Fuzz(func(t *testing.T, grant, request, body string) {
		g, ok := parseFuzzGrant(grant)
		if !ok {
			t.Skip("grant is not a role's grants")
		}
		req, ok := parseFuzzRequest(request, body)
		if !ok {
			t.Skip("request is not one the oracle knows")
		}
		run := newAttackRun(t, fx, seed)
		run.noTwin = true
		for _, p := range atkFilterPaths(req.query) {
			if g.pathReadable(req.coll, p) >= 0 {
				req.probe = p // the first path the roles may not read
				break
			}
		}
		if err := fx.defineGrants(g); err != nil {
			t.Skipf("the ACL refuses the grant: %v", err)
		}
		run.check(g, req)
		for class, fs := range run.failures {
			t.Errorf("invariant %s broken:\n    %s", class, strings.Join(fs, "\n    "))
		}
	})
}

func parseFuzzGrant(s string) (*grantSet, bool) {
	var roles []map[string]map[string]any
	if err := json.Unmarshal([]byte(s), &roles); err != nil {
		var one map[string]map[string]any
		if json.Unmarshal([]byte(s), &one) != nil {
			return nil, false
		}
		roles = append(roles, one)
	}
	if len(roles) == 0 || len(roles) > 2 {
		return nil, false
	}
	for _, role := range roles {
		if role == nil {
			return nil, false
		}
	}
	return &grantSet{roles: roles}, true
}

// parseFuzzRequest reads "METHOD /api/coll[/key|:action]?query" into the
// parts the oracle needs.
func parseFuzzRequest(request, body string) (*attackReq, bool) {
	req, ok := parseFuzzTarget(request)
	if !ok {
		return nil, false
	}
	req.body = body
	if k := req.query.Get("filterByTk"); k != "" && req.key == "" {
		req.key = k
	}
	if f := req.query.Get("filter"); req.key == "" && (f == "" || f == "{}") && (req.action == "update" || req.action == "destroy") {
		req.bulk = true
	}
	dec := json.NewDecoder(strings.NewReader(body))
	dec.UseNumber()
	if dec.Decode(&req.values) == nil {
		req.markValues()
	}
	return req, true
}

func parseFuzzTarget(request string) (*attackReq, bool) {
	method, target, ok := strings.Cut(request, " ")
	if !ok || !strings.HasPrefix(target, "/api/") || strings.ContainsAny(target, " #\x00") {
		return nil, false
	}
	if !slices.Contains([]string{"GET", "POST", "PUT", "PATCH", "DELETE"}, method) {
		return nil, false
	}
	u, err := url.ParseRequestURI(target)
	if err != nil {
		return nil, false
	}
	path := strings.TrimPrefix(u.Path, "/api/")
	coll, key, hasKey := strings.Cut(path, "/")
	coll, action, named := strings.Cut(coll, ":")
	if coll != "posts" && coll != "users" || strings.Contains(key, "/") {
		return nil, false
	}
	if !named {
		action = atkDefaultAction(method, hasKey)
	}
	req := &attackReq{kind: "fuzz." + action, coll: coll, action: action, method: method, target: target, key: key, query: u.Query()}
	return req, atkFuzzActions[action]
}

// markValues notes the values the oracle checks: a NUL byte, a number out
// of int64's range.
func (req *attackReq) markValues() {
	for k, v := range req.values {
		if s, isStr := v.(string); isStr && strings.ContainsRune(s, 0) {
			req.nul = k
		}
		if n, isNum := v.(json.Number); isNum && k == "views" {
			if _, err := n.Int64(); err != nil {
				req.huge = k
			}
		}
	}
}

// atkFuzzActions are the actions the oracle models.
var atkFuzzActions = map[string]bool{
	"list": true, "get": true, "count": true, "listExcludeRole": true,
	"create": true, "update": true, "destroy": true, "updateOrCreate": true, "firstOrCreate": true,
}

func atkDefaultAction(method string, hasKey bool) string {
	switch {
	case method == "GET" && hasKey:
		return "get"
	case method == "GET":
		return "list"
	case method == "POST" && !hasKey:
		return "create"
	case method == "DELETE":
		return "destroy"
	}
	return "update"
}

// atkFilterPaths lists the field paths a request's filter and sort name.
func atkFilterPaths(q url.Values) []string {
	var out []string
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch x := v.(type) {
		case []any:
			for _, e := range x {
				walk(prefix, e)
			}
		case map[string]any:
			for k, e := range x {
				switch {
				case k == "$and" || k == "$or" || k == "$not":
					walk(prefix, e)
				case strings.HasPrefix(k, "$"):
					if prefix != "" {
						out = append(out, prefix)
					}
				default:
					name, _, _ := strings.Cut(k, ".$")
					if prefix != "" {
						name = prefix + "." + name
					}
					if m, isMap := e.(map[string]any); isMap && len(m) > 0 {
						walk(name, e)
					} else {
						out = append(out, name)
					}
				}
			}
		}
	}
	var filter any
	if json.Unmarshal([]byte(q.Get("filter")), &filter) == nil {
		walk("", filter)
	}
	for _, s := range strings.Split(q.Get("sort"), ",") {
		if s = strings.TrimPrefix(s, "-"); s != "" {
			out = append(out, s)
		}
	}
	return out
}
