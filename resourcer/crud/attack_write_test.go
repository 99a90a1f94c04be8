package crud_test

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// The write half of the oracle: a snapshot of every table after each write,
// compared with the seed.

// atkDefaults are the values a column takes on insert when nobody writes it.
var atkDefaults = map[string]string{"users.enabled": "1"}

func atkZero(v any) bool {
	s := fmt.Sprint(v)
	return v == nil || s == "" || s == "0" || s == "null" || s == "{}"
}

func (run *attackRun) checkWrite(g *grantSet, req *attackReq, rep atkReply, fail atkFailFunc) {
	ok := rep.Status >= 200 && rep.Status < 300
	writable := g.writable(req.coll, req.action)
	run.checkWriteStatus(g, req, rep, writable, fail)
	if ok && (req.action != "destroy") {
		run.checkWriteResponse(g, req, rep, fail)
	}
	after := run.fx.snapshot(run.t, req.coll)
	counts := run.fx.counts(run.t)
	othersKept := true
	for i, table := range atkTables {
		othersKept = othersKept && (table == req.coll || counts[i] == run.counts0[i])
	}
	if othersKept && after.equal(atkSnapshot{req.coll: run.seed[req.coll]}) {
		return
	}
	if !ok {
		fail("failed-request-wrote", "the tables changed")
	}
	if othersKept {
		run.diffTable(g, req, after, writable, fail)
		run.fx.reseed(run.t, req.coll)
		return
	}
	after = run.fx.snapshot(run.t)
	run.diffTable(g, req, after, writable, fail)
	for _, table := range atkTables {
		if table != req.coll && !(atkSnapshot{table: run.seed[table]}).equal(atkSnapshot{table: after[table]}) {
			fail("write-scope", "%s:%s changed table %s", req.coll, req.action, table)
		}
	}
	run.fx.seed(run.t)
}

// checkWriteStatus: the answers a write must give whatever the tables say.
func (run *attackRun) checkWriteStatus(g *grantSet, req *attackReq, rep atkReply, writable map[string]bool, fail atkFailFunc) {
	ok := rep.Status >= 200 && rep.Status < 300
	if req.method == "GET" && rep.Status != 405 {
		fail("state-changing-GET-405", "GET ran %s", req.action)
	}
	if req.bulk && ok {
		fail("bulk-needs-filter", "%s without filterByTk or a filter ran", req.action)
	}
	if !ok || len(g.grantsFor(req.coll, req.action)) == 0 {
		return
	}
	asked := req.narrowed(writable)
	if v, _ := req.values[req.nul].(string); strings.ContainsRune(v, 0) && asked[req.nul] {
		fail("nul-400", "a NUL byte in values.%s was accepted", req.nul)
	}
	if req.huge != "" && asked[req.huge] {
		fail("number-range-400", "values.%s=%v was accepted", req.huge, req.values[req.huge])
	}
}

// narrowed is what the request itself lets a write touch of writable: its
// own whitelist and blacklist may only narrow.
func (req *attackReq) narrowed(writable map[string]bool) map[string]bool {
	wl := atkRequestNames(req.query, "whitelist")
	bl := atkRequestNames(req.query, "blacklist")
	out := map[string]bool{}
	for c := range writable {
		if (len(wl) == 0 || slices.Contains(wl, c)) && !slices.Contains(bl, c) {
			out[c] = true
		}
	}
	return out
}

func (run *attackRun) diffTable(g *grantSet, req *attackReq, after atkSnapshot, writable map[string]bool, fail atkFailFunc) {
	before, now := run.seed[req.coll], after[req.coll]
	for key, row := range before {
		if _, kept := now[key]; kept {
			continue
		}
		in, known := g.inScope(req.coll, "destroy", row)
		switch {
		case req.action != "destroy":
			fail("write-scope", "%s deleted %s %s", req.action, req.coll, key)
		case known && !in:
			fail("row-scope", "destroy deleted %s %s outside the grant's scope", req.coll, key)
		case req.key != "" && key != req.key:
			fail("row-scope", "destroy of %s deleted %s", req.key, key)
		}
	}
	for key, row := range now {
		old, existed := before[key]
		switch {
		case !existed && req.action != "create" && req.action != "updateOrCreate" && req.action != "firstOrCreate":
			fail("write-scope", "%s inserted %s %s", req.action, req.coll, key)
		case !existed:
			run.checkNewRow(req, row, writable, fail)
		case !atkRowEqual(old, row):
			run.checkChangedRow(g, req, key, old, row, writable, fail)
		}
	}
}

