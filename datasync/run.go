package datasync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/uptrace/bun"
)

// run is one UserData going through the resources, inside one transaction
// (or, for a dry run, reading only).
type run struct {
	m          *Manager
	db         bun.IDB // the run's transaction
	sourceName string
	dataType   DataType
	matchKey   string
	policy     *Policy
	dryRun     bool
	// collect keeps the plan the run follows (Plan and Apply need it;
	// UpdateOrCreate does not, so its memory stays bounded by the chunk).
	collect bool
	data    *UserData
	uids    map[string]int // every uid of the UserData → its index
	// linkBase is the highest link id before the run: links above it were
	// made by this run (the source's runs are serialised, so no other
	// writer adds links for its records meanwhile).
	linkBase int64
	// fresh is true when the source had no sync records of the data type
	// before the run (its first sync): no chunk has stored state to load,
	// as a UserData's uids are distinct (validate) and no chunk looks for
	// what an earlier one stored.
	fresh    bool
	deferred []func(ctx context.Context, tx bun.IDB) error
	state    map[any]any // Batch.RunState
	lookups  lookupCache
	// resourceNames makes each resource name read with links one string.
	resourceNames map[string]string

	enc    *recordEncoder
	steps  []*resourceStep // the resources accepting the data type, in order
	counts RecordCounts
}

// resourceStep is one resource's part of a run, accumulated over chunks.
type resourceStep struct {
	res       Resource
	batch     BatchResource    // nil when the resource only has the per-record interface
	perRecord UserDataResource // used when batch is nil
	result    SyncResult
	plan      ResourcePlan
	progress  Progress
}

// chunk is ChunkSize records of the UserData, from start, with their
// stored state.
type chunk struct {
	start  int
	recs   []BatchRecord
	raw    [][]byte // canonical JSON: the metaData written
	hash   []string
	failed []bool // failed in some resource: its hash is not kept
}

// index returns the position in c of the record with uid.
func (c *chunk) index(r *run, uid string) (int, bool) {
	i, ok := r.uids[uid]
	i -= c.start
	return i, ok && i >= 0 && i < len(c.recs)
}

// newRun prepares a run of data (validated, with its uids) over db.
func (m *Manager) newRun(ctx context.Context, db bun.IDB, data *UserData, uids map[string]int, pol *Policy, dryRun, collect bool) (*run, error) {
	base, err := loadLinkBase(ctx, db)
	if err != nil {
		return nil, err
	}
	stored, err := hasRecords(ctx, db, data.SourceName, data.DataType)
	if err != nil {
		return nil, err
	}
	r := &run{
		m: m, db: db, sourceName: data.SourceName, dataType: data.DataType, matchKey: data.MatchKey, policy: pol,
		dryRun: dryRun, collect: collect, data: data, uids: uids, linkBase: base, fresh: !stored,
		enc: newRecordEncoder(), resourceNames: map[string]string{},
	}
	for _, res := range m.Resources() {
		if !slices.Contains(res.Accepts(), data.DataType) {
			continue
		}
		s := &resourceStep{res: res}
		s.batch, _ = res.(BatchResource)
		if s.batch == nil {
			s.perRecord = res.(UserDataResource) // RegisterResource admits nothing else
		}
		s.result = SyncResult{Resource: res.Name(), Detail: SyncDetail{FailedRecords: []FailedRecord{}}}
		s.plan = ResourcePlan{Resource: res.Name(), PerRecord: s.batch == nil}
		s.progress = Progress{SourceName: data.SourceName, DataType: data.DataType, Resource: res.Name()}
		r.steps = append(r.steps, s)
	}
	return r, nil
}

