package users

// ACLConfig is the part of an ACL the presets need; *acl.ACL satisfies it.
// users does not import acl.
type ACLConfig interface {
	AddFixedParams(resource, action string, merger func() map[string]any)
	Allow(resource string, actions []string, condition string)
	RegisterSnippetPatterns(name string, patterns []string) error
}

// ACLPresets configures an ACL the way NocoBase's users plugin does: the
// root user (id 1) cannot be destroyed, the users collection cannot be
// dropped, a signed-in user may update their own profile and language
// and change their own password (NocoBase allows that through its auth
// plugin), anyone may run the sign-in actions (auth:signIn, signOut,
// check: each answers 401 itself where a user is needed), and the snippet
// pm.users grants every users action.
func ACLPresets(a ACLConfig) error {
	a.AddFixedParams("users", "destroy", func() map[string]any {
		return map[string]any{"filter": map[string]any{"id.$ne": 1}}
	})
	a.AddFixedParams("collections", "destroy", func() map[string]any {
		return map[string]any{"filter": map[string]any{"name.$ne": "users"}}
	})
	a.Allow("users", []string{"updateProfile", "updateLang", "changePassword"}, "loggedIn")
	a.Allow("auth", []string{"signIn", "signOut", "check"}, "public")
	return a.RegisterSnippetPatterns("pm.users", []string{"users:*"})
}
