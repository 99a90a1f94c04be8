package datasync

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// Change operations: the Op of a [SyncChange].
const (
	ChangeCreate = "create"
	ChangeUpdate = "update"
	ChangeDelete = "delete"
	// ChangeDisable and ChangeEnable are updates that set "enabled" to
	// false or true, kept under their own name so that "why was Alice
	// disabled?" is one filter away.
	ChangeDisable = "disable"
	ChangeEnable  = "enable"
	// ChangeAdopt is an update that took over a row no source synced (a
	// soft match).
	ChangeAdopt = "adopt"
	// ChangeKept is a change the resource refused on purpose; Reason says
	// why (a root user is never deleted).
	ChangeKept = "kept"
	// ChangeMove gives a department a new parent: Values {"toUid"},
	// Previous {"fromPk"}.
	ChangeMove = "move"
	// Membership changes have Values {"departmentUid", "departmentPk",
	// "isOwner"}, Resource [MembershipHistoryResource] and the user's
	// key as ResourcePk.
	ChangeMembershipAdd    = "membership.add"
	ChangeMembershipRemove = "membership.remove"
	ChangeMembershipUpdate = "membership.update"
)

// MembershipHistoryResource is the Resource of the history rows of
// membership changes (NocoBase's departmentsUsers table): their
// ResourcePk and UID are the user's, so a user's memberships are found by
// the user's uid.
const MembershipHistoryResource = "departmentsUsers"

// Redacted replaces every password in the history and in a plan's JSON.
const Redacted = "[redacted]"

// History query limits.
const (
	DefaultHistoryLimit = 100
	MaxHistoryLimit     = 1000
)

// historyChunk is how many rows one history insert writes: a part of a
// large first sync has as many changes as records.
const historyChunk = 1000

// ErrInvalidQuery is wrapped by the errors of a [HistoryQuery] History
// refuses.
var ErrInvalidQuery = errors.New("datasync: invalid history query")

// QueryError is a HistoryQuery refused for one of its fields.
type QueryError struct {
	Field  string // the HistoryQuery field: "Limit", "AfterID" …
	Reason string
}

func (e *QueryError) Error() string {
	return fmt.Sprintf("datasync: history query: %s %s", e.Field, e.Reason)
}

// Unwrap makes a QueryError match ErrInvalidQuery.
func (e *QueryError) Unwrap() error { return ErrInvalidQuery }

// HTTPStatus is 400: the query is the caller's mistake.
func (e *QueryError) HTTPStatus() int { return http.StatusBadRequest }

// HistoryQuery selects change history rows; zero fields select all.
type HistoryQuery struct {
	TaskID     int64
	SourceName string
	Resource   string
	ResourcePk string
	UID        string
	// Since and Until bound the rows' CreatedAt: Since included, Until
	// excluded.
	Since time.Time
	Until time.Time
	// AfterID pages: rows with a larger id. Pass the last id of a page to
	// read the next.
	AfterID int64
	// Limit caps the rows returned (DefaultHistoryLimit when 0, at most
	// MaxHistoryLimit).
	Limit int
}

// check validates q and returns its effective limit.
func (q *HistoryQuery) check() (int, error) {
	switch {
	case q.Limit < 0:
		return 0, &QueryError{Field: "Limit", Reason: fmt.Sprintf("is %d: it cannot be negative", q.Limit)}
	case q.Limit > MaxHistoryLimit:
		return 0, &QueryError{Field: "Limit", Reason: fmt.Sprintf("is %d: at most %d rows are read at once; page with AfterID", q.Limit, MaxHistoryLimit)}
	case q.AfterID < 0:
		return 0, &QueryError{Field: "AfterID", Reason: fmt.Sprintf("is %d: it cannot be negative", q.AfterID)}
	case q.TaskID < 0:
		return 0, &QueryError{Field: "TaskID", Reason: fmt.Sprintf("is %d: it cannot be negative", q.TaskID)}
	case !q.Since.IsZero() && !q.Until.IsZero() && !q.Until.After(q.Since):
		return 0, &QueryError{Field: "Until", Reason: "is not after Since"}
	case q.Limit == 0:
		return DefaultHistoryLimit, nil
	}
	return q.Limit, nil
}

