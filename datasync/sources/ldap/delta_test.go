package ldap_test

import (
	"context"
	"errors"
	"testing"
	"time"

	goldap "github.com/go-ldap/ldap/v3"
	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/ldap"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/internal/slapdtest"
	"github.com/gatehouse-dev/gatehouse/internal/synctest"
)

// adminConn binds as the directory's administrator, to change it.
func adminConn(t *testing.T, srv *slapdtest.Server) *goldap.Conn {
	t.Helper()
	conn, err := goldap.DialURL(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if err := conn.Bind(slapdtest.AdminDN, slapdtest.AdminPassword); err != nil {
		t.Fatal(err)
	}
	return conn
}

func replace(t *testing.T, conn *goldap.Conn, dn, attr, value string) {
	t.Helper()
	req := goldap.NewModifyRequest(dn, nil)
	req.Replace(attr, []string{value})
	if err := conn.Modify(req); err != nil {
		t.Fatalf("modify %s: %v", dn, err)
	}
}

// nextSecond waits until the server's clock is past the second of every
// change so far: modifyTimestamp has a resolution of one second.
func nextSecond() { time.Sleep(1100 * time.Millisecond) }

const (
	user1DN   = "uid=user-001,ou=web,ou=engineering,ou=people," + baseDN
	user2DN   = "uid=user-002,ou=emea,ou=sales,ou=people," + baseDN
	user3DN   = "uid=user-003,ou=finance,ou=people," + baseDN
	engineers = "cn=engineers,ou=groups," + baseDN
)

// TestPullChanges reads the real slapd in full, then changes entries one
// second apart: a delta from the watermark emits what changed at or after
// it, with the memberships a full read gives, and never what was deleted.
func TestPullChanges(t *testing.T) {
	srv := startSlapd(t)
	src := newSource(t, fixtureOptions(srv.URL))
	admin := adminConn(t, srv)

	// user-001 changes last before the full read, alone in its second.
	nextSecond()
	replace(t, admin, user1DN, "displayName", "Ada")
	full := synctest.PullChanges(t, src, "")
	// PullChanges("") is a full read: what Pull emits.
	pulled := pull(t, fixtureOptions(srv.URL))
	if len(full.Users) != fixtureUsers || len(full.Depts) != len(pulled.depts) {
		t.Fatalf("full read: %d users and %d departments, want %d and %d", len(full.Users), len(full.Depts), fixtureUsers, len(pulled.depts))
	}
	if diff := cmp.Diff(pulled.users, full.Users); diff != "" {
		t.Fatalf("users of PullChanges(\"\") and of Pull (-Pull +PullChanges):\n%s", diff)
	}
	if _, err := time.Parse("20060102150405Z", full.Watermark); err != nil {
		t.Fatalf("full read's watermark %q is not a generalized time: %v", full.Watermark, err)
	}

	nextSecond()
	replace(t, admin, user2DN, "displayName", "Grace")
	delta := synctest.PullChanges(t, src, full.Watermark)
	// user-001 is read again: it changed in the watermark's second (>=).
	if diff := cmp.Diff([]string{uuid(1), uuid(2)}, delta.UserUIDs()); diff != "" {
		t.Fatalf("users of the delta (-want +got):\n%s", diff)
	}
	if len(delta.Depts) != 0 {
		t.Fatalf("the delta emitted departments %v, none changed", delta.Depts)
	}
	if delta.Watermark <= full.Watermark {
		t.Fatalf("the delta's watermark %q did not advance past %q", delta.Watermark, full.Watermark)
	}
	// The changed user comes with everything a full read gives them.
	after := synctest.PullChanges(t, src, "")
	if diff := cmp.Diff(after.Users[uuid(2)], delta.Users[uuid(2)]); diff != "" {
		t.Fatalf("user-002 from the delta and from a full read (-full +delta):\n%s", diff)
	}
	if got := delta.Users[uuid(2)]["nickname"]; got != "Grace" {
		t.Fatalf("user-002's nickname from the delta: %v, want Grace", got)
	}

	// Deleted entries are not seen by a delta; a changed group is.
	nextSecond()
	if err := admin.Del(goldap.NewDelRequest(user3DN, nil)); err != nil {
		t.Fatal(err)
	}
	replace(t, admin, engineers, "description", "builds things")
	delta2 := synctest.PullChanges(t, src, delta.Watermark)
	if diff := cmp.Diff([]string{uuid(2)}, delta2.UserUIDs()); diff != "" {
		t.Fatalf("users of the delta after a deletion (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{uuid(2002)}, delta2.Depts); diff != "" {
		t.Fatalf("departments of the delta after a group changed (-want +got):\n%s", diff)
	}
	if _, ok := synctest.PullChanges(t, src, "").Users[uuid(3)]; ok {
		t.Fatal("user-003 was deleted but a full read still has it")
	}
}

func TestPullChangesRefusesABadWatermark(t *testing.T) {
	src := newSource(t, ldap.Options{URL: "ldap://127.0.0.1:1", Users: ldap.Search{BaseDN: baseDN}})
	_, err := src.PullChanges(context.Background(), "yesterday", func(datasync.UserData) error { return nil })
	if !errors.Is(err, datasync.ErrNoWatermark) {
		t.Fatalf("a watermark that is no generalized time: error %v, want ErrNoWatermark", err)
	}
}

// TestManagerPullChanges runs a full pull and then a delta through a real
// directory: the delta updates the changed user and deletes no one, even
// a user deleted from the server.
func TestManagerPullChanges(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		srv := startSlapd(t)
		m := newDirectory(t, db, map[string]datasync.Source{"corp": newSource(t, fixtureOptions(srv.URL))})
		if _, err := m.PullChanges(ctx, "corp"); !errors.Is(err, datasync.ErrNoWatermark) {
			t.Fatalf("a delta before any full pull: error %v, want ErrNoWatermark", err)
		}
		if task := runPull(t, m, "corp"); task.Status != datasync.TaskSuccess {
			t.Fatalf("full pull: task %s: %s", task.Status, task.Message)
		}
		before := countRows(t, db)

		admin := adminConn(t, srv)
		nextSecond()
		replace(t, admin, user2DN, "displayName", "Grace")
		if err := admin.Del(goldap.NewDelRequest(user3DN, nil)); err != nil {
			t.Fatal(err)
		}
		id, err := m.PullChanges(ctx, "corp")
		if err != nil {
			t.Fatal(err)
		}
		task, err := m.Wait(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if task.Status != datasync.TaskSuccess {
			t.Fatalf("delta: task %s: %s", task.Status, task.Message)
		}
		var nickname string
		if err := db.NewSelect().Table("users").Column("nickname").Where("? = 'user-002'", bun.Ident("username")).Scan(ctx, &nickname); err != nil {
			t.Fatal(err)
		}
		if nickname != "Grace" {
			t.Fatalf("user-002's nickname after the delta: %q, want Grace", nickname)
		}
		if got := countRows(t, db); got != before {
			t.Fatalf("rows after the delta %+v, want them as before %+v: a delta deletes nothing", got, before)
		}
	})
}
