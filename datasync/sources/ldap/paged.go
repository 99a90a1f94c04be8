package ldap

import (
	"context"
	"fmt"

	goldap "github.com/go-ldap/ldap/v3"

	"github.com/gatehouse-dev/gatehouse/datasync"
)

// search reads every entry q selects, a page at a time (RFC 2696), and
// hands each page to page before asking for the next, so memory holds one
// page however large the directory. It returns nil only when the server
// said the last page was the last; any failure (a page refused or cut
// short by a size or time limit, the connection lost, ctx ended) is an
// error matching datasync.ErrIncomplete.
//
// The client-side go-ldap SearchWithPaging is not used: it gathers every
// page in memory before returning.
func (s *Source) search(ctx context.Context, conn *goldap.Conn, name string, q Search, attrs []string, page func([]*goldap.Entry) error) error {
	scope := goldap.ScopeWholeSubtree
	if q.Scope == ScopeOneLevel {
		scope = goldap.ScopeSingleLevel
	}
	paging := goldap.NewControlPaging(s.opts.PageSize)
	req := goldap.NewSearchRequest(q.BaseDN, scope, goldap.NeverDerefAliases, 0, 0, false,
		q.Filter, attrs, []goldap.Control{paging})
	for n := 1; ; n++ {
		res, err := conn.Search(req)
		if ctxErr := ctx.Err(); ctxErr != nil {
			// The connection was closed because ctx ended: say that, not
			// "connection closed".
			return fmt.Errorf("ldap: search %s page %d: %w (%w)", name, n, ctxErr, datasync.ErrIncomplete)
		}
		if err != nil {
			return serverError(fmt.Sprintf("search %s page %d", name, n), err)
		}
		if err := page(res.Entries); err != nil {
			return err
		}
		ctl, ok := goldap.FindControl(res.Controls, goldap.ControlTypePaging).(*goldap.ControlPaging)
		if !ok {
			// A server that ignores the (non-critical) paging control
			// answers in one go; getting here means it sent everything
			// without a limit error.
			return nil
		}
		if len(ctl.Cookie) == 0 {
			return nil
		}
		paging.SetCookie(ctl.Cookie)
	}
}
