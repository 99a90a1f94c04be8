package ldap_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	goldap "github.com/go-ldap/ldap/v3"
	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/ldap"
)

// uuid is the entryUUID the fixture gives entry n: users 1-300, OUs
// 1001-1008, groups 2001-2007.
func uuid(n int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", n) }

// fixtureOptions read the whole fixture: users anywhere, the OUs under
// ou=people, the groups under ou=groups (with memberOf), disabled users
// by employeeType.
func fixtureOptions(url string) ldap.Options {
	return ldap.Options{
		URL:          url,
		BindDN:       readerDN,
		BindPassword: readerSecret,
		Users:        ldap.Search{BaseDN: baseDN},
		OUs:          ldap.Search{BaseDN: "ou=people," + baseDN},
		Groups:       ldap.GroupSearch{Search: ldap.Search{BaseDN: "ou=groups," + baseDN}},
		Attributes:   ldap.Attributes{MemberOf: "memberOf"},
		Disabled:     ldap.Disabled{Attribute: "employeeType", Value: "disabled"},
	}
}

// pulled is what one Pull emitted.
type pulled struct {
	depts []datasync.Record
	users map[string]datasync.Record
	parts []datasync.UserData
}

func pull(t *testing.T, opts ldap.Options) pulled {
	t.Helper()
	src, err := ldap.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	got := pulled{users: map[string]datasync.Record{}}
	err = src.Pull(context.Background(), func(d datasync.UserData) error {
		got.parts = append(got.parts, d)
		for _, r := range d.Records {
			if d.DataType == datasync.DataTypeDepartment {
				got.depts = append(got.depts, r)
				continue
			}
			uid, _ := r.UID()
			if _, dup := got.users[uid]; dup {
				t.Errorf("user %s emitted twice", uid)
			}
			got.users[uid] = r
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Pull: %v", err)
	}
	return got
}

func TestPullReadsPastTheSizeLimit(t *testing.T) {
	srv := startSlapd(t)
	t.Run("a plain search is cut off", func(t *testing.T) {
		conn, err := goldap.DialURL(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if err := conn.Bind(readerDN, readerSecret); err != nil {
			t.Fatal(err)
		}
		res, err := conn.Search(goldap.NewSearchRequest(baseDN, goldap.ScopeWholeSubtree, goldap.NeverDerefAliases, 0, 0, false,
			"(objectClass=inetOrgPerson)", []string{"uid"}, nil))
		if !goldap.IsErrorWithCode(err, goldap.LDAPResultSizeLimitExceeded) {
			t.Fatalf("err = %v, want sizeLimitExceeded", err)
		}
		if n := len(res.Entries); n != sizeLimit {
			t.Fatalf("%d entries before the limit, want %d", n, sizeLimit)
		}
	})
	for _, c := range []struct {
		pageSize  uint32
		chunkSize int
		userParts int
	}{
		{0, 0, 1},      // defaults: 500 a page, 1,000 a chunk
		{40, 0, 1},     // 8 pages
		{40, 64, 5},    // 300 users in chunks of 64
		{1000, 1, 300}, // one page above the limit
	} {
		t.Run(fmt.Sprintf("page %d chunk %d", c.pageSize, c.chunkSize), func(t *testing.T) {
			opts := fixtureOptions(srv.URL)
			opts.PageSize, opts.ChunkSize = c.pageSize, c.chunkSize
			got := pull(t, opts)
			if len(got.users) != fixtureUsers {
				t.Fatalf("%d users, want %d", len(got.users), fixtureUsers)
			}
			for i := 1; i <= fixtureUsers; i++ {
				if _, ok := got.users[uuid(i)]; !ok {
					t.Fatalf("user %d missing", i)
				}
			}
			userParts := 0
			for _, p := range got.parts {
				if p.DataType == datasync.DataTypeUser {
					userParts++
				}
			}
			if userParts != c.userParts {
				t.Errorf("%d user parts, want %d", userParts, c.userParts)
			}
		})
	}
}

func TestPullDepartmentTree(t *testing.T) {
	srv := startSlapd(t)
	got := pull(t, fixtureOptions(srv.URL))
	type dept struct{ Title, Parent string }
	want := map[string]dept{
		uuid(1001): {"people", ""},
		uuid(1002): {"engineering", uuid(1001)},
		uuid(1003): {"platform", uuid(1002)},
		uuid(1004): {"web", uuid(1002)},
		uuid(1005): {"sales", uuid(1001)},
		uuid(1006): {"emea", uuid(1005)},
		uuid(1007): {"finance", uuid(1001)},
		uuid(2001): {"staff", ""},
		uuid(2002): {"engineers", uuid(2001)}, // nested in staff
		uuid(2003): {"oncall", uuid(2002)},    // nested in engineers
		uuid(2004): {"admins", uuid(2001)},
		uuid(2005): {"cycle-a", ""}, // the cycle is cut at the smallest DN
		uuid(2006): {"cycle-b", uuid(2005)},
		uuid(2007): {"contractors", ""},
	}
	gotDepts := map[string]dept{}
	pos := map[string]int{}
	for i, r := range got.depts {
		uid, _ := r.UID()
		pos[uid] = i
		gotDepts[uid] = dept{Title: r["title"].(string), Parent: r.ParentUID()}
	}
	if diff := cmp.Diff(want, gotDepts); diff != "" {
		t.Fatalf("departments (-want +got):\n%s", diff)
	}
	for uid, d := range gotDepts {
		if d.Parent != "" && pos[d.Parent] > pos[uid] {
			t.Errorf("%s (%s) comes before its parent", uid, d.Title)
		}
	}
	if got.parts[0].DataType != datasync.DataTypeDepartment {
		t.Errorf("first part is %s, want departments before users", got.parts[0].DataType)
	}
}

func TestPullMemberships(t *testing.T) {
	srv := startSlapd(t)
	cases := []struct {
		name  string
		depth int
		user  int
		want  []any
	}{
		{"OU only", 0, 100, []any{uuid(1003)}},
		{"group nested twice", 0, 1, []any{uuid(1004), uuid(2001), uuid(2002), uuid(2003)}},
		{"group nested once", 0, 12, []any{uuid(1006), uuid(2001), uuid(2002)}},
		{"depth 1 stops at the enclosing group", 1, 1, []any{uuid(1004), uuid(2002), uuid(2003)}},
		{"a cycle of groups ends", 0, 4, []any{uuid(1005), uuid(2005), uuid(2006)}},
		{"member list", 0, 6, []any{uuid(1004), uuid(2007)}},
		{"memberOf", 0, 20, []any{uuid(1003), uuid(2007)}},
	}
	byDepth := map[int]pulled{}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := byDepth[c.depth]
			if !ok {
				opts := fixtureOptions(srv.URL)
				opts.Groups.NestedDepth = c.depth
				got = pull(t, opts)
				byDepth[c.depth] = got
			}
			if diff := cmp.Diff(c.want, got.users[uuid(c.user)]["departments"]); diff != "" {
				t.Errorf("user %d departments (-want +got):\n%s", c.user, diff)
			}
		})
	}
}

func TestPullDisabled(t *testing.T) {
	srv := startSlapd(t)
	for _, c := range []struct {
		name     string
		disabled ldap.Disabled
	}{
		{"value", ldap.Disabled{Attribute: "employeeType", Value: "DISABLED"}},
		{"bitmask", ldap.Disabled{Attribute: "employeeNumber", Bitmask: 2}}, // 514 vs 512, as AD's userAccountControl
	} {
		t.Run(c.name, func(t *testing.T) {
			opts := fixtureOptions(srv.URL)
			opts.Disabled = c.disabled
			got := pull(t, opts)
			for uid, u := range got.users {
				want := uid != uuid(7)
				if u["enabled"] != want {
					t.Errorf("user %s enabled = %v, want %v", uid, u["enabled"], want)
				}
			}
		})
	}
	t.Run("not configured", func(t *testing.T) {
		opts := fixtureOptions(srv.URL)
		opts.Disabled = ldap.Disabled{}
		got := pull(t, opts)
		if v, ok := got.users[uuid(7)]["enabled"]; ok {
			t.Errorf("enabled = %v, want no enabled field", v)
		}
	})
	t.Run("bitmask over a non-number", func(t *testing.T) {
		opts := fixtureOptions(srv.URL)
		opts.Disabled = ldap.Disabled{Attribute: "employeeType", Bitmask: 2}
		src, err := ldap.New(opts)
		if err != nil {
			t.Fatal(err)
		}
		err = src.Pull(context.Background(), func(datasync.UserData) error { return nil })
		var entryErr *ldap.EntryError
		if !errors.As(err, &entryErr) || !errors.Is(err, datasync.ErrIncomplete) {
			t.Fatalf("err = %v, want an *EntryError matching ErrIncomplete", err)
		}
		if entryErr.Attribute != "employeeType" || entryErr.DN != "" || strings.Contains(err.Error(), "user-") {
			t.Errorf("err = %v: want the attribute named and no DN", err)
		}
	})
}

func TestPullAttributes(t *testing.T) {
	srv := startSlapd(t)
	t.Run("defaults", func(t *testing.T) {
		got := pull(t, fixtureOptions(srv.URL))
		want := map[int]datasync.Record{
			1:  {"uid": uuid(1), "username": "user-001", "nickname": "Display 001", "email": "user-001@example.org", "phone": nil},
			2:  {"uid": uuid(2), "username": "user-002", "nickname": "Display 002", "email": "user-002@example.org", "phone": "+15550000002"},
			14: {"uid": uuid(14), "username": "user-014", "nickname": "Display 014", "email": nil, "phone": "+15550000014"},
			30: {"uid": uuid(30), "username": "user-030", "nickname": "User 030", "email": "user-030@example.org", "phone": "+15550000030"}, // no displayName: cn
		}
		for n, w := range want {
			u := got.users[uuid(n)]
			delete(u, "departments")
			delete(u, "enabled")
			if diff := cmp.Diff(w, u); diff != "" {
				t.Errorf("user %d (-want +got):\n%s", n, diff)
			}
		}
	})
	t.Run("mapped", func(t *testing.T) {
		opts := ldap.Options{
			URL: srv.URL, BindDN: readerDN, BindPassword: readerSecret,
			Users:      ldap.Search{BaseDN: "ou=platform,ou=engineering,ou=people," + baseDN, Scope: ldap.ScopeOneLevel, Filter: "(uid=user-005)"},
			Attributes: ldap.Attributes{ID: "uid", Username: "mail", Nickname: "sn", Email: "description", Phone: "employeeNumber"},
			MatchKey:   "username",
		}
		got := pull(t, opts)
		want := map[string]datasync.Record{
			"user-005": {"uid": "user-005", "username": "user-005@example.org", "nickname": "005", "email": nil, "phone": "512"},
		}
		if diff := cmp.Diff(want, got.users); diff != "" {
			t.Errorf("users (-want +got):\n%s", diff)
		}
		if mk := got.parts[0].MatchKey; mk != "username" {
			t.Errorf("matchKey = %q", mk)
		}
	})
	t.Run("a user without the ID attribute", func(t *testing.T) {
		opts := fixtureOptions(srv.URL)
		opts.Attributes.ID = "employeeType" // only user-007 has one
		src, err := ldap.New(opts)
		if err != nil {
			t.Fatal(err)
		}
		err = src.Pull(context.Background(), func(datasync.UserData) error { return nil })
		var entryErr *ldap.EntryError
		if !errors.As(err, &entryErr) || !errors.Is(err, ldap.ErrEntry) || !errors.Is(err, datasync.ErrIncomplete) {
			t.Fatalf("err = %v, want an *EntryError", err)
		}
		if entryErr.Search != "ous" || entryErr.Attribute != "employeeType" {
			t.Errorf("err = %v: want the first OU named", err)
		}
	})
}

func TestPullFailures(t *testing.T) {
	srv := startSlapd(t)
	mustFail := func(t *testing.T, opts ldap.Options, emit func(datasync.UserData) error) error {
		t.Helper()
		src, err := ldap.New(opts)
		if err != nil {
			t.Fatal(err)
		}
		err = src.Pull(context.Background(), emit)
		if !errors.Is(err, datasync.ErrIncomplete) || !errors.Is(err, datasync.ErrSourceAPI) {
			t.Fatalf("err = %v, want ErrIncomplete and ErrSourceAPI", err)
		}
		return err
	}
	t.Run("wrong password", func(t *testing.T) {
		opts := fixtureOptions(srv.URL)
		opts.BindPassword = "not-the-secret-x9"
		err := mustFail(t, opts, func(datasync.UserData) error { return nil })
		if strings.Contains(err.Error(), opts.BindPassword) {
			t.Errorf("the error shows the password: %v", err)
		}
	})
	t.Run("StartTLS refused", func(t *testing.T) {
		opts := fixtureOptions(srv.URL)
		opts.StartTLS = true // this slapd has no certificate
		mustFail(t, opts, func(datasync.UserData) error { return nil })
	})
	t.Run("emit's error unchanged", func(t *testing.T) {
		src, err := ldap.New(fixtureOptions(srv.URL))
		if err != nil {
			t.Fatal(err)
		}
		stop := errors.New("stop")
		if err := src.Pull(context.Background(), func(datasync.UserData) error { return stop }); err != stop {
			t.Fatalf("err = %v, want emit's", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		src, err := ldap.New(fixtureOptions(srv.URL))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		err = src.Pull(ctx, func(d datasync.UserData) error {
			cancel()
			return nil
		})
		if !errors.Is(err, context.Canceled) || !errors.Is(err, datasync.ErrIncomplete) {
			t.Fatalf("err = %v, want context.Canceled and ErrIncomplete", err)
		}
	})
	t.Run("paged read cut by a server limit", func(t *testing.T) {
		opts := fixtureOptions(srv.URL)
		opts.BindDN, opts.BindPassword = "cn=limited,"+baseDN, "limited-secret" // 100 entries at most
		opts.PageSize = 40
		err := mustFail(t, opts, func(datasync.UserData) error { return nil })
		if !strings.Contains(err.Error(), "Size Limit Exceeded") {
			t.Errorf("err = %v, want sizeLimitExceeded", err)
		}
	})
	t.Run("server hangs mid-read", func(t *testing.T) {
		opts := fixtureOptions(srv.URL)
		opts.PageSize, opts.ChunkSize, opts.Timeout = 10, 10, 300*time.Millisecond
		defer srv.Signal(syscall.SIGCONT)
		start := time.Now()
		mustFail(t, opts, func(d datasync.UserData) error {
			if d.DataType == datasync.DataTypeUser {
				return srv.Signal(syscall.SIGSTOP)
			}
			return nil
		})
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("the pull took %v with a 300ms timeout", d)
		}
	})
	t.Run("server killed mid-read", func(t *testing.T) {
		opts := fixtureOptions(srv.URL)
		opts.PageSize, opts.ChunkSize = 10, 10
		users := 0
		err := mustFail(t, opts, func(d datasync.UserData) error {
			if d.DataType == datasync.DataTypeUser {
				users += len(d.Records)
				srv.Kill()
			}
			return nil
		})
		if users == 0 || users >= fixtureUsers {
			t.Errorf("%d users emitted before the failure, want some but not all", users)
		}
		if strings.Contains(err.Error(), readerSecret) {
			t.Errorf("the error shows the password: %v", err)
		}
	})
	t.Run("server gone", func(t *testing.T) {
		mustFail(t, fixtureOptions(srv.URL), func(datasync.UserData) error { return nil })
	})
}
