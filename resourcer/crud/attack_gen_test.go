package crud_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
)

// The generators: member grants (grantSet) and hostile requests (attackReq),
// both from a deterministic PCG stream.

// grantSet is one role's grants, or two roles' for a union: each maps
// "collection:action" to the grant's params.
type grantSet struct {
	roles []map[string]map[string]any
}

// The fixture's fields, associations and hidden fields per collection, by
// JSON name (checked against the crud schemas in checkAttackSchemas).
var atkColumns = map[string][]string{
	"posts": {"id", "title", "body", "status", "secret", "views", "authorId", "createdById", "updatedById", "createdAt", "updatedAt"},
	"users": {"id", "nickname", "username", "email", "phone", "passwordChangeTz", "appLang", "systemSettings", "enabled",
		"mainDepartmentId", "createdAt", "updatedAt", "createdById", "updatedById"},
	"comments": {"id", "postId", "body", "createdById", "updatedById"},
	"tags":     {"id", "name"},
}

var atkRelations = map[string][]string{
	"posts":    {"author", "comments", "tags", "createdBy", "updatedBy"},
	"users":    {"mainDepartment", "departments", "roles", "createdBy", "updatedBy"},
	"comments": {"createdBy", "updatedBy"},
	"tags":     {},
}

var atkHidden = map[string][]string{"users": {"password", "resetToken"}}

// atkServerColumns belong to the server on every write.
var atkServerColumns = []string{"createdAt", "updatedAt", "createdById", "updatedById"}

var atkGrantFilters = map[string][]map[string]any{
	"posts": {
		{"status": "published"},
		{"views": map[string]any{"$gt": 3}},
		{"$or": []any{map[string]any{"status": "draft"}, map[string]any{"views": map[string]any{"$lt": 2}}}},
		{"title": map[string]any{"$includes": "1"}},
	},
	"users": {
		{"id": map[string]any{"$ne": 1}},
		{"nickname": map[string]any{"$startsWith": "b"}},
		{"$or": []any{map[string]any{"id": 2}, map[string]any{"id": 3}}},
	},
}

func atkPick[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }

func atkChance(rng *rand.Rand, percent int) bool { return rng.IntN(100) < percent }

// atkSubset returns 1..max distinct entries of xs.
func atkSubset(rng *rand.Rand, xs []string, max int) []any {
	n := 1 + rng.IntN(min(max, len(xs)))
	out := []any{}
	for _, i := range rng.Perm(len(xs))[:n] {
		out = append(out, xs[i])
	}
	return out
}

func genGrantSet(rng *rand.Rand, union bool) *grantSet {
	g := &grantSet{roles: []map[string]map[string]any{genRole(rng)}}
	if union {
		g.roles = append(g.roles, genRole(rng))
	}
	return g
}

func genRole(rng *rand.Rand) map[string]map[string]any {
	role := map[string]map[string]any{}
	for _, coll := range []string{"posts", "users"} {
		actions := []string{"list", "get", "create", "update", "destroy", "updateOrCreate", "firstOrCreate"}
		if coll == "users" {
			actions = append(actions, "listExcludeRole")
		}
		for _, action := range actions {
			if atkChance(rng, 20) {
				continue
			}
			role[coll+":"+action] = genParams(rng, coll, action)
		}
	}
	for _, coll := range []string{"comments", "tags"} {
		for _, action := range []string{"list", "get"} {
			if atkChance(rng, 40) {
				p := map[string]any{}
				if atkChance(rng, 60) {
					p["fields"] = atkSubset(rng, atkColumns[coll], 3)
				}
				role[coll+":"+action] = p
			}
		}
	}
	return role
}

