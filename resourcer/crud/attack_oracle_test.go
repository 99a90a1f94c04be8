package crud_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The oracle: what a grant allows, computed from the grant alone, and the
// checks every response and every write must pass.

// grantsFor returns the params of every role granting coll:action.
func (g *grantSet) grantsFor(coll, action string) []map[string]any {
	var out []map[string]any
	for _, role := range g.roles {
		if p, ok := role[coll+":"+action]; ok {
			if p == nil {
				p = map[string]any{}
			}
			out = append(out, p)
		}
	}
	return out
}

// grantNames reads a params list; ok reports whether the key is present.
func grantNames(p map[string]any, key string) ([]string, bool) {
	v, ok := p[key]
	if !ok || v == nil {
		return nil, false
	}
	var out []string
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			out = append(out, fmt.Sprint(e))
		}
	case []string:
		out = x
	case string:
		out = strings.Split(x, ",")
	}
	return out, true
}

func atkSet(xs ...[]string) map[string]bool {
	out := map[string]bool{}
	for _, l := range xs {
		for _, x := range l {
			out[x] = true
		}
	}
	return out
}

func atkKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// readable is the acl → router contract: what the roles may read of a
// collection through their list and get grants. The key "id" is always
// readable: crud's documented choice (readable.go), since filterByTk and
// the foreign keys of appended associations expose it anyway.
func (g *grantSet) readable(coll string) map[string]bool {
	out := map[string]bool{"id": true}
	for _, action := range []string{"list", "get"} {
		for _, p := range g.grantsFor(coll, action) {
			fields, limited := grantNames(p, "fields")
			if !limited {
				fields = append(append([]string{}, atkColumns[coll]...), atkRelations[coll]...)
			}
			appends, _ := grantNames(p, "appends")
			for k := range atkSet(fields, appends) {
				out[k] = true
			}
		}
	}
	return out
}

// outputKeys is what a record of coll returned by action may hold: the
// grant's fields and appends, or every field and (within its appends) every
// association when the grant does not limit fields.
func (g *grantSet) outputKeys(coll, action string) map[string]bool {
	out := map[string]bool{}
	for _, p := range g.grantsFor(coll, action) {
		fields, limited := grantNames(p, "fields")
		appends, bounded := grantNames(p, "appends")
		if !limited {
			fields = atkColumns[coll]
			if !bounded {
				appends = atkRelations[coll]
			}
		}
		for k := range atkSet(fields, appends) {
			out[k] = true
		}
	}
	return out
}

// grantFields is the fields limit of action across the roles (with the
// associations their appends allow): nil when some role does not limit
// fields.
func (g *grantSet) grantFields(coll, action string) map[string]bool {
	grants := g.grantsFor(coll, action)
	out := map[string]bool{}
	for _, p := range grants {
		fields, limited := grantNames(p, "fields")
		if !limited {
			return nil
		}
		appends, _ := grantNames(p, "appends")
		for f := range atkSet(fields, appends) {
			out[f] = true
		}
	}
	return out
}

// writable is the columns action may write: each role's whitelist (its
// fields) minus its blacklist, united over the roles; audit columns never.
func (g *grantSet) writable(coll, action string) map[string]bool {
	out := map[string]bool{}
	for _, p := range g.grantsFor(coll, action) {
		cols := append(append([]string{}, atkColumns[coll]...), atkHidden[coll]...)
		if wl, ok := grantNames(p, "fields"); ok {
			cols = slices.DeleteFunc(cols, func(c string) bool { return !slices.Contains(wl, c) })
		}
		if wl, ok := grantNames(p, "whitelist"); ok {
			cols = slices.DeleteFunc(cols, func(c string) bool { return !slices.Contains(wl, c) })
		}
		bl, _ := grantNames(p, "blacklist")
		for _, c := range cols {
			if !slices.Contains(bl, c) && !slices.Contains(atkServerColumns, c) {
				out[c] = true
			}
		}
	}
	return out
}

