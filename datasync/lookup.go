package datasync

import "context"

// Lookups of records of another data type than the run's are answered
// from memory after the first time: a run writes links only for its own
// records, so theirs cannot change until it ends. A user run asks for the
// same departments' links chunk after chunk; this asks the database once
// per department.

// lookupKey names one cache: links of records of dataType to resource.
type lookupKey struct {
	dataType DataType
	resource string
}

// lookupCache holds what earlier lookups of the run found, absences
// included (a nil *Link, an empty uid).
type lookupCache struct {
	links map[lookupKey]map[string]*Link
	uids  map[lookupKey]map[string]string
	// counts are the sync records of a data type (see countRecords).
	counts map[DataType]int
}

// lookupLinks is Batch.LookupLinks.
func (r *run) lookupLinks(ctx context.Context, dataType DataType, resource string, uids []string) (map[string]Link, error) {
	if dataType == r.dataType {
		return r.queryLinks(ctx, dataType, resource, uids)
	}
	key := lookupKey{dataType, resource}
	if r.lookups.links == nil {
		r.lookups.links = map[lookupKey]map[string]*Link{}
	}
	cache := r.lookups.links[key]
	if cache == nil {
		cache = map[string]*Link{}
		r.lookups.links[key] = cache
	}
	out := make(map[string]Link, len(uids))
	var missing []string
	for _, uid := range uids {
		l, known := cache[uid]
		switch {
		case !known:
			missing = append(missing, uid)
		case l != nil:
			out[uid] = *l
		}
	}
	found, err := r.queryLinks(ctx, dataType, resource, missing)
	if err != nil {
		return nil, err
	}
	for _, uid := range missing {
		l, ok := found[uid]
		if !ok {
			cache[uid] = nil
			continue
		}
		cache[uid], out[uid] = &l, l
	}
	return out, nil
}

// lookupUIDs is Batch.LookupUIDs.
func (r *run) lookupUIDs(ctx context.Context, dataType DataType, resource string, pks []string) (map[string]string, error) {
	if dataType == r.dataType {
		return r.queryUIDs(ctx, dataType, resource, pks)
	}
	key := lookupKey{dataType, resource}
	if r.lookups.uids == nil {
		r.lookups.uids = map[lookupKey]map[string]string{}
	}
	cache := r.lookups.uids[key]
	if cache == nil {
		cache = map[string]string{}
		r.lookups.uids[key] = cache
	}
	out := make(map[string]string, len(pks))
	var missing []string
	for _, pk := range pks {
		uid, known := cache[pk]
		switch {
		case !known:
			missing = append(missing, pk)
		case uid != "":
			out[pk] = uid
		}
	}
	found, err := r.queryUIDs(ctx, dataType, resource, missing)
	if err != nil {
		return nil, err
	}
	for _, pk := range missing {
		cache[pk] = found[pk] // "" (no uid is empty) when there is none
		if uid := found[pk]; uid != "" {
			out[pk] = uid
		}
	}
	return out, nil
}
