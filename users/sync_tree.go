package users

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/schema"

	"github.com/gatehouse-dev/gatehouse/datasync"
)

// departmentsResource is the departments resource's name: its links'
// "resource" column and its toposort tag.
const departmentsResource = "departments"

// parentRef is where a department record's parentUid points: nowhere (uid
// ""), at a department that existed before the run (pk), or at one this
// run creates or re-creates (pending: its key is known only once it
// exists).
type parentRef struct {
	uid     string
	pk      int64
	pending bool
}

// parentResolver resolves the parentUids of one chunk as the plan sees
// them. A parent linked during this run (Link.New) counts as pending, not
// existing, so that a dry run, where nothing was created, plans the same.
type parentResolver struct {
	batch  *datasync.Batch
	links  map[string]datasync.Link
	exists map[int64]bool
}

func newParentResolver(ctx context.Context, db bun.IDB, s *deptSchema, b *datasync.Batch, uids []string) (*parentResolver, error) {
	links, err := b.LookupLinks(ctx, datasync.DataTypeDepartment, departmentsResource, uids)
	if err != nil {
		return nil, err
	}
	var pks []int64
	for _, l := range links {
		if pk, ok := parsePK(l.ResourcePk); ok && !l.New {
			pks = append(pks, pk)
		}
	}
	exists, err := existingDepartments(ctx, db, s, pks)
	if err != nil {
		return nil, err
	}
	return &parentResolver{batch: b, links: links, exists: exists}, nil
}

// resolve follows NocoBase: a parentUid that is neither synced nor part of
// this run ('0' for a root, a parent not synced yet) means no parent.
func (p *parentResolver) resolve(uid string) parentRef {
	if uid == "" {
		return parentRef{}
	}
	if l, ok := p.links[uid]; ok && !l.New {
		if pk, ok := parsePK(l.ResourcePk); ok && p.exists[pk] {
			return parentRef{uid: uid, pk: pk}
		}
	}
	if p.batch.InRun(uid) {
		return parentRef{uid: uid, pending: true}
	}
	return parentRef{}
}

// resolveParentPKs returns the keys of the parent uids that exist now:
// created by this chunk (created), linked earlier in this run, or
// existing before it. The others are created by a later chunk, or never.
func resolveParentPKs(ctx context.Context, db bun.IDB, s *deptSchema, b *datasync.Batch, uids []string, created map[string]int64) (map[string]int64, error) {
	out := make(map[string]int64, len(uids))
	var ask []string
	for _, uid := range uids {
		if pk, ok := created[uid]; ok {
			out[uid] = pk
		} else {
			ask = append(ask, uid)
		}
	}
	links, err := b.LookupLinks(ctx, datasync.DataTypeDepartment, departmentsResource, ask)
	if err != nil {
		return nil, err
	}
	var pks []int64
	for _, l := range links {
		if pk, ok := parsePK(l.ResourcePk); ok {
			pks = append(pks, pk)
		}
	}
	exists, err := existingDepartments(ctx, db, s, pks)
	if err != nil {
		return nil, err
	}
	for uid, l := range links {
		// A link made before the run may point at a department that
		// vanished and that a later chunk re-creates: only a row that
		// exists is a parent.
		if pk, ok := parsePK(l.ResourcePk); ok && exists[pk] {
			out[uid] = pk
		}
	}
	return out, nil
}