// inScope reports whether a row is in action's data scope; known is false
// when a grant filter is beyond the oracle's evaluator.
func (g *grantSet) inScope(coll, action string, row map[string]any) (in, known bool) {
	known = true
	for _, p := range g.grantsFor(coll, action) {
		ok, k := atkRoleScope(p, row)
		known = known && k
		if ok {
			in = true
		}
	}
	if coll == "users" && action == "destroy" && fmt.Sprint(row["id"]) == "1" {
		in = false // users.ACLPresets: the root user cannot be destroyed
	}
	return in, known
}

func atkRoleScope(p map[string]any, row map[string]any) (bool, bool) {
	if atkTruthy(p["own"]) && fmt.Sprint(row["createdById"]) != strconv.Itoa(atkMember) {
		return false, true
	}
	if f, ok := p["filter"]; ok && f != nil {
		return atkEvalFilter(f, row)
	}
	return true, true
}

func atkTruthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case string:
		return x != ""
	case float64:
		return x != 0
	}
	return true
}

// atkEvalFilter evaluates the filters the generator grants (and what a fuzzed
// grant may hold); ok=false means it cannot tell.
func atkEvalFilter(f any, row map[string]any) (result, ok bool) {
	m, isMap := f.(map[string]any)
	if !isMap {
		return false, false
	}
	result = true
	for k, v := range m {
		r, known := atkEvalEntry(k, v, row)
		if !known {
			return false, false
		}
		result = result && r
	}
	return result, true
}

func atkEvalEntry(k string, v any, row map[string]any) (bool, bool) {
	switch k {
	case "$and", "$or":
		list, ok := v.([]any)
		if !ok {
			return false, false
		}
		res := k == "$and"
		for _, e := range list {
			r, known := atkEvalFilter(e, row)
			if !known {
				return false, false
			}
			if k == "$and" {
				res = res && r
			} else {
				res = res || r
			}
		}
		return res, true
	case "$not":
		r, known := atkEvalFilter(v, row)
		return !r, known
	}
	field, op, _ := strings.Cut(k, ".")
	if _, isCol := row[field]; !isCol || strings.Contains(op, ".") {
		return false, false
	}
	if op != "" {
		return atkEvalOp(op, row[field], v)
	}
	if ops, isMap := v.(map[string]any); isMap {
		res := true
		for o, arg := range ops {
			r, known := atkEvalOp(o, row[field], arg)
			if !known {
				return false, false
			}
			res = res && r
		}
		return res, true
	}
	return atkEvalOp("$eq", row[field], v)
}

func atkEvalOp(op string, have, arg any) (bool, bool) {
	if s, ok := arg.(string); ok && strings.Contains(s, "{{") {
		if !strings.Contains(s, "currentUser.id") {
			return false, false
		}
		arg = strconv.Itoa(atkMember)
	}
	if have == nil {
		return false, op != "$ne" && op != "$notEmpty" && op != "$empty"
	}
	hs, as := fmt.Sprint(have), fmt.Sprint(arg)
	if cmp, isNum := atkNumericOps[op]; isNum {
		hn, herr := strconv.ParseFloat(hs, 64)
		an, aerr := strconv.ParseFloat(as, 64)
		return herr == nil && aerr == nil && cmp(hn, an), herr == nil && aerr == nil
	}
	if match, isStr := atkStringOps[op]; isStr {
		return match(hs, as), true
	}
	if op != "$in" {
		return false, false
	}
	list, ok := arg.([]any)
	if !ok {
		return false, false
	}
	return slices.ContainsFunc(list, func(e any) bool { return atkEqual(hs, fmt.Sprint(e)) }), true
}

// atkEqual compares a stored value with a filter's, numbers by value.
func atkEqual(have, arg string) bool {
	hn, herr := strconv.ParseFloat(have, 64)
	an, aerr := strconv.ParseFloat(arg, 64)
	return have == arg || herr == nil && aerr == nil && hn == an
}

