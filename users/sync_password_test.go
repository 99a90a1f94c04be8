package users_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/users"
)

// recordsText is the whole userDataSyncRecords table as text: what a
// plaintext password must never be found in.
func (e *usyncEnv) recordsText(t *testing.T) string {
	t.Helper()
	var rows []map[string]any
	if err := e.db.NewSelect().Table("userDataSyncRecords").Scan(e.ctx, &rows); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(rows)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// syncAs pushes records as source with matchKey email.
func (e *usyncEnv) syncAs(t *testing.T, source string, recs ...datasync.Record) {
	t.Helper()
	if _, err := e.m.UpdateOrCreate(e.ctx, usyncData(source, "email", recs...)); err != nil {
		t.Fatalf("sync: %v", err)
	}
}

// TestUsersSyncPasswordPlain: a plaintext password is stored hashed (the
// user signs in with it), and no sync record, plan or failure holds it; an
// unchanged password writes nothing, a changed one is written once and
// moves passwordChangeTz.
func TestUsersSyncPasswordPlain(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newUsyncEnv(t, db, users.Options{}, datasync.Options{})
		const first, second = "Plain-Secret-1", "Plain-Secret-2"
		rec := func(nick, pw string) datasync.Record {
			return datasync.Record{"uid": "1", "nickname": nick, "email": "ann@x", "password": pw}
		}
		plan, err := e.m.Plan(e.ctx, usyncData("test", "email", rec("ann", first)))
		if err != nil {
			t.Fatal(err)
		}
		if b, _ := json.Marshal(plan); strings.Contains(string(b), first) || !strings.Contains(string(b), `"password":`) {
			t.Errorf("plan JSON: %s", b)
		}
		start := time.Now().Add(-time.Second)
		e.sync(t, rec("ann", first))
		u := e.user(t, "email", "ann@x")
		if ok, err := users.CheckPassword(e.ctx, e.db, u, first); !ok || err != nil {
			t.Fatalf("the synced password does not verify (%v)", err)
		}
		if u.PasswordChangeTz != 0 || users.PasswordMustReset(u.Password) {
			t.Errorf("created: passwordChangeTz %d, password %q", u.PasswordChangeTz, u.Password)
		}
		before := e.writes.Load()
		e.sync(t, rec("ann", first))
		if w := e.writes.Load() - before; w != 0 {
			t.Errorf("an unchanged re-sync wrote %d rows", w)
		}

		e.sync(t, rec("ann", second))
		u = e.user(t, "email", "ann@x")
		if ok, _ := users.VerifyPassword(first, u.Password); ok {
			t.Error("the old password still verifies")
		}
		if ok, err := users.CheckPassword(e.ctx, e.db, u, second); !ok || err != nil {
			t.Errorf("the changed password does not verify (%v)", err)
		}
		if u.PasswordChangeTz < start.UnixMilli() {
			t.Errorf("passwordChangeTz %d did not move", u.PasswordChangeTz)
		}
		tz := u.PasswordChangeTz
		before = e.writes.Load()
		e.sync(t, rec("ann", second))
		if w := e.writes.Load() - before; w != 0 {
			t.Errorf("the changed password was written again: %d rows", w)
		}
		// Another field changes: the password is not written again.
		_, rp := e.plan(t, usyncData("test", "email", rec("anna", second)))
		if len(rp.Updates) != 1 || len(rp.Updates[0].Values) != 1 {
			t.Errorf("updates %+v, want the nickname only", rp.Updates)
		}
		e.sync(t, rec("anna", second))
		if u = e.user(t, "email", "ann@x"); u.PasswordChangeTz != tz || u.Nickname != "anna" {
			t.Errorf("nickname %q, passwordChangeTz %d → %d", u.Nickname, tz, u.PasswordChangeTz)
		}

		if strings.Contains(e.recordsText(t), first) || strings.Contains(e.recordsText(t), second) {
			t.Error("the sync records hold a plaintext password")
		}
	})
}