// runData runs data (validated, with its uids) over db: the body of every
// sync, plan and apply.
func (m *Manager) runData(ctx context.Context, db bun.IDB, data *UserData, uids map[string]int, pol *Policy, dryRun, collect bool) (*run, error) {
	r, err := m.newRun(ctx, db, data, uids, pol, dryRun, collect)
	if err != nil {
		return nil, err
	}
	if err := r.execute(ctx); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *run) execute(ctx context.Context) error {
	began := time.Now()
	if err := r.prepare(ctx); err != nil {
		return err
	}
	chunks, stop := r.encodeAhead(ctx)
	defer stop()
	for ec := range chunks {
		if ec.err != nil {
			return ec.err
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("datasync: run stopped at records[%d]: %w", ec.c.start, err)
		}
		if err := r.runChunk(ctx, ec.c, ec.uids); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("datasync: run stopped: %w", err)
	}
	if !r.dryRun {
		for i, fn := range r.deferred {
			if err := fn(ctx, r.db); err != nil {
				return resourceError("", fmt.Sprintf("deferred step %d", i), err)
			}
		}
	}
	r.logDone(time.Since(began))
	return nil
}

// prepare calls the Preparers once, before the first chunk.
func (r *run) prepare(ctx context.Context) error {
	for _, s := range r.steps {
		p, ok := s.res.(Preparer)
		if !ok || s.batch == nil {
			continue
		}
		if err := p.Prepare(ctx, r.db, r.data, r.newBatch(nil)); err != nil {
			return resourceError(s.res.Name(), "prepare", err)
		}
	}
	return nil
}

func (r *run) newBatch(recs []BatchRecord) *Batch {
	return &Batch{SourceName: r.sourceName, DataType: r.dataType, MatchKey: r.matchKey, DryRun: r.dryRun, Records: recs, run: r}
}

func (r *run) runChunk(ctx context.Context, c *chunk, uids []string) error {
	start := c.start
	if err := r.loadChunk(ctx, c, uids); err != nil {
		return err
	}
	if !r.dryRun {
		if err := r.saveRecords(ctx, c); err != nil {
			return err
		}
	}
	for _, s := range r.steps {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("datasync: run stopped at records[%d]: %w", start, err)
		}
		var plan *ResourcePlan
		var failures []FailedRecord
		var err error
		if s.batch != nil {
			plan, failures, err = r.runBatch(ctx, s, c)
		} else {
			plan, failures, err = r.runPerRecord(ctx, s, c)
		}
		if err != nil {
			return err
		}
		s.add(r.collect, plan, len(c.recs), failures)
		if fn := r.m.opts.OnProgress; fn != nil {
			fn(s.progress)
		}
	}
	if r.dryRun {
		return nil
	}
	return r.forgetFailed(ctx, c)
}

// loadChunk gives the encoded chunk c its stored state and counts its
// records.
func (r *run) loadChunk(ctx context.Context, c *chunk, uids []string) error {
	if !r.fresh {
		changedAt, changed, err := r.loadStored(ctx, c, uids)
		if err != nil {
			return err
		}
		if err := r.loadPrevious(ctx, c, changedAt, changed); err != nil {
			return err
		}
	}
	for i := range c.recs {
		switch rec := &c.recs[i]; {
		case rec.ID == 0:
			r.counts.New++
		case rec.Unchanged:
			r.counts.Unchanged++
		default:
			r.counts.Changed++
		}
	}
	return nil
}

// loadPrevious gives the changed records of c (at changedAt, with the
// sync record ids changed) their previous metaData.
func (r *run) loadPrevious(ctx context.Context, c *chunk, changedAt []int, changed []int64) error {
	if len(changed) == 0 {
		return nil
	}
	previous, err := r.loadMetaData(ctx, changed)
	if err != nil {
		return err
	}
	for k, id := range changed {
		c.recs[changedAt[k]].LastMetaData = previous[id]
	}
	return nil
}