var atkNumericOps = map[string]func(have, arg float64) bool{
	"$gt":  func(h, a float64) bool { return h > a },
	"$lt":  func(h, a float64) bool { return h < a },
	"$gte": func(h, a float64) bool { return h >= a },
	"$lte": func(h, a float64) bool { return h <= a },
}

var atkStringOps = map[string]func(have, arg string) bool{
	"$eq":         func(h, a string) bool { return atkEqual(h, a) },
	"$ne":         func(h, a string) bool { return !atkEqual(h, a) },
	"$includes":   func(h, a string) bool { return strings.Contains(strings.ToLower(h), strings.ToLower(a)) },
	"$startsWith": func(h, a string) bool { return strings.HasPrefix(strings.ToLower(h), strings.ToLower(a)) },
}

// pathReadable walks a filter or sort path; it returns -1 when the roles
// may read every segment, else the index of the first they may not.
func (g *grantSet) pathReadable(coll, path string) int {
	segs := strings.Split(path, ".")
	for i, seg := range segs {
		if strings.HasPrefix(seg, "$") {
			return -1 // an operator ends the path
		}
		r := g.readable(coll)
		if !r[seg] || slices.Contains(atkHidden[coll], seg) {
			return i
		}
		target, isRel := atkTarget[coll+"."+seg]
		if !isRel {
			if i == len(segs)-1 || strings.HasPrefix(segs[i+1], "$") {
				return -1
			}
			return i + 1
		}
		coll = target
	}
	return -1
}

// atkTarget maps an association to its target collection.
var atkTarget = map[string]string{
	"posts.author": "users", "posts.comments": "comments", "posts.tags": "tags",
	"posts.createdBy": "users", "posts.updatedBy": "users",
	"users.mainDepartment": "departments", "users.departments": "departments", "users.roles": "rolesUsers",
	"users.createdBy": "users", "users.updatedBy": "users",
	"comments.createdBy": "users", "comments.updatedBy": "users",
}

// check runs one request and every invariant that applies to it.
func (run *attackRun) check(g *grantSet, req *attackReq) {
	run.cases++
	run.counts[req.kind]++
	if len(g.roles) > 1 && req.action == "list" {
		run.counts["union.list"]++
	}
	rep := run.fx.do(req, len(g.roles))
	run.slowest = max(run.slowest, rep.Elapsed)
	run.spent[req.kind] += rep.Elapsed
	fail := func(class, format string, args ...any) {
		run.fail(class, g, req, fmt.Sprintf("%d %s: ", rep.Status, abbreviate(rep.Raw, 200))+fmt.Sprintf(format, args...))
	}
	if rep.Status >= 500 {
		fail("no-5xx", "server error")
	}
	if rep.Elapsed > 2*time.Second {
		fail("bounded-work", "took %v", rep.Elapsed)
	}
	ok := rep.Status >= 200 && rep.Status < 300
	if ok && len(g.grantsFor(req.coll, req.action)) == 0 {
		fail("ungranted-action-ran", "no role may %s %s", req.action, req.coll)
	}
	switch req.action {
	case "create", "update", "destroy", "updateOrCreate", "firstOrCreate":
		run.checkWrite(g, req, rep, fail)
	default:
		run.checkRead(g, req, rep, fail)
	}
}

// atkRefused is an answer that tells nothing of the data: a 4xx other than
// 404 (a 404 says the row did not match).
func atkRefused(status int) bool {
	return status >= 400 && status < 500 && status != 404
}

type atkFailFunc func(class, format string, args ...any)