// TestUsersSyncPasswordNotEchoed: a failed record does not echo its
// password, and Apply does not hash a planned record's password twice.
func TestUsersSyncPasswordNotEchoed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newUsyncEnv(t, db, users.Options{}, datasync.Options{})
		// A record failing for another reason does not echo its password.
		e.addUser(t, &users.User{Nickname: "other", Username: "taken"})
		plan, err := e.m.Plan(e.ctx, usyncData("test", "email", datasync.Record{"uid": "2", "username": "taken", "password": "Plain-Secret-3"}))
		if err != nil {
			t.Fatal(err)
		}
		fails := plan.Resources[0].Failures
		if b, _ := json.Marshal(plan); len(fails) != 1 || fails[0].Record["password"] != datasync.Redacted || strings.Contains(string(b), "Plain-Secret-3") {
			t.Errorf("failures: %s", b)
		}
		// Apply replays a plan's records, transformed already: the password
		// is not hashed twice.
		plan, err = e.m.Plan(e.ctx, usyncData("test", "email", datasync.Record{"uid": "5", "email": "eve@x", "password": "Plain-Secret-5"}))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.m.Apply(e.ctx, plan); err != nil {
			t.Fatal(err)
		}
		if ok, err := users.CheckPassword(e.ctx, e.db, e.user(t, "email", "eve@x"), "Plain-Secret-5"); !ok || err != nil {
			t.Errorf("a planned and applied password does not verify (%v)", err)
		}
		for _, s := range []string{"Plain-Secret-3", "Plain-Secret-5"} {
			if strings.Contains(e.recordsText(t), s) {
				t.Errorf("the sync records hold the plaintext %q", s)
			}
		}
	})
}

// TestUsersSyncPasswordSHA256Hex: the reference platform's hex SHA-256 is
// stored lowercased and verifies; a value that is not one fails its record
// naming the uid and the field, never the value.
func TestUsersSyncPasswordSHA256Hex(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newUsyncEnv(t, db, users.Options{}, datasync.Options{})
		e.addSource(t, "hex", map[string]any{"password": map[string]any{"format": "sha256-hex"}})
		sum := sha256.Sum256([]byte("hex-pw"))
		e.syncAs(t, "hex", datasync.Record{"uid": "1", "email": "ann@x", "password": strings.ToUpper(hex.EncodeToString(sum[:]))})
		u := e.user(t, "email", "ann@x")
		if u.Password != hex.EncodeToString(sum[:]) {
			t.Errorf("stored %q, want the lowercase hex", u.Password)
		}
		if ok, err := users.CheckPassword(e.ctx, e.db, u, "hex-pw"); !ok || err != nil {
			t.Errorf("the hex SHA-256 does not verify (%v)", err)
		}
		_, err := e.m.UpdateOrCreate(e.ctx, usyncData("hex", "email", datasync.Record{"uid": "2", "email": "bob@x", "password": "not-hex-secret"}))
		var failed *datasync.FailedError
		if !errors.As(err, &failed) ||
			failed.Failures[0].Message != `uid "2": field "password": want 64 hexadecimal characters (password format sha256-hex)` ||
			strings.Contains(fmt.Sprint(failed.Failures), "not-hex-secret") {
			t.Errorf("bad hex: %v", err)
		}
		if strings.Contains(e.recordsText(t), "not-hex-secret") {
			t.Error("the sync records hold the refused value")
		}
	})
}

