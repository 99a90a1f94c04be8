package users

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/schema"

	"github.com/gatehouse-dev/gatehouse/datasync"
)

// syncedUser is a user record of a chunk, as the resources that run after
// the users resource and keep rows of the user (the departments
// resource's memberships, the roles resource) plan it: the record and
// what the run knows of its user.
type syncedUser struct {
	rec    *datasync.BatchRecord
	userPK int64 // 0 for a user a dry run only plans to create
	known  bool  // the user existed before the run
	// created is a user the users resource created in this chunk: it has
	// no memberships, main department or roles yet.
	created bool
}

// selectUserRecords picks the chunk's records whose user's rows may
// change, each as read makes it of its syncedUser. Those of deleted users
// are the users resource's (it deletes a user with its rows), those
// without a user have none, and so have those carries says carry nothing
// for the resource; an unchanged record of a user that existed before the
// run is skipped. A record read fails on fails, naming its uid.
func selectUserRecords[T any](plan *datasync.ResourcePlan, b *datasync.Batch, carries func(datasync.Record) bool, read func(syncedUser) (T, error)) []T {
	created, told := createdInChunk(b)
	recs := make([]T, 0, len(b.Records))
	for i := range b.Records {
		rec := &b.Records[i]
		link, ok := usersLink(rec)
		if rec.MetaData.IsDeleted() || !ok || !carries(rec.MetaData) || (rec.Unchanged && !link.New) {
			plan.Unchanged++
			continue
		}
		pk, _ := parsePK(link.ResourcePk)
		u := syncedUser{rec: rec, userPK: pk, known: !link.New}
		if link.New && link.ResourcePk != "" && told {
			// Linked during the run, to a user that existed (adopted)
			// unless the users resource created it.
			u.created = created[rec.SourceUk] == link.ResourcePk
			u.known = !u.created
		}
		m, err := read(u)
		if err != nil {
			plan.Failures = append(plan.Failures, recordFailure(rec, err))
			continue
		}
		recs = append(recs, m)
	}
	return recs
}

// recordFailure fails a record of the plan for err, naming its uid.
func recordFailure(rec *datasync.BatchRecord, err error) datasync.FailedRecord {
	return datasync.FailedRecord{Record: rec.MetaData, Message: fmt.Sprintf("uid %q: %v", rec.SourceUk, err)}
}

// planCarry hands what planning a chunk found beyond its plan (the work,
// such as links to drop) from PlanBatch to the ApplyBatch of the same
// chunk, so that the apply need not plan again.
type planCarry[W any] struct {
	// planned is the chunk planned last (outside a dry run), whose apply
	// takes work.
	planned *datasync.Batch
	work    W
}

// take returns the work PlanBatch kept for b and empties the carry. When
// the plan came another way than from PlanBatch on this resource just
// before, it works the work out again with replan, from tx (the apply's
// transaction).
func (c *planCarry[W]) take(ctx context.Context, tx bun.IDB, b *datasync.Batch, replan func(context.Context, bun.IDB, *datasync.Batch) (*datasync.ResourcePlan, W, error)) (W, error) {
	work := c.work
	if c.planned != b {
		var err error
		if _, work, err = replan(ctx, tx, b); err != nil {
			return work, err
		}
	}
	var none W
	c.planned, c.work = nil, none
	return work, nil
}

// goneUserLinks drops resource's links of the chunk's deleted records
// whose user is gone: the users resource deleted it with its rows
// (memberships, roles). A root user the users resource kept keeps its
// rows and links.
func goneUserLinks(ctx context.Context, tx bun.IDB, users schema.Safe, b *datasync.Batch, resource string) ([]datasync.LinkChange, error) {
	var check []int64
	var recs []*datasync.BatchRecord
	for i := range b.Records {
		rec := &b.Records[i]
		if !rec.MetaData.IsDeleted() || len(rec.LinksTo(resource)) == 0 {
			continue
		}
		recs = append(recs, rec)
		if l, ok := usersLink(rec); ok {
			if pk, ok := parsePK(l.ResourcePk); ok {
				check = append(check, pk)
			}
		}
	}
	if len(recs) == 0 {
		return nil, nil
	}
	exists := map[int64]bool{}
	if len(check) > 0 {
		var ids []int64
		err := tx.NewSelect().TableExpr("?", users).Column("id").
			Where("? IN (?)", bun.Ident("id"), bun.List(check)).Scan(ctx, &ids)
		if err != nil {
			return nil, fmt.Errorf("users: sync %s: reading deleted users: %w", resource, err)
		}
		for _, id := range ids {
			exists[id] = true
		}
	}
	var out []datasync.LinkChange
	for _, rec := range recs {
		if l, ok := usersLink(rec); ok {
			if pk, _ := parsePK(l.ResourcePk); exists[pk] {
				continue
			}
		}
		for _, pk := range rec.LinksTo(resource) {
			out = append(out, datasync.LinkChange{UID: rec.SourceUk, ResourcePk: pk, IsDeleted: true})
		}
	}
	return out, nil
}