func genParams(rng *rand.Rand, coll, action string) map[string]any {
	p := map[string]any{}
	cols, rels := atkColumns[coll], atkRelations[coll]
	switch action {
	case "list", "get", "listExcludeRole":
		if atkChance(rng, 55) {
			p["fields"] = atkSubset(rng, append(append([]string{}, cols...), rels...), 6)
		}
		if atkChance(rng, 35) {
			if atkChance(rng, 25) {
				p["appends"] = []any{}
			} else {
				p["appends"] = atkSubset(rng, rels, 2)
			}
		}
	case "create", "update", "updateOrCreate", "firstOrCreate":
		if atkChance(rng, 55) {
			p["fields"] = atkSubset(rng, cols[1:], 5)
		}
		if atkChance(rng, 25) {
			p["blacklist"] = atkSubset(rng, cols[1:], 3)
		}
	}
	if action == "create" {
		return p
	}
	switch n := rng.IntN(100); {
	case n < 40:
		p["own"] = true
	case n < 65:
		p["filter"] = atkClone(atkPick(rng, atkGrantFilters[coll]))
	}
	return p
}

// attackReq is one hostile request and what the oracle needs to know of it.
type attackReq struct {
	kind   string
	coll   string
	action string
	method string
	target string
	body   string
	key    string // filterByTk, "" when none
	bulk   bool   // a write with neither filterByTk nor a real filter
	query  url.Values
	values map[string]any
	probe  string // a filter or sort path the request names
	nul    string // a value field holding a NUL byte
	huge   string // a value field holding an out-of-range number
	exact  string // a value field holding an int64 that must be stored exactly
}

var atkKinds = []struct {
	name   string
	weight int
	gen    func(rng *rand.Rand, req *attackReq)
}{
	{"list.fields", 5, genListFields},
	{"list.appends", 5, genListAppends},
	{"list.except", 2, genListExcept},
	{"list.filter", 7, genListFilter},
	{"list.sort", 3, genListSort},
	{"list.page", 1, genListPage},
	{"list.hugePattern", 1, genHugePattern},
	{"list.giantNumber", 1, genGiantNumber},
	{"get.fields", 3, genGetFields},
	{"get.filter", 2, genGetFilter},
	{"create", 4, genCreate},
	{"update", 4, genUpdate},
	{"update.bulk", 1, genUpdateBulk},
	{"destroy", 2, genDestroy},
	{"destroy.bulk", 1, genDestroyBulk},
	{"destroy.GET", 1, genDestroyGET},
	{"updateOrCreate", 3, genUpdateOrCreate},
	{"firstOrCreate", 1, genFirstOrCreate},
	{"listExcludeRole", 1, genListExcludeRole},
}

// atkSweep is every (collection, path, sort or filter) once, so that each
// field is sorted and filtered on whatever the random draw picks.
func atkSweep() []*attackReq {
	var out []*attackReq
	for _, coll := range []string{"posts", "users"} {
		for _, path := range atkProbePaths(coll) {
			for _, form := range []string{"sort", "filter"} {
				req := &attackReq{kind: "sweep." + form, coll: coll, action: "list", method: "GET", probe: path, query: url.Values{}}
				if form == "sort" {
					req.query.Set("sort", "-"+path)
				} else {
					atkSetFilter(req.query, map[string]any{path: map[string]any{"$ne": "x"}})
				}
				req.build()
				out = append(out, req)
			}
		}
	}
	return out
}

func genAttack(rng *rand.Rand, g *grantSet) *attackReq {
	total := 0
	for _, k := range atkKinds {
		total += k.weight
	}
	n := rng.IntN(total)
	for _, k := range atkKinds {
		if n -= k.weight; n < 0 {
			req := &attackReq{kind: k.name, coll: atkPick(rng, []string{"posts", "users"}), query: url.Values{}}
			k.gen(rng, req)
			req.build()
			return req
		}
	}
	panic("unreachable")
}

// build writes method, target and body from the request's parts, in
// NocoBase's URL grammar (/api/posts/1 where a method implies the action).
func (req *attackReq) build() {
	path := "/api/" + req.coll
	byPath := req.method == "GET" && req.action == "get" ||
		(req.method == "PUT" || req.method == "PATCH") && req.action == "update" ||
		req.method == "DELETE" && req.action == "destroy"
	switch {
	case req.key != "" && byPath:
		path += "/" + req.key
	case req.action == "list" && req.method == "GET", req.action == "create" && req.method == "POST":
	default:
		if req.key != "" {
			req.query.Set("filterByTk", req.key)
		}
		path += ":" + req.action
	}
	req.target = path
	if enc := req.query.Encode(); enc != "" {
		req.target += "?" + enc
	}
	if req.values != nil {
		b, _ := json.Marshal(req.values)
		req.body = string(b)
	}
}

