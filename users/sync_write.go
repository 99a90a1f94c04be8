package users

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/datasync"
)

// groupByColumns groups changes by the set of columns their Values name,
// in first-seen order; a group's key is the sorted column names.
func groupByColumns(changes []datasync.RecordChange) ([]string, map[string][]datasync.RecordChange) {
	groups := map[string][]datasync.RecordChange{}
	var keys []string
	for _, c := range changes {
		key := strings.Join(slices.Sorted(maps.Keys(c.Values)), ",")
		if _, ok := groups[key]; !ok {
			keys = append(keys, key)
		}
		groups[key] = append(groups[key], c)
	}
	return keys, groups
}

func columnList(key string) []string {
	if key == "" {
		return nil
	}
	return strings.Split(key, ",")
}

// hookColumns are the columns a model's hooks fill on insert or update
// (the times, and the authors with a user in the context).
func hookColumns(ctx context.Context, model any, insert bool) []string {
	if h, ok := model.(interface {
		HookColumns(context.Context, bool) []string
	}); ok {
		return h.HookColumns(ctx, insert)
	}
	return nil
}

// updateChanged writes planned updates of rows of f's model, one bulk
// UPDATE … FROM (VALUES …) per set of changed columns, with the columns
// the model's hook fills (updatedAt, and updatedById for a signed-in
// user). An update without values (an adoption with nothing to change)
// writes nothing: only its link is written.
func updateChanged(ctx context.Context, tx bun.IDB, f *syncFields, updates []datasync.RecordChange) error {
	keys, groups := groupByColumns(slices.DeleteFunc(slices.Clone(updates), func(c datasync.RecordChange) bool { return len(c.Values) == 0 }))
	for _, key := range keys {
		if err := updateGroup(ctx, tx, f, columnList(key), groups[key]); err != nil {
			return err
		}
	}
	return nil
}

func updateGroup(ctx context.Context, tx bun.IDB, f *syncFields, cols []string, updates []datasync.RecordChange) error {
	models := f.newModels(len(updates))
	for i, ch := range updates {
		pk, err := strconv.ParseInt(ch.PK, 10, 64)
		if err != nil {
			return fmt.Errorf("users: sync: update uid %q: primary key %q: %w", ch.UID, ch.PK, err)
		}
		v := models.Elem().Index(i).Elem()
		f.setPK(v, pk)
		f.set(v, ch.Values)
	}
	cols = append(cols, hookColumns(ctx, models.Elem().Index(0).Interface(), false)...)
	// Bulk() would put every column in the VALUES list: name only those
	// written, which halves the statement SQLite has to parse.
	values := tx.NewValues(models.Interface()).Column(append([]string{f.pk.Name}, cols...)...)
	q := tx.NewUpdate().With("_data", values).Model(models.Interface()).TableExpr("_data").
		Where("?TableAlias.? = _data.?", bun.Ident(f.pk.Name), bun.Ident(f.pk.Name))
	for _, col := range cols {
		q = q.Set("? = _data.?", bun.Ident(col), bun.Ident(col))
	}
	res, err := q.Exec(ctx)
	if err != nil {
		return fmt.Errorf("users: sync: update %d rows of %s (%s): %w", len(updates), f.table.Name, strings.Join(cols, ", "), err)
	}
	if n, err := res.RowsAffected(); err == nil && n != int64(len(updates)) {
		return fmt.Errorf("users: sync: updated %d rows of %s, not %d: the directory changed during the run", n, f.table.Name, len(updates))
	}
	return nil
}
