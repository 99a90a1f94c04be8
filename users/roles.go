package users

import (
	"context"

	"github.com/uptrace/bun"
)

// Role is a row of NocoBase's roles collection, the table a role's
// settings are stored in: its name (the key that rolesUsers.roleName and
// the acl use), its title, strategy and snippets. [CreateTables] creates
// it; the directory only needs a role to exist (a sync source may name
// only roles that have a row, see [RolesSyncResource]), while the acl's
// store reads and writes the rest of the row.
//
// The columns are NocoBase's, so that data moves between the two as it
// is: title is unique, strategy is the role's default strategy (JSON,
// such as {"actions": ["view"]}), snippets the snippet patterns it is
// granted.
type Role struct {
	bun.BaseModel `bun:"table:roles,alias:roles"`
	Name          string `bun:"name,pk" json:"name"`
	// Title is the name shown to people; unique among roles, as NocoBase
	// has it.
	Title       string         `bun:"title,unique,nullzero" json:"title"`
	Description string         `bun:"description,nullzero" json:"description"`
	Strategy    map[string]any `bun:"strategy,type:json" json:"strategy"`
	// Snippets are the role's snippet rules; an inserted role without any
	// gets none (stored as [], not NULL). NocoBase gives a new role
	// "!ui.*", "!pm" and "!pm.*", rules that only take away snippets a role
	// was given: a role here is given none, and the acl refuses rules
	// that select no registered snippet, so a store could not load them.
	Snippets       []string `bun:"snippets,type:json" json:"snippets"`
	AllowConfigure bool     `bun:"allowConfigure,notnull,default:false" json:"allowConfigure"`
	AllowNewMenu   bool     `bun:"allowNewMenu,notnull,default:false" json:"allowNewMenu"`
	// Default marks the role new users get.
	Default bool  `bun:"default,notnull,default:false" json:"default"`
	Hidden  bool  `bun:"hidden,notnull,default:false" json:"hidden"`
	Sort    int64 `bun:"sort" json:"sort"`
	Timestamps
	// Audit's columns are acl/aclstore's too: the two packages share the
	// table.
	Audit
}

// BeforeAppendModel stores an inserted role's missing snippets as [] and
// fills the timestamps and audit columns.
func (r *Role) BeforeAppendModel(ctx context.Context, query bun.Query) error {
	if _, ok := query.(*bun.InsertQuery); ok && r.Snippets == nil {
		r.Snippets = []string{}
	}
	return FillServerColumns(ctx, query, r)
}
