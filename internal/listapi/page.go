package listapi

import "github.com/gatehouse-dev/gatehouse/resourcer"

// DefaultPageSize is NocoBase's pageSize when a list request gives none.
const DefaultPageSize = 20

// maxPageParam bounds page and pageSize whatever the list's limit: their
// product is an offset, which must not overflow.
const maxPageParam = 1 << 31

// Page reads NocoBase's page and pageSize (1 and [DefaultPageSize] when
// absent). limit bounds pageSize when positive; zero leaves it unbounded,
// for a list short enough to answer whole. Each mistake is a 400 naming
// the param.
func Page(p resourcer.Params, limit int) (pageNo, pageSize int, err error) {
	n, err := resourcer.PositiveParam(p, "page", 1)
	if err != nil {
		return 0, 0, err
	}
	size, err := resourcer.PositiveParam(p, "pageSize", DefaultPageSize)
	if err != nil {
		return 0, 0, err
	}
	if limit > 0 && size > int64(limit) {
		return 0, 0, BadRequest("pageSize must be at most %d, got %d", limit, size)
	}
	if n > maxPageParam {
		return 0, 0, BadRequest("page must be below 2^31")
	}
	if size > maxPageParam {
		return 0, 0, BadRequest("pageSize must be below 2^31")
	}
	return int(n), int(size), nil
}

// Unpaged reports whether the request asks for the whole list
// (paginate=false, from JSON or a query string), as NocoBase's lists
// allow: the answer is then the bare list, without meta.
func Unpaged(p resourcer.Params) bool {
	return p["paginate"] == false || p["paginate"] == "false"
}

// PageOf is page pageNo of list, pageSize rows a page, with NocoBase's
// meta counting the whole list. A page past the end is empty, not an
// error.
func PageOf[T any](list []T, pageNo, pageSize int) *resourcer.Response {
	count := int64(len(list))
	from := min(count, int64(pageNo-1)*int64(pageSize))
	to := min(count, from+int64(pageSize))
	return &resourcer.Response{Data: list[from:to], Meta: resourcer.PageMeta(count, pageNo, pageSize)}
}

// PageList answers a list request: the whole list when it is [Unpaged]
// (page and pageSize are then not read), else the page it asks for (see
// [Page] and [PageOf]).
func PageList[T any](p resourcer.Params, list []T, limit int) (any, error) {
	if Unpaged(p) {
		return list, nil
	}
	pageNo, pageSize, err := Page(p, limit)
	if err != nil {
		return nil, err
	}
	return PageOf(list, pageNo, pageSize), nil
}