func (run *attackRun) checkRead(g *grantSet, req *attackReq, rep atkReply, fail atkFailFunc) {
	ok := rep.Status >= 200 && rep.Status < 300
	if req.probe != "" {
		run.checkProbe(g, req, rep, fail)
	}
	switch req.kind {
	case "list.page":
		if ok {
			fail("page-overflow-400", "page/pageSize overflow answered")
		}
	case "list.hugePattern":
		if rep.Elapsed > time.Second {
			fail("pattern-bounded", "a pattern against 20,000 characters took %v", rep.Elapsed)
		}
	case "list.giantNumber":
		run.checkGiantNumber(rep, fail)
	}
	run.checkEmptyIntersection(g, req, rep, fail)
	if !ok {
		return
	}
	var recs []any
	switch d := rep.Data.(type) {
	case []any:
		recs = d
	case map[string]any:
		recs = []any{d}
	}
	allowed := g.outputKeys(req.coll, req.action)
	for _, rec := range recs {
		m, isMap := rec.(map[string]any)
		if !isMap {
			fail("record-shape", "record %v is no object", rec)
			continue
		}
		run.checkRecord(g, req.coll, m, allowed, fail)
		run.checkRowScope(g, req, m, fail)
	}
	if c, has := rep.Meta["count"]; has {
		n, _ := strconv.Atoi(fmt.Sprint(c))
		if scope := run.scopeSize(g, req); n > scope {
			fail("row-scope", "meta.count %d > %d rows in scope", n, scope)
		}
	}
}

// checkEmptyIntersection: request fields that meet the grant's in nothing
// are refused, never read as "no limit".
func (run *attackRun) checkEmptyIntersection(g *grantSet, req *attackReq, rep atkReply, fail atkFailFunc) {
	limit := g.grantFields(req.coll, req.action)
	asked := atkRequestNames(req.query, "fields")
	if limit == nil || len(g.grantsFor(req.coll, req.action)) == 0 || len(asked) == 0 {
		return
	}
	if slices.ContainsFunc(asked, func(n string) bool { return strings.Contains(n, ".") || limit[n] }) {
		return // an association path is the acl's to read; a shared field is no empty intersection
	}
	if !atkRefused(rep.Status) {
		fail("empty-intersection-403", "fields %s meet the grant's %v in nothing", abbreviate(strings.Join(asked, ","), 60), atkKeys(limit))
	}
}

// atkRequestNames reads fields=a,b or fields[]=a as the client sent them,
// empty names dropped.
func atkRequestNames(q url.Values, key string) []string {
	var out []string
	for _, v := range append(q[key], q[key+"[]"]...) {
		for _, n := range strings.Split(v, ",") {
			if n != "" {
				out = append(out, n)
			}
		}
	}
	return out
}

// checkRecord: only keys the grant allows, appended records only what the
// role may read of the target, hidden fields never.
func (run *attackRun) checkRecord(g *grantSet, coll string, rec map[string]any, allowed map[string]bool, fail atkFailFunc) {
	for k, v := range rec {
		if slices.Contains(atkHidden[coll], k) {
			fail("hidden-leak", "%s.%s returned", coll, k)
			continue
		}
		if !allowed[k] {
			fail("column-scope", "%s.%s returned; the grant allows %v", coll, k, atkKeys(allowed))
			continue
		}
		target, isRel := atkTarget[coll+"."+k]
		if !isRel || v == nil {
			continue
		}
		items, isList := v.([]any)
		if !isList {
			items = []any{v}
		}
		readable := g.readable(target)
		for _, it := range items {
			m, _ := it.(map[string]any)
			for ik := range m {
				if slices.Contains(atkHidden[target], ik) {
					fail("hidden-leak", "appended %s.%s (%s) returned", coll, k, ik)
				} else if !readable[ik] {
					fail("append-scope", "appended %s.%s has %s; the role may read of %s only %v", coll, k, ik, target, atkKeys(readable))
				}
			}
		}
	}
}

// checkRowScope: some row in scope must agree with every scalar the record
// shows (exactly the one with its id when the id is shown).
func (run *attackRun) checkRowScope(g *grantSet, req *attackReq, rec map[string]any, fail atkFailFunc) {
	for _, row := range run.seed[req.coll] {
		if !atkRecordMatches(rec, row) {
			continue
		}
		in, known := g.inScope(req.coll, req.action, row)
		if !known || in && run.excludeRoleScope(req, row) {
			return
		}
	}
	b, _ := json.Marshal(rec)
	fail("row-scope", "record %s matches no row in scope", abbreviate(string(b), 200))
}