// where adds q's filters to sel.
func (q *HistoryQuery) where(sel *bun.SelectQuery) {
	eq := func(col string, v any) { sel.Where("? = ?", bun.Ident(col), v) }
	if q.TaskID != 0 {
		eq("taskId", q.TaskID)
	}
	if q.SourceName != "" {
		eq("sourceName", q.SourceName)
	}
	if q.Resource != "" {
		eq("resource", q.Resource)
	}
	if q.ResourcePk != "" {
		eq("resourcePk", q.ResourcePk)
	}
	if q.UID != "" {
		eq("uid", q.UID)
	}
	if !q.Since.IsZero() {
		sel.Where("? >= ?", bun.Ident("createdAt"), q.Since)
	}
	if !q.Until.IsZero() {
		sel.Where("? < ?", bun.Ident("createdAt"), q.Until)
	}
	if q.AfterID != 0 {
		sel.Where("? > ?", bun.Ident("id"), q.AfterID)
	}
}

// History returns the changes task runs made, oldest first: "why was
// Alice disabled on Tuesday?" is
//
//	m.History(ctx, datasync.HistoryQuery{Resource: "users", ResourcePk: "42"})
//
// whose rows name the task, the time, the operation ([ChangeDisable]) and
// the values replaced (Previous {"enabled": true}). Errors of the query
// itself wrap [ErrInvalidQuery].
func (m *Manager) History(ctx context.Context, q HistoryQuery) ([]*SyncChange, error) {
	limit, err := q.check()
	if err != nil {
		return nil, err
	}
	out := []*SyncChange{}
	sel := m.db.NewSelect().Model(&out)
	q.where(sel)
	if err := sel.OrderExpr("? ASC", bun.Ident("id")).Limit(int64(limit)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("datasync: read history: %w", err)
	}
	return out, nil
}

// PruneHistory deletes the history rows created before before and
// returns how many it deleted: history grows with every change of every
// run, and how long to keep it is the host's choice.
func (m *Manager) PruneHistory(ctx context.Context, before time.Time) (int64, error) {
	res, err := m.db.NewDelete().Model((*SyncChange)(nil)).
		Where("? < ?", bun.Ident("createdAt"), before).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("datasync: prune history: %w", err)
	}
	return res.RowsAffected()
}

// recordHistory keeps what a part of task taskID changed, in the part's
// transaction: a run rolled back leaves no history.
func (m *Manager) recordHistory(ctx context.Context, tx bun.Tx, taskID int64, r *run) error {
	h := &historyPart{r: r, row: SyncChange{TaskID: taskID, SourceName: r.sourceName, DataType: r.dataType, CreatedAt: time.Now().UTC()}}
	if h.needsCreated() {
		var err error
		if h.created, err = loadCreatedPKs(ctx, tx, r); err != nil {
			return err
		}
	}
	for _, s := range r.steps {
		h.addStep(s)
	}
	for start := 0; start < len(h.rows); start += historyChunk {
		chunk := h.rows[start:min(start+historyChunk, len(h.rows))]
		if _, err := tx.NewInsert().Model(&chunk).Returning("NULL").Exec(ctx); err != nil {
			return fmt.Errorf("datasync: keep the history of task %d: %w", taskID, err)
		}
	}
	return nil
}

// historyPart turns a part's plans into history rows.
type historyPart struct {
	r   *run
	row SyncChange // the fields every row of the part shares
	// created maps resource → uid → the key of the row the part created
	// (its links made by the part), for changes whose plan has no key.
	created map[string]map[string]string
	rows    []SyncChange
}

// needsCreated reports whether some change of the part lacks the key of
// a row the part created: a create, or a membership of a created user.
func (h *historyPart) needsCreated() bool {
	for _, s := range h.r.steps {
		if len(s.plan.Creates) > 0 {
			return true
		}
		for i := range s.plan.Memberships {
			if s.plan.Memberships[i].UserPK == "" {
				return true
			}
		}
	}
	return false
}

