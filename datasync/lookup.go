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

// cached is one remembered answer; found is false for a key the database
// had nothing for, which is remembered too.
type cached[V any] struct {
	value V
	found bool
}

// lookupCache holds what earlier lookups of the run found.
type lookupCache struct {
	links map[lookupKey]map[string]cached[Link]
	uids  map[lookupKey]map[string]cached[string]
	// counts are the sync records of a data type (see countRecords).
	counts map[DataType]int
}

// lookupLinks is Batch.LookupLinks.
func (r *run) lookupLinks(ctx context.Context, dataType DataType, resource string, uids []string) (map[string]Link, error) {
	if dataType == r.dataType {
		return r.queryLinks(ctx, dataType, resource, uids)
	}
	if r.lookups.links == nil {
		r.lookups.links = map[lookupKey]map[string]cached[Link]{}
	}
	return throughCache(ctx, r.lookups.links, lookupKey{dataType, resource}, uids,
		func(ctx context.Context, missing []string) (map[string]Link, error) {
			return r.queryLinks(ctx, dataType, resource, missing)
		})
}

// lookupUIDs is Batch.LookupUIDs.
func (r *run) lookupUIDs(ctx context.Context, dataType DataType, resource string, pks []string) (map[string]string, error) {
	if dataType == r.dataType {
		return r.queryUIDs(ctx, dataType, resource, pks)
	}
	if r.lookups.uids == nil {
		r.lookups.uids = map[lookupKey]map[string]cached[string]{}
	}
	return throughCache(ctx, r.lookups.uids, lookupKey{dataType, resource}, pks,
		func(ctx context.Context, missing []string) (map[string]string, error) {
			return r.queryUIDs(ctx, dataType, resource, missing)
		})
}

// throughCache answers keys from caches[key], asks query once for the
// keys it has never seen, and remembers the answers, absences included.
func throughCache[V any](ctx context.Context, caches map[lookupKey]map[string]cached[V], key lookupKey, keys []string,
	query func(context.Context, []string) (map[string]V, error)) (map[string]V, error) {
	cache := caches[key]
	if cache == nil {
		cache = map[string]cached[V]{}
		caches[key] = cache
	}
	out := make(map[string]V, len(keys))
	var missing []string
	for _, k := range keys {
		c, known := cache[k]
		switch {
		case !known:
			missing = append(missing, k)
		case c.found:
			out[k] = c.value
		}
	}
	found, err := query(ctx, missing)
	if err != nil {
		return nil, err
	}
	for _, k := range missing {
		v, ok := found[k]
		cache[k] = cached[V]{value: v, found: ok}
		if ok {
			out[k] = v
		}
	}
	return out, nil
}
