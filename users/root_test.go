package users_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/users"
)

// recordedLog is an slog.Handler that keeps every record it is given, so a
// test can assert on what was logged, at which level, with which values.
type recordedLog struct {
	mu      sync.Mutex
	records []slog.Record
}

func (l *recordedLog) Enabled(context.Context, slog.Level) bool { return true }

func (l *recordedLog) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.records = append(l.records, r.Clone())
	return nil
}

func (l *recordedLog) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *recordedLog) WithGroup(string) slog.Handler      { return l }

// passwords returns the "password" attribute of every record, with its level.
func (l *recordedLog) passwords() (levels []slog.Level, values []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, r := range l.records {
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "password" {
				levels = append(levels, r.Level)
				values = append(values, a.Value.String())
			}
			return true
		})
	}
	return levels, values
}

// captureDefaultLog replaces slog's default logger, which InstallRoot logs
// through, for the rest of the test. Tests in this package do not run in
// parallel, so no other test logs into it.
func captureDefaultLog(t *testing.T) *recordedLog {
	t.Helper()
	rec := &recordedLog{}
	old := slog.Default()
	slog.SetDefault(slog.New(rec))
	t.Cleanup(func() { slog.SetDefault(old) })
	return rec
}

// freshDB opens another empty database of db's dialect.
func freshDB(t *testing.T, db *bun.DB) *bun.DB {
	t.Helper()
	if db.Dialect().Name().String() == "pg" {
		return dbtest.Postgres(t)
	}
	return dbtest.SQLite(t)
}

// Without INIT_ROOT_PASSWORD there is no default password (NocoBase's is
// admin123): each install generates a long random one, logs it once at warn
// level for the operator, and stores its hash. Two installs on two fresh
// databases must therefore end with different passwords, each verifying
// against its own stored hash only; a fixed fallback would give both the
// same one.
func TestInstallRootGeneratesPassword(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
	}{
		{"unset", map[string]string{"INIT_ROOT_EMAIL": "root@example.com"}},
		{"empty", map[string]string{"INIT_ROOT_EMAIL": "root@example.com", "INIT_ROOT_PASSWORD": ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, db *bun.DB) {
				lookup := func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok }
				var generated, stored []string
				for _, db := range []*bun.DB{db, freshDB(t, db)} {
					pw, hash := installGenerated(t, db, lookup)
					generated = append(generated, pw)
					stored = append(stored, hash)
				}
				checkGenerated(t, generated, stored)
			})
		})
	}
}

// installGenerated installs the root on a fresh db and returns the password
// it logged and the hash it stored, checking that it logs exactly one
// password, at warn level, and that a second install changes nothing.
func installGenerated(t *testing.T, db *bun.DB, lookup func(string) (string, bool)) (password, hash string) {
	t.Helper()
	ctx := setup(t, db)
	rec := captureDefaultLog(t)
	root, err := users.InstallRoot(ctx, db, lookup)
	if err != nil {
		t.Fatal(err)
	}
	levels, logged := rec.passwords()
	if len(logged) != 1 || levels[0] != slog.LevelWarn {
		t.Fatalf("install logged passwords %q at %v, want exactly one at WARN", logged, levels)
	}
	var row users.User
	if err := db.NewSelect().Model(&row).Where("?TableAlias.? = ?", bun.Ident("email"), "root@example.com").Scan(ctx); err != nil {
		t.Fatal(err)
	}
	if row.ID != root.ID || !users.IsPasswordHash(row.Password) {
		t.Fatalf("stored root %d with password %q, want root %d with an argon2id hash", row.ID, row.Password, root.ID)
	}
	again, err := users.InstallRoot(ctx, db, lookup)
	if err != nil || again.ID != root.ID || again.Password != row.Password {
		t.Fatalf("second install: %+v, %v", again, err)
	}
	if _, logged := rec.passwords(); len(logged) != 1 {
		t.Errorf("second install logged a password again: %q", logged)
	}
	return logged[0], row.Password
}

// checkGenerated asserts that the passwords two installs generated differ,
// look random, and each verify against its own install's hash only.
func checkGenerated(t *testing.T, generated, stored []string) {
	t.Helper()
	if len(generated) != 2 || len(stored) != 2 {
		t.Fatalf("%d passwords and %d hashes, want 2 of each", len(generated), len(stored))
	}
	if generated[0] == generated[1] {
		t.Fatalf("two installs generated the same password %q: a fixed default", generated[0])
	}
	for i, pw := range generated {
		// 18 random bytes, base64: 24 characters of a 64-letter alphabet.
		if len(pw) < 20 || distinctBytes(pw) < 12 {
			t.Errorf("generated password %q is short or repetitive", pw)
		}
		for _, known := range []string{"admin123", "nocobase", "password"} {
			if strings.Contains(strings.ToLower(pw), known) {
				t.Errorf("generated password %q contains %q", pw, known)
			}
		}
		for j, hash := range stored {
			if ok, err := users.VerifyPassword(pw, hash); err != nil || ok != (i == j) {
				t.Errorf("password %d against stored hash %d: %v, %v; want %v", i, j, ok, err, i == j)
			}
		}
	}
}

func distinctBytes(s string) int {
	seen := map[byte]bool{}
	for i := 0; i < len(s); i++ {
		seen[s[i]] = true
	}
	return len(seen)
}