func existingDepartments(ctx context.Context, db bun.IDB, s *deptSchema, pks []int64) (map[int64]bool, error) {
	out := make(map[int64]bool, len(pks))
	if len(pks) == 0 {
		return out, nil
	}
	var ids []int64
	err := db.NewSelect().TableExpr("?", s.table.SQLName).Column("id").
		Where("? IN (?)", bun.Ident("id"), bun.List(pks)).Scan(ctx, &ids)
	if err != nil {
		return nil, fmt.Errorf("users: sync departments: reading departments: %w", err)
	}
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// remainingChildren counts, for each department to delete, the
// sub-departments it keeps at the end of the run: hand-made ones and
// synced ones this run does not carry. A child that is a record of this
// run leaves (Prepare refused a record that names a deleted parent): it is
// deleted or moved, in this chunk or another, whatever the order.
func remainingChildren(ctx context.Context, db bun.IDB, s *deptSchema, b *datasync.Batch, pks []int64) (map[int64]int, error) {
	out := map[int64]int{}
	if len(pks) == 0 {
		return out, nil
	}
	var rows []struct {
		ID       int64 `bun:"id"`
		ParentID int64 `bun:"parentId"`
	}
	err := db.NewSelect().TableExpr("?", s.table.SQLName).Column("id", "parentId").
		Where("? IN (?)", bun.Ident("parentId"), bun.List(pks)).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("users: sync departments: reading sub-departments: %w", err)
	}
	keys := make([]string, len(rows))
	for i, row := range rows {
		keys[i] = strconv.FormatInt(row.ID, 10)
	}
	uids, err := b.LookupUIDs(ctx, datasync.DataTypeDepartment, departmentsResource, keys)
	if err != nil {
		return nil, err
	}
	for i, row := range rows {
		if uid, ok := uids[keys[i]]; !ok || !b.InRun(uid) {
			out[row.ParentID]++
		}
	}
	return out, nil
}

// setParents gives departments their parents (nil: none) in one
// statement.
func setParents(ctx context.Context, tx bun.IDB, s *deptSchema, parents map[int64]*int64) error {
	return setKeyColumn(ctx, tx, s.table.SQLName, "parentId", parents)
}

// setKeyColumn sets a nullable key column of the rows of table (by id)
// to their values, and updatedAt, in one statement: an update joined to
// the rows passed as one JSON argument, which costs one index lookup per
// row and stays short to parse however many rows it sets.
func setKeyColumn(ctx context.Context, tx bun.IDB, table schema.Safe, column string, vals map[int64]*int64) error {
	if len(vals) == 0 {
		return nil
	}
	rows := make([]byte, 0, 24*len(vals))
	for i, id := range slices.Sorted(maps.Keys(vals)) {
		rows = appendJSONRow(rows, i, id, vals[id])
	}
	_, err := tx.NewUpdate().TableExpr("? AS t", table).
		TableExpr("?", jsonRows(tx, rows)).
		Set("? = "+jsonColumn(1, "BIGINT"), bun.Ident(column)).
		Set("? = ?", bun.Ident("updatedAt"), time.Now().UTC()).
		Where("t.? = "+jsonColumn(0, "BIGINT"), bun.Ident("id")).Exec(ctx)
	if err != nil {
		return fmt.Errorf("users: sync departments: setting %s: %w", column, err)
	}
	return nil
}

// jsonRows is a FROM item "j" with one row per element of rows, a JSON
// array of arrays (without its brackets) passed as one argument; read its
// columns with jsonColumn. A VALUES list of literals costs more to format
// and to parse than the rows cost to write.
func jsonRows(db bun.IDB, rows []byte) schema.QueryWithArgs {
	fn := "json_each" // SQLite
	if db.Dialect().Name() == dialect.PG {
		fn = "json_array_elements"
	}
	return bun.SafeQuery(fn+"(?) AS j", "["+string(rows)+"]")
}

// jsonColumn is column i of a jsonRows row, as SQL type typ.
func jsonColumn(i int, typ string) string {
	return "CAST(j.value ->> " + strconv.Itoa(i) + " AS " + typ + ")"
}

// appendJSONRow appends the i-th row of a jsonRows argument: values are
// int64, *int64 (nil is null) or bool.
func appendJSONRow(b []byte, i int, vals ...any) []byte {
	if i > 0 {
		b = append(b, ',')
	}
	b = append(b, '[')
	for k, v := range vals {
		if k > 0 {
			b = append(b, ',')
		}
		switch v := v.(type) {
		case int64:
			b = strconv.AppendInt(b, v, 10)
		case *int64:
			if v == nil {
				b = append(b, "null"...)
			} else {
				b = strconv.AppendInt(b, *v, 10)
			}
		case bool:
			b = strconv.AppendBool(b, v)
		}
	}
	return append(b, ']')
}