// loadCreatedPKs reads the links the part r made (their ids are above its
// linkBase) by resource and uid, the oldest first for a uid.
func loadCreatedPKs(ctx context.Context, tx bun.IDB, r *run) (map[string]map[string]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT l."resource", l."resourcePk", r."sourceUk"
FROM "userDataSyncRecordsResources" AS l JOIN "userDataSyncRecords" AS r ON r."id" = l."recordId"
WHERE l."id" > ? AND r."sourceName" = ? AND r."dataType" = ? ORDER BY l."id"`, r.linkBase, r.sourceName, r.dataType)
	if err != nil {
		return nil, fmt.Errorf("datasync: read the links a run made: %w", err)
	}
	defer rows.Close()
	out := map[string]map[string]string{}
	var resource, uid string
	var pk sql.NullString
	for rows.Next() {
		if err := rows.Scan(&resource, &pk, &uid); err != nil {
			return nil, fmt.Errorf("datasync: read the links a run made: %w", err)
		}
		byUID := out[resource]
		if byUID == nil {
			byUID = map[string]string{}
			out[resource] = byUID
		}
		if _, seen := byUID[uid]; !seen {
			byUID[uid] = pk.String
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("datasync: read the links a run made: %w", err)
	}
	return out, nil
}

func (h *historyPart) add(resource, uid, pk, op string, values, previous map[string]any, reason string) {
	c := h.row
	c.Resource, c.UID, c.ResourcePk, c.Op, c.Reason = resource, uid, pk, op, reason
	c.Values, c.Previous = redact(values), redact(previous)
	h.rows = append(h.rows, c)
}

func (h *historyPart) addStep(s *resourceStep) {
	p := &s.plan
	for i := range p.Creates {
		c := &p.Creates[i]
		h.add(p.Resource, c.UID, h.created[p.Resource][c.UID], ChangeCreate, c.Values, nil, c.Reason)
	}
	for i := range p.Updates {
		c := &p.Updates[i]
		h.add(p.Resource, c.UID, c.PK, h.updateOp(p, c), c.Values, c.Previous, c.Reason)
	}
	for i := range p.Deletes {
		c := &p.Deletes[i]
		h.add(p.Resource, c.UID, c.PK, ChangeDelete, c.Values, c.Previous, c.Reason)
	}
	for i := range p.Kept {
		c := &p.Kept[i]
		h.add(p.Resource, c.UID, c.PK, ChangeKept, c.Values, c.Previous, c.Reason)
	}
	for i := range p.Memberships {
		mc := &p.Memberships[i]
		pk := mc.UserPK
		if pk == "" {
			pk = h.createdPK(mc.UserUID, p.Resource)
		}
		h.add(MembershipHistoryResource, mc.UserUID, pk, "membership."+string(mc.Op),
			map[string]any{"departmentUid": mc.DepartmentUID, "departmentPk": mc.DepartmentPK, "isOwner": mc.IsOwner}, nil, "")
	}
	for i := range p.Moves {
		mv := &p.Moves[i]
		h.add(p.Resource, mv.UID, mv.PK, ChangeMove, map[string]any{"toUid": mv.ToUID}, map[string]any{"fromPk": mv.FromPK}, "")
	}
}

// updateOp names an update: an adoption, a disable or enable, or a plain
// update. A per-record resource's plan says only that it calls Update,
// which for an isDeleted record is a delete.
func (h *historyPart) updateOp(p *ResourcePlan, c *RecordChange) string {
	switch enabled, set := c.Values["enabled"].(bool); {
	case c.Adopted:
		return ChangeAdopt
	case set && !enabled:
		return ChangeDisable
	case set && enabled:
		return ChangeEnable
	case p.PerRecord && h.deleted(c.UID):
		return ChangeDelete
	}
	return ChangeUpdate
}

// deleted reports whether the part's record uid is an isDeleted record.
func (h *historyPart) deleted(uid string) bool {
	i, ok := h.r.uids[uid]
	return ok && i < len(h.r.data.Records) && h.r.data.Records[i].IsDeleted()
}

// createdPK is the key of the row another resource than except created
// for uid in this part (the user a membership's plan could not name),
// the first resource in run order that has one.
func (h *historyPart) createdPK(uid, except string) string {
	for _, s := range h.r.steps {
		if name := s.res.Name(); name != except {
			if pk := h.created[name][uid]; pk != "" {
				return pk
			}
		}
	}
	return ""
}

// isPasswordKey reports whether a values key holds a password.
func isPasswordKey(k string) bool { return strings.EqualFold(k, "password") }

// redact returns vals with the value of every password key, at any depth,
// replaced by Redacted: vals itself when it holds none, so that the
// common case copies nothing.
func redact(vals map[string]any) map[string]any {
	if !hasPassword(vals) {
		return vals
	}
	return redactMap(vals)
}

func redactMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if isPasswordKey(k) {
			out[k] = Redacted
			continue
		}
		out[k] = redactAny(v)
	}
	return out
}

func redactAny(v any) any {
	if !hasPassword(v) {
		return v
	}
	switch v := v.(type) {
	case map[string]any:
		return redactMap(v)
	case Record:
		return Record(redactMap(v))
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = redactAny(e)
		}
		return out
	}
	return v
}

// hasPassword reports whether v, a value of a record, holds a password
// key at any depth.
func hasPassword(v any) bool {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			if isPasswordKey(k) || hasPassword(e) {
				return true
			}
		}
	case Record:
		return hasPassword(map[string]any(v))
	case []any:
		for _, e := range v {
			if hasPassword(e) {
				return true
			}
		}
	}
	return false
}
