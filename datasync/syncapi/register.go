package syncapi

import (
	"context"
	"fmt"
	"net/http"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/resourcer"
)

// Resource names, NocoBase's.
const (
	ResourceUserData    = "userData"
	ResourceSources     = "userDataSyncSources"
	ResourceTasks       = "userDataSyncTasks"
	ResourceSourceTasks = ResourceSources + ".tasks"
)

// Snippet is the ACL snippet that grants the whole API, and its patterns:
// NocoBase's pm.user-data-sync.
const Snippet = "pm.user-data-sync"

// SnippetPatterns returns the actions Snippet grants.
func SnippetPatterns() []string {
	return []string{ResourceUserData + ":*", ResourceSources + ":*", ResourceTasks + ":*"}
}

// Options configure the API. The zero value is ready to use.
type Options struct {
	// Push configures userData:push, which is [datasync.Manager.PushHandler].
	// The Resourcer's own MaxBodyBytes applies first.
	Push datasync.PushHandlerOptions
	// UserID returns the signed-in user, recorded as a source's
	// createdById and updatedById; users.CurrentUserID fits. Nil records
	// none.
	UserID func(ctx context.Context) (int64, bool)
}

// api is what the actions share.
type api struct {
	m    *datasync.Manager
	opts Options
}

func (a *api) userID(r *http.Request) (int64, bool) {
	if a.opts.UserID == nil {
		return 0, false
	}
	return a.opts.UserID(r.Context())
}

// action is an action's handler and whether it changes data (so that GET
// may not run it).
type action struct {
	h        func(*http.Request, *resourcer.ActionContext) (any, error)
	changing bool
}

// Register defines the API's resources on rs: userData, userDataSyncSources
// (with its tasks association) and userDataSyncTasks, served by m. Each is
// defined with only its own actions, so handlers registered on rs for
// every resource (crud's list, create, ...) never reach the sync tables.
// It fails only for a definition rs refuses.
func Register(rs *resourcer.Resourcer, m *datasync.Manager, opts Options) error {
	a := &api{m: m, opts: opts}
	ud, src, tk := userData{a}, sources{a}, tasks{a}
	defs := []struct {
		name    string
		typ     resourcer.ResourceType
		actions map[string]action
	}{
		{ResourceUserData, "", map[string]action{
			"listSyncTypes": {h: ud.listSyncTypes},
			"pull":          {h: ud.pull, changing: true},
			"pullChanges":   {h: ud.pullChanges, changing: true},
			"retry":         {h: ud.retry, changing: true},
			"approve":       {h: ud.approve, changing: true},
			"clear":         {h: ud.clear, changing: true},
		}},
		{ResourceSources, "", map[string]action{
			"list": {h: src.list}, "get": {h: src.get}, "nextRun": {h: src.nextRun},
			"create":  {h: src.create, changing: true},
			"update":  {h: src.update, changing: true},
			"destroy": {h: src.destroy, changing: true},
		}},
		{ResourceSourceTasks, resourcer.TypeHasMany, map[string]action{"list": {h: tk.list}}},
		{ResourceTasks, "", map[string]action{
			"list": {h: tk.list}, "get": {h: tk.get},
			"history": {h: tk.history}, "searchHistory": {h: tk.searchHistory},
		}},
	}
	for _, d := range defs {
		actions := make(map[string]resourcer.ActionOptions, len(d.actions)+1)
		for name, act := range d.actions {
			actions[name] = resourcer.ActionOptions{Handler: handler(act.h), StateChanging: act.changing}
		}
		if d.name == ResourceUserData {
			actions["push"] = resourcer.ActionOptions{Handler: m.PushHandler(opts.Push), StateChanging: true}
		}
		only := make([]string, 0, len(actions))
		for name := range actions {
			only = append(only, name)
		}
		if _, err := rs.Define(resourcer.ResourceOptions{Name: d.name, Type: d.typ, Actions: actions, Only: only}); err != nil {
			return fmt.Errorf("syncapi: define %s: %w", d.name, err)
		}
	}
	return nil
}

// SnippetRegistrar is the part of an ACL RegisterACL needs; *acl.ACL
// satisfies it. syncapi does not import acl.
type SnippetRegistrar interface {
	RegisterSnippetPatterns(name string, patterns []string) error
}

// RegisterACL registers the snippet pm.user-data-sync (Snippet), which
// grants every action of the API, as NocoBase's plugin does: a role given
// it administers sources, runs, approvals and history.
func RegisterACL(a SnippetRegistrar) error {
	if err := a.RegisterSnippetPatterns(Snippet, SnippetPatterns()); err != nil {
		return fmt.Errorf("syncapi: register snippet %s: %w", Snippet, err)
	}
	return nil
}