// saveRecords writes the chunk's new and changed sync records, hash
// included: a record that then fails in a resource has its hash cleared
// by forgetFailed, which costs a statement only when something failed.
// Unchanged records are not written at all.
func (r *run) saveRecords(ctx context.Context, c *chunk) error {
	var fresh []newRecordRow
	var freshAt []int
	var changed []changedRecordRow
	for i := range c.recs {
		rec := &c.recs[i]
		switch {
		case rec.ID == 0:
			fresh = append(fresh, newRecordRow{SourceName: r.sourceName, SourceUk: rec.SourceUk, DataType: r.dataType, MetaData: c.raw[i], MetaHash: c.hash[i]})
			freshAt = append(freshAt, i)
		case !rec.Unchanged:
			changed = append(changed, changedRecordRow{ID: rec.ID, MetaData: c.raw[i], MetaHash: c.hash[i]})
		}
	}
	if len(fresh) > 0 {
		ids, err := r.insertRecords(ctx, fresh)
		if err != nil {
			return err
		}
		for _, i := range freshAt {
			rec := &c.recs[i]
			if rec.ID = ids[rec.SourceUk]; rec.ID == 0 {
				return fmt.Errorf("datasync: the sync record of uid %q was not returned by its insert", rec.SourceUk)
			}
		}
	}
	if len(changed) > 0 {
		return r.updateRecords(ctx, changed)
	}
	return nil
}