// hostileNames are names a client may send in fields, appends, except.
func hostileNames(coll string) []string {
	names := append(append([]string{}, atkColumns[coll]...), atkRelations[coll]...)
	names = append(names, atkHidden[coll]...)
	return append(names, "nosuchfield", "", "password", "author.email", "roles.roleName")
}

// nameList encodes a list as fields=a,b or fields[]=a&fields[]=b, with
// duplicates, empties and, sometimes, thousands of entries.
func nameList(rng *rand.Rand, q url.Values, key, coll string) {
	var names []string
	switch n := rng.IntN(100); {
	case n < 2:
		for i := 0; i < 5000; i++ {
			names = append(names, fmt.Sprintf("f%d", i))
		}
	case n < 5:
		for i := 0; i < 3000; i++ {
			names = append(names, atkColumns[coll][i%len(atkColumns[coll])])
		}
	case n < 12:
		names = []string{""}
	default:
		for _, v := range atkSubset(rng, hostileNames(coll), 4) {
			names = append(names, v.(string))
		}
		if atkChance(rng, 20) {
			names = append(names, names[0])
		}
	}
	if atkChance(rng, 30) {
		for _, n := range names {
			q.Add(key+"[]", n)
		}
		return
	}
	q.Set(key, strings.Join(names, ","))
}

func genListFields(rng *rand.Rand, req *attackReq) {
	req.action, req.method = "list", "GET"
	nameList(rng, req.query, "fields", req.coll)
}

func genListAppends(rng *rand.Rand, req *attackReq) {
	req.action, req.method = "list", "GET"
	nameList(rng, req.query, "appends", req.coll)
	if atkChance(rng, 40) {
		nameList(rng, req.query, "fields", req.coll)
	}
}

func genListExcept(rng *rand.Rand, req *attackReq) {
	req.action, req.method = "list", "GET"
	nameList(rng, req.query, "except", req.coll)
}

// atkProbePaths are filter and sort paths a client may try.
func atkProbePaths(coll string) []string {
	names := append(append([]string{}, atkColumns[coll]...), atkHidden[coll]...)
	if coll == "posts" {
		return append(names, "author.email", "author.password", "author.nickname", "comments.body", "comments.createdBy.password",
			"comments.createdBy.email", "createdBy.email", "createdBy.resetToken", "tags.name", "author.roles.roleName")
	}
	return append(names, "roles.roleName", "createdBy.email", "createdBy.password", "mainDepartment.title", "departments.title")
}

// probeFilter builds a filter naming path once, inside some wrapper.
func probeFilter(rng *rand.Rand, path string) map[string]any {
	cond := map[string]any{path: map[string]any{atkPick(rng, []string{"$eq", "$ne", "$startsWith", "$includes", "$notEmpty"}): atkPick(rng, []any{"a", "1", true})}}
	switch rng.IntN(5) {
	case 0:
		return map[string]any{"$or": []any{cond, map[string]any{"id": map[string]any{"$lt": 0}}}}
	case 1:
		return map[string]any{"$and": []any{cond}}
	case 2:
		return map[string]any{"$not": cond}
	case 3:
		return map[string]any{path + ".$startsWith": "a"}
	}
	return cond
}

// atkTwinPath names a nonexistent field in place of segment i of path, the
// first one the roles may not read.
func atkTwinPath(path string, i int) string {
	segs := strings.Split(path, ".")
	segs[i] = "zzNoSuchField"
	return strings.Join(segs, ".")
}

func atkSetFilter(q url.Values, f map[string]any) {
	b, _ := json.Marshal(f)
	q.Set("filter", string(b))
}

func genListFilter(rng *rand.Rand, req *attackReq) {
	req.action, req.method = "list", "GET"
	req.probe = atkPick(rng, atkProbePaths(req.coll))
	atkSetFilter(req.query, probeFilter(rng, req.probe))
}

