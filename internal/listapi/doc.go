// Package listapi is what the HTTP APIs built on resourcer read and answer
// the same way when they serve NocoBase-style lists from memory rather
// than through crud's SQL: acl/aclstore's roles API and datasync/syncapi's
// sync API. Their rows are few (roles, sync sources), so they filter and
// page a slice the store returned instead of compiling a query:
//
//	f, err := listapi.ParseFilter(ac.Params["filter"], []string{"name", "hidden"})
//	if err != nil {
//		return nil, err // a 400 naming the filter key at fault
//	}
//	kept := slices.DeleteFunc(rows, func(r Row) bool {
//		return !f.Match("name", r.Name) || !f.Match("hidden", strconv.FormatBool(r.Hidden))
//	})
//	return listapi.PageList(ac.Params, kept, 1000) // {data, meta} or the whole list
//
// # Why one place
//
// A client sees these answers: the same filter must select the same rows
// and a mistake must read the same in every API, or a client written
// against one is surprised by the other. And a filter is also how a
// permission layer narrows a list (its data scope is ANDed in): a copy
// that drifted into ignoring a key it did not understand would widen what
// a role may see. So the filter refuses (400) what it cannot apply, and
// both APIs share it.
//
// # What is here
//
//   - [Filter] and [ParseFilter]: NocoBase's filter reduced to a
//     conjunction of equalities, the only kind an in-memory list needs.
//   - [Page], [PageList], [PageOf], [Unpaged]: NocoBase's page, pageSize
//     and paginate, and its {count, page, pageSize, totalPage} meta.
//   - [BadRequest], [Show] and the values readers ([StringValue],
//     [BoolValue], [WholeNumberValue]): a 400 whose message names the
//     field at fault without echoing a large value back.
//
// The package is internal: these are conveniences of two API packages,
// not part of the SDK a host programs against, and resourcer keeps the
// general pieces they are built on ([resourcer.PositiveParam],
// [resourcer.WholeNumber], [resourcer.PageMeta], [resourcer.StatusError]).
package listapi