// excludeRoleScope is listExcludeRole's own condition: no membership of roleName.
func (run *attackRun) excludeRoleScope(req *attackReq, row map[string]any) bool {
	if req.action != "listExcludeRole" {
		return true
	}
	for _, m := range run.seed["rolesUsers"] {
		if fmt.Sprint(m["userId"]) == fmt.Sprint(row["id"]) && m["roleName"] == req.query.Get("roleName") {
			return false
		}
	}
	return true
}

func atkRecordMatches(rec, row map[string]any) bool {
	for k, v := range rec {
		have, isCol := row[k]
		if !isCol {
			continue
		}
		switch have.(type) {
		case string, int64:
		default:
			continue
		}
		switch v.(type) {
		case string, json.Number:
		default:
			continue
		}
		if k == "createdAt" || k == "updatedAt" {
			continue
		}
		if fmt.Sprint(v) != fmt.Sprint(have) {
			return false
		}
	}
	return true
}

func (run *attackRun) scopeSize(g *grantSet, req *attackReq) int {
	n := 0
	for _, row := range run.seed[req.coll] {
		in, known := g.inScope(req.coll, req.action, row)
		if !known {
			return len(run.seed[req.coll])
		}
		if in && run.excludeRoleScope(req, row) {
			n++
		}
	}
	return n
}

// checkProbe: a filter or sort on a path the roles may not read is a 4xx,
// and the same 4xx as for a field that does not exist.
func (run *attackRun) checkProbe(g *grantSet, req *attackReq, rep atkReply, fail atkFailFunc) {
	bad := g.pathReadable(req.coll, req.probe)
	if bad < 0 {
		return
	}
	if !atkRefused(rep.Status) {
		fail("filter-sort-scope", "%s names %s, which the role may not read", req.kind, req.probe)
		return
	}
	if run.noTwin {
		return
	}
	twin := &attackReq{kind: req.kind, coll: req.coll, action: req.action, method: req.method, key: req.key, query: url.Values{}}
	unknown := atkTwinPath(req.probe, bad)
	for k, vs := range req.query {
		for _, v := range vs {
			if k == "filter" || k == "sort" {
				v = strings.ReplaceAll(v, `"`+req.probe, `"`+unknown)
				if strings.TrimPrefix(v, "-") == req.probe {
					v = strings.Replace(v, req.probe, unknown, 1)
				}
			}
			twin.query.Add(k, v)
		}
	}
	if k := twin.query.Get("filterByTk"); k != "" {
		twin.key = k
		twin.query.Del("filterByTk")
	}
	twin.build()
	other := run.fx.do(twin, len(g.roles))
	if other.Status != rep.Status {
		fail("unreadable-as-unknown", "%s answered %d; the unknown %s answers %d %s", req.probe, rep.Status, unknown, other.Status, abbreviate(other.Raw, 120))
		return
	}
	segs := strings.Split(req.probe, ".")
	mine := strings.NewReplacer(req.probe, "PATH", segs[bad], "NAME")
	theirs := strings.NewReplacer(unknown, "PATH", "zzNoSuchField", "NAME")
	if a, b := mine.Replace(rep.Message), theirs.Replace(other.Message); a != b {
		fail("unreadable-as-unknown", "message %q differs from the unknown field's %q", rep.Message, other.Message)
	}
}

func (run *attackRun) checkGiantNumber(rep atkReply, fail atkFailFunc) {
	list, _ := rep.Data.([]any)
	for _, rec := range list {
		m, _ := rec.(map[string]any)
		if id, has := m["id"]; has && fmt.Sprint(id) != "9007199254740993" {
			fail("number-precision", "filter id 9007199254740993 returned id %v", id)
		}
	}
	if c, has := rep.Meta["count"]; has && fmt.Sprint(c) != "0" {
		fail("number-precision", "filter id 9007199254740993 counted %v rows", c)
	}
}