func (run *attackRun) checkNewRow(req *attackReq, row map[string]any, writable map[string]bool, fail atkFailFunc) {
	for _, c := range []string{"createdById", "updatedById"} {
		if fmt.Sprint(row[c]) != strconv.Itoa(atkMember) {
			fail("audit-server-owned", "new %s has %s=%v, not the current user %d", req.coll, c, row[c], atkMember)
		}
	}
	for _, c := range []string{"createdAt", "updatedAt"} {
		if _, has := row[c]; has && strings.Contains(fmt.Sprint(row[c]), "2001") {
			fail("audit-server-owned", "new %s took the client's %s %v", req.coll, c, row[c])
		}
	}
	for c, v := range row {
		if c == "id" || writable[c] || slices.Contains(atkServerColumns, c) || c == "passwordChangeTz" {
			continue
		}
		def, hasDef := atkDefaults[req.coll+"."+c]
		if hasDef && fmt.Sprint(v) != def || !hasDef && !atkZero(v) {
			fail("write-whitelist", "new %s has %s=%v, which the grant does not let the role write (writable %v)", req.coll, c, v, atkKeys(writable))
		}
	}
	if req.exact != "" && req.narrowed(writable)[req.exact] && fmt.Sprint(row[req.exact]) != "9223372036854775807" {
		fail("number-precision", "values.%s 9223372036854775807 stored as %v", req.exact, row[req.exact])
	}
}

func (run *attackRun) checkChangedRow(g *grantSet, req *attackReq, key string, old, row map[string]any, writable map[string]bool, fail atkFailFunc) {
	if req.action != "update" && req.action != "updateOrCreate" {
		fail("write-scope", "%s changed %s %s", req.action, req.coll, key)
		return
	}
	if in, known := g.inScope(req.coll, req.action, old); known && !in {
		fail("row-scope", "%s changed %s %s outside the grant's scope", req.action, req.coll, key)
	}
	if req.key != "" && key != req.key {
		fail("row-scope", "%s of %s changed %s", req.action, req.key, key)
	}
	dataChanged := run.checkChangedColumns(req, old, row, writable, fail)
	if dataChanged && fmt.Sprint(row["updatedById"]) != strconv.Itoa(atkMember) {
		fail("audit-server-owned", "%s changed %s %s but left updatedById=%v", req.action, req.coll, key, row["updatedById"])
	}
	if dataChanged && fmt.Sprint(row["updatedAt"]) == fmt.Sprint(old["updatedAt"]) {
		fail("audit-timestamps", "%s changed %s %s but not updatedAt", req.action, req.coll, key)
	}
	if req.exact != "" && req.narrowed(writable)[req.exact] && fmt.Sprint(row[req.exact]) != "9223372036854775807" {
		fail("number-precision", "values.%s 9223372036854775807 stored as %v", req.exact, row[req.exact])
	}
}

// checkChangedColumns checks each column an update changed and reports
// whether a client's column (not an audit one) changed.
func (run *attackRun) checkChangedColumns(req *attackReq, old, row map[string]any, writable map[string]bool, fail atkFailFunc) bool {
	dataChanged := false
	for c, v := range row {
		if fmt.Sprint(v) == fmt.Sprint(old[c]) {
			continue
		}
		switch c {
		case "createdAt", "createdById":
			fail("audit-server-owned", "%s changed %s.%s from %v to %v", req.action, req.coll, c, old[c], v)
		case "updatedById":
			if fmt.Sprint(v) != strconv.Itoa(atkMember) {
				fail("audit-server-owned", "%s set %s.updatedById=%v, not the current user", req.action, req.coll, v)
			}
		case "updatedAt", "passwordChangeTz":
		default:
			dataChanged = true
			if !writable[c] {
				fail("write-whitelist", "%s changed %s.%s to %v; writable %v", req.action, req.coll, c, v, atkKeys(writable))
			}
		}
	}
	return dataChanged
}

// checkWriteResponse: the records a write returns show only what the roles
// may read of the collection (and the key of the row written).
func (run *attackRun) checkWriteResponse(g *grantSet, req *attackReq, rep atkReply, fail atkFailFunc) {
	var recs []any
	switch d := rep.Data.(type) {
	case []any:
		recs = d
	case map[string]any:
		recs = []any{d}
	}
	readable := g.readable(req.coll)
	for _, rec := range recs {
		m, _ := rec.(map[string]any)
		for k := range m {
			if slices.Contains(atkHidden[req.coll], k) {
				fail("hidden-leak", "%s returned %s.%s", req.action, req.coll, k)
			} else if k != "id" && !readable[k] {
				fail("write-response-scope", "%s returned %s.%s; the role may read %v", req.action, req.coll, k, atkKeys(readable))
			}
		}
	}
}
