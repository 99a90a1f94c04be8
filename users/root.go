package users

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"

	"github.com/uptrace/bun"
)

// RootRole is the role InstallRoot gives the root user.
const RootRole = "root"

// InstallRoot creates the root user once, as NocoBase's installer does:
// INIT_ROOT_EMAIL (default admin@nocobase.com), INIT_ROOT_NICKNAME or
// INIT_ROOT_DISPLAYNAME (default "Super Admin"), INIT_ROOT_USERNAME
// (default nocobase) and INIT_ROOT_PASSWORD. Unlike NocoBase there is no
// default password: without INIT_ROOT_PASSWORD a strong random one is
// generated and logged once, at warn level, for the operator to change.
//
// lookup reads the settings (os.LookupEnv in production). If a user with
// the root email exists, InstallRoot changes nothing and returns it. The
// user gets the root role.
func InstallRoot(ctx context.Context, db *bun.DB, lookup func(string) (string, bool)) (*User, error) {
	get := func(def string, keys ...string) string {
		for _, k := range keys {
			if v, ok := lookup(k); ok && v != "" {
				return v
			}
		}
		return def
	}
	email := get("admin@nocobase.com", "INIT_ROOT_EMAIL")
	existing := new(User)
	err := db.NewSelect().Model(existing).Where("?TableAlias.? = ?", bun.Ident("email"), email).Limit(1).Scan(ctx)
	switch {
	case err == nil:
		return existing, nil
	case !errors.Is(err, sql.ErrNoRows):
		return nil, fmt.Errorf("users: looking up the root user: %w", err)
	}
	password := get("", "INIT_ROOT_PASSWORD")
	generated := password == ""
	if generated {
		var b [18]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, err
		}
		password = base64.RawURLEncoding.EncodeToString(b[:])
	}
	root := &User{
		Email:    email,
		Nickname: get("Super Admin", "INIT_ROOT_NICKNAME", "INIT_ROOT_DISPLAYNAME"),
		Username: get("nocobase", "INIT_ROOT_USERNAME"),
		Password: password,
	}
	err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(root).Exec(ctx); err != nil {
			return err
		}
		_, err := tx.NewInsert().Model(&RoleUser{UserID: root.ID, RoleName: RootRole, Default: true}).Exec(ctx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("users: creating the root user: %w", err)
	}
	if generated {
		slog.Default().WarnContext(ctx, "users: created the root user with a generated password; sign in and change it, or set INIT_ROOT_PASSWORD",
			"email", email, "password", password)
	}
	return root, nil
}
