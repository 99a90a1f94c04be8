package datasync

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// recordAdoptions keeps, in the run's transaction, what a BatchResource's
// applied plan adopted: one SyncAdoption row per update marked Adopted (a
// row no source synced, taken over by a soft match), each logged with the
// source, uid, resource and key, never the record's values. It first
// forgets the adoptions of rows whose links the apply removed (a deleted
// row, or a vanished one the resource re-created): an adoption only means
// something while the source's record links to the row, and a stale one
// would make [Manager.Clear] keep a row whose key the database reused.
func (r *run) recordAdoptions(ctx context.Context, resource string, plan *ResourcePlan, changes []LinkChange) error {
	var unlinked []string
	for _, ch := range changes {
		if ch.IsDeleted {
			unlinked = append(unlinked, ch.ResourcePk)
		}
	}
	if len(unlinked) > 0 {
		_, err := r.db.NewDelete().Model((*SyncAdoption)(nil)).
			Where("? = ?", bun.Ident("resource"), resource).
			Where("? = ?", bun.Ident("sourceName"), r.sourceName).
			Where("? IN (?)", bun.Ident("resourcePk"), bun.List(unlinked)).
			Exec(ctx)
		if err != nil {
			return fmt.Errorf("datasync: %s: forget the adoptions of %d unlinked rows: %w", resource, len(unlinked), err)
		}
	}
	var rows []SyncAdoption
	now := time.Now()
	for _, ch := range plan.Updates {
		if ch.Adopted {
			rows = append(rows, SyncAdoption{Resource: resource, ResourcePk: ch.PK, SourceName: r.sourceName, UID: ch.UID, CreatedAt: now})
		}
	}
	if len(rows) == 0 {
		return nil
	}
	// A row's adoption by a source whose link has since gone without a
	// run seeing it (a cleared source) is replaced.
	_, err := r.db.NewInsert().Model(&rows).
		On("CONFLICT (?, ?) DO UPDATE", bun.Ident("resource"), bun.Ident("resourcePk")).
		Set("? = EXCLUDED.?", bun.Ident("sourceName"), bun.Ident("sourceName")).
		Set("? = EXCLUDED.?", bun.Ident("uid"), bun.Ident("uid")).
		Set("? = EXCLUDED.?", bun.Ident("createdAt"), bun.Ident("createdAt")).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("datasync: %s: record %d adoptions: %w", resource, len(rows), err)
	}
	for _, a := range rows {
		r.m.log.Info("datasync: adopted an existing row", "source", r.sourceName, "uid", a.UID, "resource", resource, "pk", a.ResourcePk)
	}
	return nil
}