// refreshLeaves sets isLeaf of the departments from whether they have
// children now, in one statement that writes only the rows whose flag is
// wrong.
func refreshLeaves(ctx context.Context, tx bun.IDB, s *deptSchema, ids map[int64]bool) error {
	if len(ids) == 0 {
		return nil
	}
	list := slices.Sorted(maps.Keys(ids))
	noChild := "NOT EXISTS (SELECT 1 FROM ? AS c WHERE c.? = d.?)"
	_, err := tx.NewUpdate().TableExpr("? AS d", s.table.SQLName).
		Set("? = "+noChild, bun.Ident("isLeaf"), s.table.SQLName, bun.Ident("parentId"), bun.Ident("id")).
		Set("? = ?", bun.Ident("updatedAt"), time.Now().UTC()).
		Where("d.? IN (?)", bun.Ident("id"), bun.List(list)).
		Where("d.? <> "+noChild, bun.Ident("isLeaf"), s.table.SQLName, bun.Ident("parentId"), bun.Ident("id")).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("users: sync departments: updating isLeaf: %w", err)
	}
	return nil
}

// treeRecord is a department record of the UserData as the tree check
// sees it.
type treeRecord struct {
	index     int
	parentUID string
	deleted   bool
}

// checkDepartmentTree refuses a UserData that would leave the department
// tree inconsistent: a parentUid cycle in the final tree (the records'
// new parents together with the current parents of every other
// department), or a record whose parentUid names a department this run
// deletes.
func checkDepartmentTree(ctx context.Context, db bun.IDB, s *deptSchema, data *datasync.UserData, b *datasync.Batch) error {
	recs := make(map[string]treeRecord, len(data.Records))
	order := make([]string, 0, len(data.Records))
	for i, rec := range data.Records {
		uid, _ := rec.UID()
		recs[uid] = treeRecord{index: i, parentUID: rec.ParentUID(), deleted: rec.IsDeleted()}
		order = append(order, uid)
	}
	if err := checkDeletedParents(recs, order); err != nil {
		return err
	}
	parent, err := finalParents(ctx, db, s, b, recs, order)
	if err != nil {
		return err
	}
	cycle := findCycle(parent, recs, order)
	if cycle == nil {
		return nil
	}
	return cycleError(ctx, b, cycle, recs)
}

func checkDeletedParents(recs map[string]treeRecord, order []string) error {
	for _, uid := range order {
		r := recs[uid]
		if r.deleted || r.parentUID == "" || r.parentUID == uid {
			continue
		}
		if p, ok := recs[r.parentUID]; ok && p.deleted {
			return &datasync.DataError{
				Message: fmt.Sprintf("department %q: parentUid %q names a department this run deletes", uid, r.parentUID),
				Records: []int{r.index, p.index},
			}
		}
	}
	return nil
}

// treeNode names a department in the final tree: "u:<uid>" for one a
// record of this source stands for, "#<pk>" for a hand-made one.
type treeNode string

func uidNode(uid string) treeNode { return treeNode("u:" + uid) }

// deptTree is the department tree as it is, synced departments named by
// their uid.
type deptTree struct {
	ids     []int64
	parents map[int64]*int64
	uidOf   map[string]string // key → uid of the synced department
}

// loadDeptTree reads the tree; links are the departments links of the
// uids that can name a department in it (the records and their parents).
// A synced department named by no such uid can only be reached by its key,
// so it is named by its key.
func loadDeptTree(ctx context.Context, db bun.IDB, s *deptSchema, links map[string]datasync.Link) (*deptTree, error) {
	var rows []struct {
		ID       int64  `bun:"id"`
		ParentID *int64 `bun:"parentId"`
	}
	// Department counts are small: the whole tree is read once.
	if err := db.NewSelect().TableExpr("?", s.table.SQLName).Column("id", "parentId").Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("users: sync departments: reading the department tree: %w", err)
	}
	t := &deptTree{ids: make([]int64, len(rows)), parents: make(map[int64]*int64, len(rows)), uidOf: make(map[string]string, len(links))}
	for i, row := range rows {
		t.ids[i], t.parents[row.ID] = row.ID, row.ParentID
	}
	for uid, l := range links {
		t.uidOf[l.ResourcePk] = uid
	}
	return t, nil
}

func (t *deptTree) node(pk int64) treeNode {
	if uid, ok := t.uidOf[formatPK(pk)]; ok {
		return uidNode(uid)
	}
	return treeNode("#" + formatPK(pk))
}

func (t *deptTree) exists(pk int64) bool {
	_, ok := t.parents[pk]
	return ok
}

