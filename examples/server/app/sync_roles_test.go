package app

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/uptrace/bun"
)

// TestSyncedRolesApplyAtOnce: roles a sync gives or takes (here the push
// API; an LDAP or SCIM source alike) decide the user's very next request,
// though the role store caches each user's roles.
func TestSyncedRolesApplyAtOnce(t *testing.T) {
	eachDB(t, func(t *testing.T, db *bun.DB) {
		_, anon := serve(t, db)
		root := anon.signIn("nocobase", rootPassword)
		root.want(http.StatusOK, root.do(http.MethodPost, "/roles", map[string]any{
			"name": "editor", "title": "Editor",
			"strategy": map[string]any{"actions": []string{"view", "update"}},
		}), "root creates role editor, who edits every post", nil)
		var rootPost post
		root.want(http.StatusOK, root.do(http.MethodPost, "/posts", map[string]any{"title": "by root"}), "root posts", &rootPost)
		push := func(roles []string, what string) {
			root.want(http.StatusOK, root.do(http.MethodPost, "/userData:push", map[string]any{
				"dataType": "user",
				"records":  []map[string]any{{"uid": "hr-9", "username": "sam", "password": "sam-pass-1", "roles": roles}},
			}), what, nil)
		}
		edit := fmt.Sprintf("/posts:update?filterByTk=%d", rootPost.ID)

		push([]string{"editor"}, "push sam as an editor")
		sam := anon.signIn("sam", "sam-pass-1")
		sam.want(http.StatusOK, sam.do(http.MethodPost, edit, map[string]any{"title": "edited by sam"}), "sam edits root's post as an editor", nil)

		// Without roles sam is a member (the default role), who edits only
		// their own posts.
		push([]string{}, "push sam without roles")
		sam.want(http.StatusNotFound, sam.do(http.MethodPost, edit, map[string]any{"title": "again"}), "sam edits root's post after the sync took editor", nil)

		push([]string{"editor"}, "push sam as an editor again")
		sam.want(http.StatusOK, sam.do(http.MethodPost, edit, map[string]any{"title": "back"}), "sam edits again", nil)
	})
}