func genListSort(rng *rand.Rand, req *attackReq) {
	req.action, req.method = "list", "GET"
	req.probe = atkPick(rng, atkProbePaths(req.coll))
	prefix := atkPick(rng, []string{"", "-"})
	req.query.Set("sort", prefix+req.probe)
}

func genListPage(rng *rand.Rand, req *attackReq) {
	req.action, req.method = "list", "GET"
	switch rng.IntN(3) {
	case 0:
		req.query.Set("page", "9223372036854775807")
	case 1:
		req.query.Set("pageSize", "99999999999999999999")
	default:
		req.query.Set("page", "4611686018427387904")
		req.query.Set("pageSize", "1000")
	}
}

// genHugePattern sends a pattern operator's worst case: "aa…ab" against
// the big post's 20,000 "a"s.
func genHugePattern(rng *rand.Rand, req *attackReq) {
	req.action, req.method, req.coll = "list", "GET", "posts"
	pattern := strings.Repeat("a", atkPick(rng, []int{600, 5_000, 49_000})) + "b"
	atkSetFilter(req.query, map[string]any{"body": map[string]any{atkPick(rng, []string{"$includes", "$notIncludes", "$startsWith", "$endsWith"}): pattern}})
}

func genGiantNumber(rng *rand.Rand, req *attackReq) {
	req.action, req.method, req.coll = "list", "GET", "posts"
	req.query.Set("filter", atkPick(rng, []string{`{"id":9007199254740993}`, `{"id":{"$in":[9007199254740993]}}`, `{"id":{"$eq":9007199254740993}}`}))
}

// atkPostKeys are post keys: the member's own (2x, big) and others'.
var atkPostKeys = []string{"11", "12", "21", "22", "23", "31", "33", "42", fmt.Sprint(atkBigID), "999"}

func genKey(rng *rand.Rand, coll string) string {
	if coll == "posts" {
		return atkPick(rng, atkPostKeys)
	}
	return atkPick(rng, []string{"1", "2", "3", "4", "99"})
}

func genGetFields(rng *rand.Rand, req *attackReq) {
	req.action, req.method, req.key = "get", "GET", genKey(rng, req.coll)
	nameList(rng, req.query, "fields", req.coll)
	if atkChance(rng, 50) {
		nameList(rng, req.query, "appends", req.coll)
	}
}

func genGetFilter(rng *rand.Rand, req *attackReq) {
	req.action, req.method, req.key = "get", "GET", genKey(rng, req.coll)
	req.probe = atkPick(rng, atkProbePaths(req.coll))
	atkSetFilter(req.query, probeFilter(rng, req.probe))
}

var atkUnique int

// genValues writes hostile values: columns outside any whitelist, audit
// columns, NUL bytes, huge numbers.
func genValues(rng *rand.Rand, req *attackReq, forCreate bool) {
	atkUnique++
	v := atkPostValues(rng)
	if req.coll == "users" {
		v = atkUserValues(rng)
	}
	for _, k := range atkServerColumns {
		if atkChance(rng, 35) {
			if strings.HasSuffix(k, "Id") {
				v[k] = int64(1)
			} else {
				v[k] = "2001-01-01T00:00:00Z"
			}
		}
	}
	if forCreate && atkChance(rng, 15) {
		v["id"] = int64(5000 + atkUnique)
	}
	req.values = v
	atkBadValue(rng, req)
}

func atkPostValues(rng *rand.Rand) map[string]any {
	v := map[string]any{"title": fmt.Sprintf("hostile %d", atkUnique)}
	for _, k := range []string{"body", "status", "secret"} {
		if atkChance(rng, 50) {
			v[k] = "x" + k
		}
	}
	if atkChance(rng, 40) {
		v["authorId"] = int64(1)
	}
	if atkChance(rng, 40) {
		v["views"] = int64(7)
	}
	return v
}

func atkUserValues(rng *rand.Rand) map[string]any {
	v := map[string]any{"nickname": fmt.Sprintf("hostile %d", atkUnique)}
	optional := map[string]any{
		"email":      fmt.Sprintf("h%d@evil.test", atkUnique),
		"enabled":    false,
		"resetToken": fmt.Sprintf("evil-%d", atkUnique),
		"appLang":    "xx",
	}
	for _, k := range []string{"email", "enabled", "resetToken", "appLang"} {
		if atkChance(rng, 30) {
			v[k] = optional[k]
		}
	}
	return v
}

