package aclstore

import (
	"encoding/json"
	"net/http"
	"slices"

	"github.com/gatehouse-dev/gatehouse/acl"
)

// Middleware returns net/http middleware that gives a request of a known
// user (acl.WithUser, set by the host's authentication before it) the
// user's roles, for acl.Middleware after it to check:
//
//   - the user's roles (RolesOf) become the request's roles (acl.WithRoles),
//     the union NocoBase checks in its role union mode;
//   - when the request picked a role (acl.WithRole, from an X-Role header,
//     say) that role alone is checked, and only if it is one of the
//     user's: picking a role the user lacks is answered 403;
//   - otherwise the first role becomes the current role (acl.WithRole),
//     which the "allowConfigure" allow condition reads.
//
// A user without roles and without a default role gets an empty list,
// which denies everything. A request without a user, or whose roles the
// host already set (acl.WithRoles), passes untouched. A database error is
// answered 500 {"errors":[{"message":"..."}]} without its details, which
// are logged.
func (s *Store) Middleware() func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx := r.Context()
			raw, hasUser := acl.UserID(ctx)
			if _, set := acl.CurrentRoles(ctx); !hasUser || set {
				next.ServeHTTP(w, r)
				return
			}
			id, ok := int64ID(raw)
			if !ok {
				s.log.Error("aclstore: the user id is not an integer", "id", raw)
				writeError(w, http.StatusInternalServerError, "Internal server error")
				return
			}
			roles, err := s.RolesOf(ctx, id)
			if err != nil {
				s.log.Error("aclstore: read the user's roles", "user", id, "err", err)
				writeError(w, http.StatusInternalServerError, "Internal server error")
				return
			}
			picked := acl.CurrentRole(ctx)
			switch {
			case picked != "" && !slices.Contains(roles, picked):
				writeError(w, http.StatusForbidden, "No permissions: the role is not one of the user's roles")
				return
			case picked != "":
				ctx = acl.WithRoles(ctx, picked)
			default:
				ctx = acl.WithRoles(ctx, roles...)
				if len(roles) > 0 {
					ctx = acl.WithRole(ctx, roles[0])
				}
			}
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// writeError answers in acl.Middleware's error shape.
func writeError(w http.ResponseWriter, status int, message string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	body, _ := json.Marshal(map[string]any{"errors": []map[string]string{{"message": message}}})
	w.Write(body)
}
