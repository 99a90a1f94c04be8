package resourcer

// Params are an action's params in NocoBase's JSON shape: filter,
// filterByTk, fields, appends, except, sort, page, pageSize, values, and
// anything a handler reads. Nested values are map[string]any, []any,
// string, json.Number (numbers from JSON, kept exact), float64, bool or nil.
type Params = map[string]any