// TestUsersSyncPasswordCustom: a host's transformer stores what it
// returns; its error and a result no verifier knows fail the record; an
// unknown format fails the run naming it.
func TestUsersSyncPasswordCustom(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newUsyncEnv(t, db, users.Options{}, datasync.Options{})
		m := datasync.NewManager(e.db, datasync.Options{Logger: slog.New(slog.DiscardHandler)})
		// "b64sha": the base64 of the SHA-256, turned into its hex.
		err := users.RegisterSyncResources(m, users.Options{PasswordTransformers: map[string]users.PasswordTransformer{
			"b64sha": func(uid, value string) (string, error) {
				if value == "garbage" {
					return value, nil
				}
				var b []byte
				if _, err := fmt.Sscanf(value, "b64:%x", &b); err != nil {
					return "", fmt.Errorf("uid %s: bad value %s", uid, value)
				}
				return hex.EncodeToString(b), nil
			},
		}})
		if err != nil {
			t.Fatal(err)
		}
		e.m = m
		e.addSource(t, "custom", map[string]any{"password": map[string]any{"format": "b64sha"}})
		sum := sha256.Sum256([]byte("custom-pw"))
		e.syncAs(t, "custom", datasync.Record{"uid": "1", "email": "ann@x", "password": "b64:" + hex.EncodeToString(sum[:])})
		if ok, err := users.CheckPassword(e.ctx, e.db, e.user(t, "email", "ann@x"), "custom-pw"); !ok || err != nil {
			t.Errorf("the transformed password does not verify (%v)", err)
		}
		for value, want := range map[string]string{
			"secret-refused": `uid "2": field "password": the "b64sha" password transformer refused it`,
			"garbage":        `uid "2": field "password": the "b64sha" password transformer gave no hash users can verify`,
		} {
			_, err := m.UpdateOrCreate(e.ctx, usyncData("custom", "email", datasync.Record{"uid": "2", "email": "bob@x", "password": value}))
			var failed *datasync.FailedError
			if !errors.As(err, &failed) || failed.Failures[0].Message != want {
				t.Errorf("%s: %v, want %s", value, err, want)
			}
		}

		e.addSource(t, "odd", map[string]any{"password": map[string]any{"format": "md5-ish"}})
		_, err = m.UpdateOrCreate(e.ctx, usyncData("odd", "email", datasync.Record{"uid": "1", "email": "x@x"}))
		if !errors.Is(err, datasync.ErrInvalidSource) || !strings.Contains(err.Error(), `"md5-ish"`) {
			t.Errorf("unknown format: %v", err)
		}
	})
}

// TestUsersSyncPasswordMissing: a user created without a password must
// reset it (no password verifies); an existing user adopted without one
// keeps its own.
func TestUsersSyncPasswordMissing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newUsyncEnv(t, db, users.Options{}, datasync.Options{})
		hash, err := users.HashPassword("own-pw")
		if err != nil {
			t.Fatal(err)
		}
		old := e.addUser(t, &users.User{Nickname: "bob", Email: "bob@x"})
		e.editLocally(t, old.ID, map[string]any{"password": hash})
		e.sync(t, datasync.Record{"uid": "1", "email": "ann@x"}, datasync.Record{"uid": "2", "email": "ann2@x", "password": ""},
			datasync.Record{"uid": "3", "email": "bob@x", "nickname": "Bob"})
		a, a2 := e.user(t, "email", "ann@x"), e.user(t, "email", "ann2@x")
		if !users.PasswordMustReset(a.Password) || !users.PasswordMustReset(a2.Password) || a.Password == a2.Password {
			t.Errorf("passwords %q, %q: want two different must-reset values", a.Password, a2.Password)
		}
		for _, pw := range []string{"", a.Password, strings.TrimPrefix(a.Password, "!reset:")} {
			if ok, _ := users.VerifyPassword(pw, a.Password); ok {
				t.Errorf("%q verifies against a must-reset password", pw)
			}
		}
		b := e.user(t, "email", "bob@x")
		if ok, err := users.CheckPassword(e.ctx, e.db, b, "own-pw"); b.Nickname != "Bob" || !ok || err != nil {
			t.Errorf("adopted user: nickname %q, own password verifies %v (%v)", b.Nickname, ok, err)
		}
	})
}

// TestUsersSyncPasswordAfterFailure: a record whose sync failed after its
// password changed gets the new password written by the next sync, though
// the failed sync's record already held it.
func TestUsersSyncPasswordAfterFailure(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newUsyncEnv(t, db, users.Options{}, datasync.Options{SkipFailed: true})
		const first, second = "Plain-Secret-1", "Plain-Secret-2"
		e.sync(t, datasync.Record{"uid": "1", "nickname": "ann", "email": "ann@x", "password": first})
		res := e.sync(t, datasync.Record{"uid": "1", "nickname": true, "email": "ann@x", "password": second})
		if res.Detail.Count.Failed != 1 {
			t.Fatalf("the bad record did not fail: %+v", res.Detail.Count)
		}
		if ok, _ := users.CheckPassword(e.ctx, e.db, e.user(t, "email", "ann@x"), second); ok {
			t.Fatal("the failed record's password was written")
		}
		e.sync(t, datasync.Record{"uid": "1", "nickname": "ann", "email": "ann@x", "password": second})
		if ok, err := users.CheckPassword(e.ctx, e.db, e.user(t, "email", "ann@x"), second); !ok || err != nil {
			t.Fatalf("the password of the sync after the failure was not written (%v)", err)
		}
	})
}
