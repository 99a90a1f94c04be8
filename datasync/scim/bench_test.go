package scim_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/datasync/scim"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

// statementCounter counts the statements a database runs, and the rows
// its SELECTs read through bun's Scan (every read of StoredRecords and
// of scimGroups; the raw reads inside a Push are counted as statements
// only): a group PATCH that adds n members must cost the same few
// statements whatever n is, and one adding a member the same statements
// and rows whatever the source's size.
type statementCounter struct{ n, rows atomic.Int64 }

func (c *statementCounter) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	c.n.Add(1)
	return ctx
}

func (c *statementCounter) AfterQuery(_ context.Context, event *bun.QueryEvent) {
	if event.Result == nil || !strings.HasPrefix(event.Query, "SELECT") {
		return
	}
	if n, err := event.Result.RowsAffected(); err == nil {
		c.rows.Add(n)
	}
}

// seedUsers provisions n SCIM users straight through the datasync core,
// as the handler stores them, and returns their ids: creating them over
// HTTP one by one would time the set-up, not the PATCH.
func seedUsers(tb testing.TB, s *server, prefix string, n int) []string {
	tb.Helper()
	recs := make([]datasync.Record, n)
	ids := make([]string, n)
	for i := range recs {
		id := fmt.Sprintf("%s-%05d", prefix, i)
		name := fmt.Sprintf("%s.%d", prefix, i)
		ids[i] = id
		recs[i] = datasync.Record{"uid": id, "username": name, "nickname": name, "enabled": true, "departments": []any{},
			datasync.SourceDataKey: map[string]any{"id": id, "userName": name, "schemas": []any{scim.UserSchemaURN}}}
	}
	err := s.m.Edit(context.Background(), scim.DefaultSourceName, func(ctx context.Context, e *datasync.Editor) error {
		_, err := e.Push(ctx, datasync.UserData{DataType: datasync.DataTypeUser, Records: recs})
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return ids
}

// addMembersBody is a PATCH adding ids to a group, as Okta and Entra send it.
func addMembersBody(ids []string) string {
	var b strings.Builder
	b.WriteString(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[`)
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"value":"` + id + `"}`)
	}
	b.WriteString(`]}]}`)
	return b.String()
}

// patchStatements is the number of statements one PATCH adding the users
// ids to a new group runs.
func patchStatements(tb testing.TB, s *server, c *statementCounter, ids []string) int64 {
	tb.Helper()
	gid := s.createGroup("g-" + ids[0])
	before := c.n.Load()
	s.do("PATCH", "/Groups/"+gid, addMembersBody(ids)).want(tb, http.StatusNoContent)
	return c.n.Load() - before
}

// groupModes are the group modes a test or benchmark runs in, by name.
var groupModes = []struct {
	name string
	mode scim.GroupMode
}{{"departments", scim.GroupsAsDepartments}, {"roles", scim.GroupsAsRoles}}

// modeServer is a server of mode whose bodies may hold 1,000 members;
// in roles mode its source creates the roles its groups name.
func modeServer(tb testing.TB, db *bun.DB, mode scim.GroupMode) *server {
	tb.Helper()
	s := newServer(tb, db, scim.Options{MaxPayloadBytes: 1 << 22, Groups: mode})
	if mode == scim.GroupsAsRoles {
		s.setPolicy(map[string]any{"roles": map[string]any{"create": true}})
	}
	return s
}

// Adding 1,000 members is one set-based write, in either mode: it runs
// no more statements than adding 10 does.
func TestPatchGroupMembersIsSetBased(t *testing.T) {
	for _, gm := range groupModes {
		t.Run(gm.name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, db *bun.DB) {
				c := &statementCounter{}
				s := modeServer(t, db.WithQueryHook(c), gm.mode)
				few := patchStatements(t, s, c, seedUsers(t, s, "few", 10))
				many := patchStatements(t, s, c, seedUsers(t, s, "many", 1000))
				if many > few {
					t.Errorf("adding 1,000 members ran %d statements, adding 10 ran %d: want no more", many, few)
				}
				if gm.mode == scim.GroupsAsRoles {
					if grants := s.roleGrants(); len(grants) != 1010 || !slices.Contains(grants, "many.999:g-many-00000") {
						t.Errorf("%d grants, many.999's among them: %v", len(grants), slices.Contains(grants, "many.999:g-many-00000"))
					}
				} else if titles := s.memberTitles("many.999"); strings.Join(titles, ",") != "g-many-00000" {
					t.Errorf("many.999 in %v", titles)
				}
			})
		})
	}
}

// cost is what a request cost the database.
type cost struct{ statements, rows int64 }