// finalParents maps each department of the final tree to its parent: a
// record of the run to the parent its parentUid resolves to (see
// recordParents), any other department to its current parent.
func finalParents(ctx context.Context, db bun.IDB, s *deptSchema, b *datasync.Batch, recs map[string]treeRecord, order []string) (map[treeNode]treeNode, error) {
	// Looked up by uid: by key, the departments links would be found among
	// the user records' membership links, which share the resource name.
	uids := slices.Clone(order)
	for _, uid := range order {
		if p := recs[uid].parentUID; p != "" && !b.InRun(p) {
			uids = append(uids, p)
		}
	}
	links, err := b.LookupLinks(ctx, datasync.DataTypeDepartment, departmentsResource, uids)
	if err != nil {
		return nil, err
	}
	t, err := loadDeptTree(ctx, db, s, links)
	if err != nil {
		return nil, err
	}
	parent := make(map[treeNode]treeNode, len(t.ids)+len(order))
	for _, id := range t.ids {
		if uid, ok := t.uidOf[formatPK(id)]; ok && b.InRun(uid) {
			continue // the record decides
		}
		if p := t.parents[id]; p != nil && t.exists(*p) {
			parent[t.node(id)] = t.node(*p)
		}
	}
	recordParents(b, t, recs, order, links, parent)
	return parent, nil
}

// recordParents adds the records' edges: to a parent of the run, or to a
// synced parent that exists; any other parentUid means no parent.
func recordParents(b *datasync.Batch, t *deptTree, recs map[string]treeRecord, order []string, links map[string]datasync.Link, parent map[treeNode]treeNode) {
	for _, uid := range order {
		r := recs[uid]
		if r.deleted || r.parentUID == "" {
			continue
		}
		pk, linked := parsePK(links[r.parentUID].ResourcePk)
		if b.InRun(r.parentUID) || (linked && t.exists(pk)) {
			parent[uidNode(uid)] = uidNode(r.parentUID)
		}
	}
}

// findCycle walks up from every record of the run and returns the first
// cycle that goes through one of them. A cycle among departments the run
// does not touch is older than the run and not its business.
func findCycle(parent map[treeNode]treeNode, recs map[string]treeRecord, order []string) []treeNode {
	done := map[treeNode]bool{}
	for _, uid := range order {
		var path []treeNode
		onPath := map[treeNode]int{}
		for n, ok := uidNode(uid), true; ok && !done[n]; n, ok = parent[n] {
			if i, seen := onPath[n]; seen {
				if slices.ContainsFunc(path[i:], func(n treeNode) bool { return recordOf(n, recs) }) {
					return path[i:]
				}
				break
			}
			onPath[n] = len(path)
			path = append(path, n)
		}
		for _, n := range path {
			done[n] = true
		}
	}
	return nil
}

// recordOf reports whether n is a record of the run.
func recordOf(n treeNode, recs map[string]treeRecord) bool {
	uid, named := strings.CutPrefix(string(n), "u:")
	_, ok := recs[uid]
	return named && ok
}

// cycleError names the cycle's departments by uid, looking up those known
// by key only (synced ones the run does not name).
func cycleError(ctx context.Context, b *datasync.Batch, cycle []treeNode, recs map[string]treeRecord) error {
	var pks []string
	for _, n := range cycle {
		if pk, ok := strings.CutPrefix(string(n), "#"); ok {
			pks = append(pks, pk)
		}
	}
	uids, err := b.LookupUIDs(ctx, datasync.DataTypeDepartment, departmentsResource, pks)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(cycle)+1)
	var indexes []int
	for _, n := range cycle {
		uid, named := strings.CutPrefix(string(n), "u:")
		if !named {
			pk := strings.TrimPrefix(string(n), "#")
			if uid, named = uids[pk]; !named {
				names = append(names, "department "+pk)
				continue
			}
		}
		names = append(names, strconv.Quote(uid))
		if r, ok := recs[uid]; ok {
			indexes = append(indexes, r.index)
		}
	}
	names = append(names, names[0])
	return &datasync.DataError{Message: "parentUid cycle: " + strings.Join(names, " → "), Records: indexes}
}

func parsePK(s string) (int64, bool) {
	pk, err := strconv.ParseInt(s, 10, 64)
	return pk, err == nil
}

func formatPK(pk int64) string { return strconv.FormatInt(pk, 10) }