// atkBadValue sometimes puts a NUL byte, an out-of-range or a maximal
// int64 number, or an unknown field in the values.
func atkBadValue(rng *rand.Rand, req *attackReq) {
	n := rng.IntN(100)
	switch {
	case n < 8:
		req.nul = map[string]string{"posts": "title", "users": "nickname"}[req.coll]
		req.values[req.nul] = "evil\x00nul"
	case req.coll != "posts":
	case n < 13:
		req.huge = "views"
		req.values["views"] = json.Number(atkPick(rng, []string{"1e30", "99999999999999999999", "-9223372036854775809"}))
	case n < 18:
		req.exact = "views"
		req.values["views"] = json.Number("9223372036854775807")
	case n < 20:
		req.values["nosuchfield"] = "x"
	}
}

// atkWiden adds request whitelist/blacklist params that try to widen a write.
func atkWiden(rng *rand.Rand, q url.Values, coll string) {
	if atkChance(rng, 30) {
		q.Set("blacklist", atkPick(rng, []string{"title", "nickname", "id"}))
	}
	if atkChance(rng, 30) {
		q.Set("whitelist", strings.Join(atkColumns[coll], ","))
	}
}

func genCreate(rng *rand.Rand, req *attackReq) {
	req.action, req.method = "create", "POST"
	genValues(rng, req, true)
	atkWiden(rng, req.query, req.coll)
}

func genUpdate(rng *rand.Rand, req *attackReq) {
	req.action, req.method, req.key = "update", atkPick(rng, []string{"PUT", "PATCH", "POST"}), genKey(rng, req.coll)
	genValues(rng, req, false)
	atkWiden(rng, req.query, req.coll)
}

func genUpdateBulk(rng *rand.Rand, req *attackReq) {
	req.action, req.method, req.bulk = "update", "POST", true
	genValues(rng, req, false)
	if atkChance(rng, 50) {
		req.query.Set("filter", "{}")
	}
}

func genDestroy(rng *rand.Rand, req *attackReq) {
	req.action, req.method, req.key = "destroy", atkPick(rng, []string{"DELETE", "POST"}), genKey(rng, req.coll)
}

func genDestroyBulk(rng *rand.Rand, req *attackReq) {
	req.action, req.method, req.bulk = "destroy", "POST", true
	if atkChance(rng, 50) {
		req.query.Set("filter", "{}")
	}
}

func genDestroyGET(rng *rand.Rand, req *attackReq) {
	req.action, req.method, req.key = "destroy", "GET", genKey(rng, req.coll)
}

func genUpdateOrCreate(rng *rand.Rand, req *attackReq) {
	req.action, req.method = "updateOrCreate", "POST"
	genValues(rng, req, true)
	key := "title"
	if req.coll == "users" {
		key = "nickname"
	}
	if atkChance(rng, 50) {
		// match an existing row of someone else's
		if req.coll == "posts" {
			req.values["title"] = "title " + atkPick(rng, atkPostKeys[:8])
		} else {
			req.values["nickname"] = atkPick(rng, []string{"root", "alice", "bob", "carol"})
		}
	}
	req.query.Set("filterKeys", key)
	atkWiden(rng, req.query, req.coll)
}

func genFirstOrCreate(rng *rand.Rand, req *attackReq) {
	genUpdateOrCreate(rng, req)
	req.action = "firstOrCreate"
}

func genListExcludeRole(rng *rand.Rand, req *attackReq) {
	req.action, req.method, req.coll = "listExcludeRole", "GET", "users"
	req.query.Set("roleName", atkPick(rng, []string{"root", "member"}))
	if atkChance(rng, 60) {
		nameList(rng, req.query, "fields", "users")
	}
}

// atkClone deep-copies a JSON-shaped value.
func atkClone(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = atkClone(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = atkClone(e)
		}
		return out
	}
	return v
}