// patchOneMember provisions n users on a fresh server of mode over db,
// makes a group of the first two, then PATCHes the third into it, and
// returns what that PATCH cost; it checks that the group then has the
// three as its members.
func patchOneMember(t *testing.T, db *bun.DB, mode scim.GroupMode, n int) cost {
	t.Helper()
	c := &statementCounter{}
	s := modeServer(t, db.WithQueryHook(c), mode)
	ids := seedUsers(t, s, "u", n)
	gid := s.createGroup("staff", ids[0], ids[1])
	before := cost{c.n.Load(), c.rows.Load()}
	s.do("PATCH", "/Groups/"+gid, addMembersBody(ids[2:3])).want(t, http.StatusNoContent)
	spent := cost{c.n.Load() - before.statements, c.rows.Load() - before.rows}
	var got []string
	for _, m := range s.do("GET", "/Groups/"+gid, nil).want(t, http.StatusOK).Body["members"].([]any) {
		got = append(got, m.(map[string]any)["value"].(string))
	}
	if want := ids[:3]; !slices.Equal(got, want) {
		t.Errorf("members %q, want %q", got, want)
	}
	return spent
}

// maxRowsOneMember bounds the rows a PATCH adding one member to a group
// of two reads: the group, its members and the new one with their
// links, and what the push reads back of the rows it writes. Reading
// the source, as the PATCH once did, is thousands.
const maxRowsOneMember = 25

// A PATCH adding one member reads the group's part of the source, not
// the source: in a source of 2,000 users it runs the same statements
// and reads the same rows as in one of 10, in either mode, on either
// database (a fresh one for each size, so that only the users differ).
func TestPatchOneMemberScalesWithTheGroup(t *testing.T) {
	for _, gm := range groupModes {
		t.Run(gm.name, func(t *testing.T) {
			small := map[dialect.Name]cost{}
			dbtest.Each(t, func(t *testing.T, db *bun.DB) {
				small[db.Dialect().Name()] = patchOneMember(t, db, gm.mode, 10)
			})
			dbtest.Each(t, func(t *testing.T, db *bun.DB) {
				want, ok := small[db.Dialect().Name()]
				if !ok {
					t.Fatal("the source of 10 users was not measured")
				}
				big := patchOneMember(t, db, gm.mode, 2000)
				if big != want {
					t.Errorf("in a source of 2,000 users the PATCH cost %+v, in one of 10 %+v: want the same", big, want)
				}
				if big.rows > maxRowsOneMember {
					t.Errorf("the PATCH read %d rows, want at most %d", big.rows, maxRowsOneMember)
				}
			})
		})
	}
}

func BenchmarkSCIMCreateUser(b *testing.B) {
	s := newServer(b, dbtest.SQLite(b), scim.Options{})
	i := 0
	for b.Loop() {
		i++
		s.do("POST", "/Users", userBody(fmt.Sprintf("bench%d", i))).want(b, http.StatusCreated)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

// BenchmarkSCIMPatchGroupMembers times one PATCH adding 1,000 members
// to a new group, in each group mode.
func BenchmarkSCIMPatchGroupMembers(b *testing.B) {
	for _, gm := range groupModes {
		b.Run(gm.name, func(b *testing.B) { benchPatchGroupMembers(b, gm.mode) })
	}
}

func benchPatchGroupMembers(b *testing.B, mode scim.GroupMode) {
	c := &statementCounter{}
	s := modeServer(b, dbtest.SQLite(b).WithQueryHook(c), mode)
	body := addMembersBody(seedUsers(b, s, "m", 1000))
	var statements int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		gid := s.createGroup(fmt.Sprintf("group %d", i))
		before := c.n.Load()
		b.StartTimer()
		s.do("PATCH", "/Groups/"+gid, body).want(b, http.StatusNoContent)
		statements += c.n.Load() - before
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
	b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "members/s")
	b.ReportMetric(float64(statements)/float64(b.N), "statements/op")
}

// BenchmarkSCIMPatchOneMember times one PATCH adding one member to a new
// group in a source of 20,000 users, in each group mode: what an
// identity provider sends most, which reads the group's part of the
// source, not the source.
func BenchmarkSCIMPatchOneMember(b *testing.B) {
	for _, gm := range groupModes {
		b.Run(gm.name, func(b *testing.B) { benchPatchOneMember(b, gm.mode) })
	}
}

func benchPatchOneMember(b *testing.B, mode scim.GroupMode) {
	c := &statementCounter{}
	s := modeServer(b, dbtest.SQLite(b).WithQueryHook(c), mode)
	ids := seedUsers(b, s, "u", 20000)
	var spent cost
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		gid := s.createGroup(fmt.Sprintf("group %d", i))
		body := addMembersBody(ids[i%len(ids) : i%len(ids)+1])
		before := cost{c.n.Load(), c.rows.Load()}
		b.StartTimer()
		s.do("PATCH", "/Groups/"+gid, body).want(b, http.StatusNoContent)
		spent.statements += c.n.Load() - before.statements
		spent.rows += c.rows.Load() - before.rows
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
	b.ReportMetric(float64(spent.statements)/float64(b.N), "statements/op")
	b.ReportMetric(float64(spent.rows)/float64(b.N), "rows/op")
}