// forgetFailed clears the hash of the chunk's failed records, so the next
// sync does not take them for unchanged.
func (r *run) forgetFailed(ctx context.Context, c *chunk) error {
	var ids []int64
	for i, failed := range c.failed {
		if failed && c.recs[i].ID != 0 {
			ids = append(ids, c.recs[i].ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	return r.clearHashes(ctx, ids)
}

// runBatch hands the chunk to a BatchResource: its plan, then (unless a
// dry run) its writes and the link changes they return.
func (r *run) runBatch(ctx context.Context, s *resourceStep, c *chunk) (*ResourcePlan, []FailedRecord, error) {
	name := s.res.Name()
	b := r.newBatch(c.recs)
	plan, err := s.batch.PlanBatch(ctx, r.db, b)
	if err != nil {
		return nil, nil, resourceError(name, chunkName("plan", c), err)
	}
	if plan == nil {
		return nil, nil, fmt.Errorf("datasync: %s: PlanBatch returned no plan for %s", name, chunkName("", c))
	}
	r.markFailed(name, c, plan.Failures)
	if r.dryRun {
		if err := r.addVirtualLinks(name, c, plan); err != nil {
			return nil, nil, err
		}
		return plan, plan.Failures, nil
	}
	if len(plan.Failures) > 0 && !r.m.opts.SkipFailed {
		return nil, nil, &FailedError{Resource: name, Failures: plan.Failures}
	}
	changes, err := s.batch.ApplyBatch(ctx, r.db, b, plan)
	if err != nil {
		return nil, nil, resourceError(name, chunkName("apply", c), err)
	}
	if err := r.applyLinkChanges(ctx, name, c, changes); err != nil {
		return nil, nil, err
	}
	if err := r.recordAdoptions(ctx, name, plan, changes); err != nil {
		return nil, nil, err
	}
	return plan, plan.Failures, nil
}

// addVirtualLinks shows a dry run's planned links on c's records, so later
// resources plan as they will once the plan is carried out: a create's
// link (its row does not exist yet, so no key) and the link an update
// adds when it takes an existing row for a record not linked to the
// resource (the users resource adopting a user by matchKey).
func (r *run) addVirtualLinks(resource string, c *chunk, plan *ResourcePlan) error {
	for _, ch := range plan.Creates {
		rec, err := r.plannedRecord(resource, "a create", c, ch.UID)
		if err != nil {
			return err
		}
		rec.Resources = append(rec.Resources, Link{Resource: resource, New: true})
		rec.Unchanged = false
	}
	for _, ch := range plan.Updates {
		rec, err := r.plannedRecord(resource, "an update", c, ch.UID)
		if err != nil {
			return err
		}
		if len(rec.LinksTo(resource)) == 0 {
			rec.Resources = append(rec.Resources, Link{Resource: resource, ResourcePk: ch.PK, New: true})
			rec.Unchanged = false
		}
	}
	return nil
}

// plannedRecord is the record of c a resource's plan names by uid.
func (r *run) plannedRecord(resource, what string, c *chunk, uid string) (*BatchRecord, error) {
	i, ok := c.index(r, uid)
	if !ok {
		return nil, fmt.Errorf("datasync: %s: plans %s for uid %q, which is not in %s", resource, what, uid, chunkName("", c))
	}
	return &c.recs[i], nil
}

// markFailed flags the failed records of c (their hash is not kept) and,
// outside a dry run, logs each by uid.
func (r *run) markFailed(resource string, c *chunk, failures []FailedRecord) {
	for _, f := range failures {
		uid, _ := f.Record.UID()
		if i, ok := c.index(r, uid); ok {
			c.failed[i] = true
		}
		if !r.dryRun {
			r.m.log.Warn("datasync: record failed", "source", r.sourceName, "dataType", r.dataType,
				"resource", resource, "uid", uid, "message", f.Message)
		}
	}
}

// applyLinkChanges updates the in-memory links of c's records and writes
// the changes: NocoBase's addResourceToOriginRecord and
// removeResourceFromOriginRecord, for a whole chunk at once. A record whose
// links change is no longer unchanged for the resources after this one.
func (r *run) applyLinkChanges(ctx context.Context, resource string, c *chunk, changes []LinkChange) error {
	var w linkWrites
	for _, ch := range changes {
		i, ok := c.index(r, ch.UID)
		if !ok {
			return fmt.Errorf("datasync: %s: returned a link change for uid %q, which is not in %s", resource, ch.UID, chunkName("", c))
		}
		rec := &c.recs[i]
		if !ch.IsDeleted {
			rec.Resources = append(rec.Resources, Link{Resource: resource, ResourcePk: ch.ResourcePk, New: true})
			w.inserts = append(w.inserts, newLinkRow{RecordID: rec.ID, ResourcePk: ch.ResourcePk})
			rec.Unchanged = false
			continue
		}
		if !removeLinks(rec, resource, ch.ResourcePk) {
			continue // NocoBase removes a link only if it finds one
		}
		rec.Unchanged = false
		if !w.dropInsert(rec.ID, ch.ResourcePk) {
			w.deletes = append(w.deletes, []any{rec.ID, ch.ResourcePk})
		}
	}
	if w.empty() {
		return nil
	}
	return r.writeLinks(ctx, resource, &w)
}

// removeLinks removes rec's links to resource with primary key pk and
// reports whether there were any.
func removeLinks(rec *BatchRecord, resource, pk string) bool {
	n := len(rec.Resources)
	rec.Resources = slices.DeleteFunc(rec.Resources, func(l Link) bool { return l.Resource == resource && l.ResourcePk == pk })
	return len(rec.Resources) < n
}

// dropInsert forgets a link added earlier in the same changes (never
// written, so nothing to delete) and reports whether there was one.
func (w *linkWrites) dropInsert(recordID int64, pk string) bool {
	n := len(w.inserts)
	w.inserts = slices.DeleteFunc(w.inserts, func(l newLinkRow) bool { return l.RecordID == recordID && l.ResourcePk == pk })
	return len(w.inserts) < n
}

// add accumulates one chunk's outcome for the resource.
func (s *resourceStep) add(collect bool, plan *ResourcePlan, handed int, failures []FailedRecord) {
	count := &s.result.Detail.Count
	count.All += handed
	count.Failed += len(failures)
	count.Success = count.All - count.Failed
	s.result.Detail.FailedRecords = append(s.result.Detail.FailedRecords, failures...)
	if len(plan.Ignored) > 0 {
		d := &s.result.Detail
		d.IgnoredFields = slices.Compact(slices.Sorted(slices.Values(append(d.IgnoredFields, plan.Ignored...))))
	}

	p := &s.progress
	p.Read += handed
	p.Created += len(plan.Creates)
	p.Updated += len(plan.Updates)
	p.Deleted += len(plan.Deletes)
	p.Unchanged += plan.Unchanged
	p.Failed += len(failures)
	p.Memberships += len(plan.Memberships)
	for _, u := range plan.Updates {
		if u.Values["enabled"] == false {
			p.Disabled++
		}
	}

	if collect {
		s.plan.merge(plan)
	}
}

// merge appends a chunk's plan to the plan of the chunks before it.
func (p *ResourcePlan) merge(chunk *ResourcePlan) {
	p.Creates = append(p.Creates, chunk.Creates...)
	p.Updates = append(p.Updates, chunk.Updates...)
	p.Deletes = append(p.Deletes, chunk.Deletes...)
	p.Memberships = append(p.Memberships, chunk.Memberships...)
	p.Moves = append(p.Moves, chunk.Moves...)
	p.Kept = append(p.Kept, chunk.Kept...)
	p.Unchanged += chunk.Unchanged
	p.Failures = append(p.Failures, chunk.Failures...)
	if len(chunk.Ignored) > 0 {
		p.Ignored = slices.Compact(slices.Sorted(slices.Values(append(p.Ignored, chunk.Ignored...))))
	}
}

func (r *run) results() []SyncResult {
	out := make([]SyncResult, len(r.steps))
	for i, s := range r.steps {
		out[i] = s.result
	}
	return out
}

func (r *run) plan() *Plan {
	p := &Plan{
		SourceName: r.sourceName, DataType: r.dataType, MatchKey: r.matchKey,
		Records: r.counts, Resources: make([]ResourcePlan, len(r.steps)), data: *r.data,
	}
	for i, s := range r.steps {
		p.Resources[i] = s.plan
	}
	return p
}

// logDone logs one line per run: counts only, never record contents.
func (r *run) logDone(took time.Duration) {
	per := make([]any, 0, len(r.steps))
	for _, s := range r.steps {
		c := s.result.Detail.Count
		per = append(per, slog.Group(s.res.Name(), "all", c.All, "success", c.Success, "failed", c.Failed))
	}
	msg := "datasync: user data synced"
	if r.dryRun {
		msg = "datasync: user data planned"
	}
	r.m.log.Info(msg, "source", r.sourceName, "dataType", r.dataType, "records", len(r.data.Records),
		"new", r.counts.New, "changed", r.counts.Changed, "unchanged", r.counts.Unchanged,
		slog.Group("resources", per...), "duration", took)
	for _, s := range r.steps {
		if ignored := s.result.Detail.IgnoredFields; len(ignored) > 0 {
			// A misspelt field is otherwise silent: say so once a run.
			r.m.log.Warn("datasync: record fields ignored", "source", r.sourceName, "dataType", r.dataType,
				"resource", s.res.Name(), "fields", ignored)
		}
	}
}

// resourceError names the resource and step of err. Input errors and
// failed records pass through as they are: their messages go back to the
// caller (an HTTP reply, a task's message) and already say what is wrong.
func resourceError(resource, step string, err error) error {
	var de *DataError
	var fe *FailedError
	if errors.As(err, &de) || errors.As(err, &fe) {
		return err
	}
	if resource == "" {
		return fmt.Errorf("datasync: %s: %w", step, err)
	}
	return fmt.Errorf("datasync: %s: %s: %w", resource, step, err)
}

// chunkName names c's records for messages: "records[1000:2000]".
func chunkName(step string, c *chunk) string {
	name := fmt.Sprintf("records[%d:%d]", c.start, c.start+len(c.recs))
	if step == "" {
		return name
	}
	return step + " " + name
}

func (r *run) inRun(uid string) bool {
	_, ok := r.uids[uid]
	return ok
}
