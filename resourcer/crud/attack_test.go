package crud_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/acl"
	"github.com/gatehouse-dev/gatehouse/filterop"
	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
	"github.com/gatehouse-dev/gatehouse/resourcer"
	"github.com/gatehouse-dev/gatehouse/resourcer/crud"
	"github.com/gatehouse-dev/gatehouse/users"
)

// The adversarial suite: a service wired like examples/quickstart (users
// with the presets, posts with audit columns and associations), a member
// role with generated grants, and generated hostile requests, each checked
// against an oracle computed from the grant alone (attack_oracle_test.go).

// atkPost embeds Audit and Timestamps together, as a host would.
type atkPost struct {
	bun.BaseModel `bun:"table:posts,alias:posts"`
	ID            int64         `bun:"id,pk,autoincrement" json:"id"`
	Title         string        `bun:"title" json:"title"`
	Body          string        `bun:"body" json:"body"`
	Status        string        `bun:"status" json:"status"`
	Secret        string        `bun:"secret" json:"secret"`
	Views         int64         `bun:"views" json:"views"`
	AuthorID      *int64        `bun:"authorId" json:"authorId"`
	Author        *users.User   `bun:"rel:belongs-to,join:authorId=id" json:"author,omitempty"`
	Comments      []*atkComment `bun:"rel:has-many,join:id=postId" json:"comments,omitempty"`
	Tags          []*atkTag     `bun:"m2m:postsTags,join:Post=Tag" json:"tags,omitempty"`
	users.Audit
	users.Timestamps
}

type atkComment struct {
	bun.BaseModel `bun:"table:comments,alias:comments"`
	ID            int64  `bun:"id,pk,autoincrement" json:"id"`
	PostID        int64  `bun:"postId" json:"postId"`
	Body          string `bun:"body" json:"body"`
	users.Audit
}

type atkTag struct {
	bun.BaseModel `bun:"table:tags,alias:tags"`
	ID            int64  `bun:"id,pk,autoincrement" json:"id"`
	Name          string `bun:"name" json:"name"`
}

type atkPostTag struct {
	bun.BaseModel `bun:"table:postsTags,alias:postsTags"`
	PostID        int64    `bun:"postId,pk" json:"postId"`
	Post          *atkPost `bun:"rel:belongs-to,join:postId=id" json:"post,omitempty"`
	TagID         int64    `bun:"tagId,pk" json:"tagId"`
	Tag           *atkTag  `bun:"rel:belongs-to,join:tagId=id" json:"tag,omitempty"`
}

// atkMember is the attacker: user 2, role member.
const atkMember = 2

// atkBigID is a post key above 2^53, so that a filter number read as a
// float64 finds the wrong row.
const atkBigID int64 = 9007199254740992

// atkTables are snapshotted around every write, in this order.
var atkTables = []string{"users", "posts", "comments", "tags", "postsTags", "rolesUsers", "departments", "departmentsUsers"}

var atkSeedTime = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

var (
	atkHashOnce sync.Once
	atkSeedHash string
)

// atkPasswordHash hashes once per process: argon2id costs ~50 ms.
func atkPasswordHash(t testing.TB) string {
	atkHashOnce.Do(func() {
		h, err := users.HashPassword("seed-password")
		if err != nil {
			t.Fatal(err)
		}
		atkSeedHash = h
	})
	return atkSeedHash
}

// atkFixture is the wired service and the state to restore between cases.
type atkFixture struct {
	db      *bun.DB
	acl     *acl.ACL
	handler http.Handler
	schemas map[string]*filterop.Schema // crud resource -> schema
	hash    string
	rows    map[string]any // the fixture rows by table
}

func newAttackFixture(t testing.TB, db *bun.DB) *atkFixture {
	t.Helper()
	ctx := context.Background()
	db.RegisterModel((*atkPostTag)(nil))
	if err := users.CreateTables(ctx, db, users.Options{}); err != nil {
		t.Fatal(err)
	}
	for _, m := range []any{(*atkPost)(nil), (*atkComment)(nil), (*atkTag)(nil), (*atkPostTag)(nil)} {
		if _, err := db.NewCreateTable().Model(m).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	fx := &atkFixture{db: db, schemas: map[string]*filterop.Schema{}, hash: atkPasswordHash(t)}

	a := acl.New()
	a.SetLogger(slog.New(slog.DiscardHandler))
	for _, name := range []string{"list", "get", "create", "update", "destroy", "updateOrCreate", "firstOrCreate", "count"} {
		a.SetAvailableAction(name, acl.ActionOptions{})
	}
	if err := users.ACLPresets(a); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Define(acl.RoleOptions{Name: "root"}); err != nil {
		t.Fatal(err)
	}
	fx.acl = a

	filters := filterop.NewRegistry()
	if err := users.RegisterOperators(filters); err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.DiscardHandler)
	rs := resourcer.New(resourcer.Options{Prefix: "/api", Logger: quiet})
	if err := rs.Use(a.Middleware(acl.MiddlewareOptions{Actions: rs}), resourcer.UseOptions{Tag: "acl"}); err != nil {
		t.Fatal(err)
	}
	rs.RegisterActionHandlers(users.Actions(users.ActionOptions{DB: db, Filters: filters}))
	for _, m := range []any{(*users.User)(nil), (*atkPost)(nil), (*atkComment)(nil), (*atkTag)(nil)} {
		r, err := crud.Define(rs, crud.Options{DB: db, Model: m, Filters: filters, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		fx.schemas[r.Name()] = r.Schema()
	}
	fx.handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		uid, _ := strconv.ParseInt(r.Header.Get("X-User"), 10, 64)
		roles := strings.Split(r.Header.Get("X-Roles"), ",")
		ctx := r.Context()
		if len(roles) == 1 {
			ctx = acl.WithRole(ctx, roles[0])
		} else {
			ctx = acl.WithRoles(ctx, roles...)
		}
		ctx = users.WithCurrentUser(acl.WithUser(ctx, uid), uid)
		rs.ServeHTTP(w, r.WithContext(ctx))
	})
	fx.rows = fx.seedRows()
	fx.seed(t)
	return fx
}

func atkPtr[T any](v T) *T { return &v }

// seedRows builds the fixture rows, by table, with fixed keys.
func (fx *atkFixture) seedRows() map[string]any {
	names := []string{"", "root", "alice", "bob", "carol"}
	var us []*users.User
	for id := int64(1); id <= 4; id++ {
		us = append(us, &users.User{
			ID: id, Nickname: names[id], Username: names[id], Email: names[id] + "@secret.test",
			Phone: fmt.Sprint(5550100 + id), Password: fx.hash, ResetToken: fmt.Sprintf("reset-%d", id),
			Enabled: atkPtr(true), Timestamps: users.Timestamps{CreatedAt: atkSeedTime, UpdatedAt: atkSeedTime},
			Audit: users.Audit{CreatedByID: atkPtr(int64(1)), UpdatedByID: atkPtr(int64(1))},
		})
	}
	stamps := users.Timestamps{CreatedAt: atkSeedTime, UpdatedAt: atkSeedTime}
	roles := []*users.RoleUser{{UserID: 1, RoleName: "root", Timestamps: stamps}}
	for id := int64(2); id <= 4; id++ {
		roles = append(roles, &users.RoleUser{UserID: id, RoleName: "member", Timestamps: stamps})
	}
	var posts []*atkPost
	var comments []*atkComment
	var links []*atkPostTag
	addPost := func(id, owner int64, j int) {
		status := []string{"draft", "published"}[j%2]
		posts = append(posts, &atkPost{
			ID: id, Title: fmt.Sprintf("title %d", id), Body: fmt.Sprintf("body %d", id), Status: status,
			Secret: fmt.Sprintf("secret-%d", id), Views: int64(j) * owner, AuthorID: atkPtr(owner%4 + 1),
			Audit:      users.Audit{CreatedByID: atkPtr(owner), UpdatedByID: atkPtr(owner)},
			Timestamps: users.Timestamps{CreatedAt: atkSeedTime, UpdatedAt: atkSeedTime},
		})
		for c := int64(0); c < 2; c++ {
			comments = append(comments, &atkComment{
				ID: int64(len(comments) + 1), PostID: id, Body: fmt.Sprintf("comment on %d", id),
				Audit: users.Audit{CreatedByID: atkPtr((owner+c)%4 + 1), UpdatedByID: atkPtr(owner)},
			})
		}
		links = append(links, &atkPostTag{PostID: id, TagID: id%3 + 1})
	}
	for owner := int64(1); owner <= 4; owner++ {
		for j := 1; j <= 3; j++ {
			addPost(10*owner+int64(j), owner, j)
		}
	}
	addPost(atkBigID, atkMember, 2)
	posts[len(posts)-1].Body = strings.Repeat("a", 20_000) // the pattern operators' worst case
	tags := []*atkTag{{ID: 1, Name: "go"}, {ID: 2, Name: "sql"}, {ID: 3, Name: "internal"}}
	return map[string]any{"users": &us, "rolesUsers": &roles, "posts": &posts, "comments": &comments, "tags": &tags, "postsTags": &links}
}

// seed empties every table and writes the fixture rows.
func (fx *atkFixture) seed(t testing.TB) {
	t.Helper()
	fx.reseed(t, atkTables...)
}

// reseed restores these tables to the fixture rows.
func (fx *atkFixture) reseed(t testing.TB, tables ...string) {
	t.Helper()
	ctx := context.Background()
	for _, table := range tables {
		if _, err := fx.db.NewDelete().TableExpr("?", bun.Ident(table)).Where("1 = 1").Exec(ctx); err != nil {
			t.Fatalf("seed: empty %s: %v", table, err)
		}
		rows, ok := fx.rows[table]
		if !ok {
			continue
		}
		if _, err := fx.db.NewInsert().Model(rows).Exec(ctx); err != nil {
			t.Fatalf("seed: %s: %v", table, err)
		}
		if fx.db.Dialect().Name().String() == "pg" && table != "rolesUsers" && table != "postsTags" {
			if _, err := fx.db.ExecContext(ctx, "SELECT setval(pg_get_serial_sequence(?, 'id'), 1000)", `"`+table+`"`); err != nil {
				t.Fatalf("seed: sequence of %s: %v", table, err)
			}
		}
	}
}

// counts reads the row count of every table in one query: the cheap check
// that a write left the tables it may not touch alone.
func (fx *atkFixture) counts(t testing.TB) []int64 {
	t.Helper()
	parts := make([]string, len(atkTables))
	for i, table := range atkTables {
		parts[i] = fmt.Sprintf(`(SELECT count(*) FROM "%s")`, table)
	}
	out := make([]int64, len(atkTables))
	dest := make([]any, len(out))
	for i := range out {
		dest[i] = &out[i]
	}
	if err := fx.db.QueryRowContext(context.Background(), "SELECT "+strings.Join(parts, ", ")).Scan(dest...); err != nil {
		t.Fatalf("counts: %v", err)
	}
	return out
}

// defineGrants replaces the member role (and member2, for unions) with
// generated grants. A grant the ACL refuses is reported as an error.
func (fx *atkFixture) defineGrants(g *grantSet) error {
	for i, role := range g.roles {
		name := atkRoleName(i)
		fx.acl.RemoveRole(name)
		actions := map[string]acl.Params{}
		for path, p := range role {
			actions[path] = acl.Params(atkClone(p).(map[string]any))
		}
		if _, err := fx.acl.Define(acl.RoleOptions{Name: name, Actions: actions}); err != nil {
			return err
		}
	}
	return nil
}

func atkRoleName(i int) string {
	if i == 0 {
		return "member"
	}
	return fmt.Sprintf("member%d", i+1)
}

// reply is a decoded response: numbers stay json.Number.
type atkReply struct {
	Status  int
	Raw     string
	Data    any
	Meta    map[string]any
	Message string
	Elapsed time.Duration
}

func (fx *atkFixture) do(req *attackReq, roles int) atkReply {
	var body io.Reader
	if req.body != "" {
		body = strings.NewReader(req.body)
	}
	r := httptest.NewRequest(req.method, req.target, body)
	if req.body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	r.Header.Set("X-User", strconv.Itoa(atkMember))
	names := make([]string, roles)
	for i := range names {
		names[i] = atkRoleName(i)
	}
	r.Header.Set("X-Roles", strings.Join(names, ","))
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	r = r.WithContext(ctx)
	w := httptest.NewRecorder()
	start := time.Now()
	fx.handler.ServeHTTP(w, r)
	out := atkReply{Status: w.Code, Raw: w.Body.String(), Elapsed: time.Since(start)}
	var decoded struct {
		Data   any
		Meta   map[string]any
		Errors []struct{ Message string }
	}
	dec := json.NewDecoder(strings.NewReader(out.Raw))
	dec.UseNumber()
	if err := dec.Decode(&decoded); err == nil {
		out.Data, out.Meta = decoded.Data, decoded.Meta
		if len(decoded.Errors) > 0 {
			out.Message = decoded.Errors[0].Message
		}
	}
	return out
}

// snapshot reads every table as rows of normalised values, keyed by the
// row's primary key (or the whole row for link tables).
type atkSnapshot map[string]map[string]map[string]any

func (fx *atkFixture) snapshot(t testing.TB, tables ...string) atkSnapshot {
	t.Helper()
	if len(tables) == 0 {
		tables = atkTables
	}
	ctx := context.Background()
	out := atkSnapshot{}
	for _, table := range tables {
		var rows []map[string]any
		if err := fx.db.NewSelect().TableExpr("?", bun.Ident(table)).Scan(ctx, &rows); err != nil {
			t.Fatalf("snapshot %s: %v", table, err)
		}
		byKey := map[string]map[string]any{}
		for _, row := range rows {
			for k, v := range row {
				row[k] = atkNormalise(v)
			}
			key := fmt.Sprint(row["id"])
			if _, ok := row["id"]; !ok {
				b, _ := json.Marshal(row)
				key = string(b)
			}
			byKey[key] = row
		}
		out[table] = byKey
	}
	return out
}

// atkNormalise makes scanned values comparable across drivers.
func atkNormalise(v any) any {
	switch x := v.(type) {
	case []byte:
		return string(x)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case int32:
		return int64(x)
	case int:
		return int64(x)
	case bool:
		if x {
			return int64(1)
		}
		return int64(0)
	}
	return v
}

func (s atkSnapshot) equal(o atkSnapshot) bool {
	for table, rows := range s {
		if len(rows) != len(o[table]) {
			return false
		}
		for k, row := range rows {
			other, ok := o[table][k]
			if !ok || !atkRowEqual(row, other) {
				return false
			}
		}
	}
	return true
}

func atkRowEqual(a, b map[string]any) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if fmt.Sprint(v) != fmt.Sprint(b[k]) {
			return false
		}
	}
	return true
}

// attackCounts are the suite's lower bounds: it may not silently shrink.
var attackMinimums = map[string]int{
	"list.fields": 50, "list.appends": 50, "list.except": 20, "list.filter": 70, "list.sort": 25,
	"list.page": 8, "list.hugePattern": 8, "list.giantNumber": 8, "get.fields": 30, "get.filter": 20,
	"create": 40, "update": 40, "update.bulk": 8, "destroy": 20, "destroy.bulk": 8, "destroy.GET": 8,
	"updateOrCreate": 30, "firstOrCreate": 8, "listExcludeRole": 6, "union.list": 40,
	"sweep.sort": 40, "sweep.filter": 40,
}

const (
	attackGrantSets = 24
	attackRequests  = 40 // per grant set
)

func TestAttack(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		fx := newAttackFixture(t, db)
		rng := rand.New(rand.NewPCG(9, 2026))
		run := newAttackRun(t, fx, fx.snapshot(t))
		sweep := atkSweep()
		for g := 0; g < attackGrantSets; g++ {
			grants := genGrantSet(rng, g%5 == 4)
			if err := fx.defineGrants(grants); err != nil {
				run.fail("grant-refused", grants, nil, fmt.Sprintf("Define: %v", err))
				continue
			}
			for i := 0; i < attackRequests; i++ {
				run.check(grants, genAttack(rng, grants))
			}
			for i := g; i < len(sweep); i += attackGrantSets {
				run.check(grants, sweep[i])
			}
		}
		run.report(t, attackGrantSets*attackRequests+len(sweep))
	})
}

// attackRun collects failures by invariant, with the first reproductions.
type attackRun struct {
	t        *testing.T
	fx       *atkFixture
	seed     atkSnapshot // the tables as seeded: the state before every case
	counts0  []int64     // their row counts
	noTwin   bool        // skip comparing an unreadable path's answer with an unknown one's
	counts   map[string]int
	failures map[string][]string
	caseOf   map[string]map[int]bool // class -> the cases that broke it
	slowest  time.Duration
	spent    map[string]time.Duration // request time by kind
	cases    int
}

func newAttackRun(t *testing.T, fx *atkFixture, seed atkSnapshot) *attackRun {
	return &attackRun{t: t, fx: fx, seed: seed, counts0: fx.counts(t), counts: map[string]int{}, failures: map[string][]string{}, caseOf: map[string]map[int]bool{}, spent: map[string]time.Duration{}}
}

func (run *attackRun) fail(class string, g *grantSet, req *attackReq, msg string) {
	grant, _ := json.Marshal(g.roles)
	repro := fmt.Sprintf("grant %s", grant)
	if req != nil {
		repro += fmt.Sprintf("\n      %s %s", req.method, req.target)
		if req.body != "" {
			repro += " body " + abbreviate(req.body, 300)
		}
	}
	run.failures[class] = append(run.failures[class], repro+"\n      -> "+msg)
	if run.caseOf[class] == nil {
		run.caseOf[class] = map[int]bool{}
	}
	run.caseOf[class][run.cases] = true
}

func abbreviate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + fmt.Sprintf("…(%d bytes)", len(s))
}

func (run *attackRun) report(t *testing.T, want int) {
	t.Helper()
	kinds := make([]string, 0, len(run.counts))
	for k := range run.counts {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	var line strings.Builder
	for _, k := range kinds {
		fmt.Fprintf(&line, " %s=%d", k, run.counts[k])
	}
	var total time.Duration
	slow := make([]string, 0, len(kinds))
	for _, k := range kinds {
		total += run.spent[k]
		slow = append(slow, fmt.Sprintf("%s=%v", k, run.spent[k].Round(time.Millisecond)))
	}
	t.Logf("%d cases, slowest request %v; by kind:%s", run.cases, run.slowest, line.String())
	t.Logf("request time %v in all; by kind: %s", total.Round(time.Millisecond), strings.Join(slow, " "))
	if run.cases != want {
		t.Errorf("ran %d cases, want %d", run.cases, want)
	}
	for kind, least := range attackMinimums {
		if run.counts[kind] < least {
			t.Errorf("request kind %s ran %d times, want at least %d", kind, run.counts[kind], least)
		}
	}
	classes := make([]string, 0, len(run.failures))
	for c := range run.failures {
		classes = append(classes, c)
	}
	sort.Strings(classes)
	var summary strings.Builder
	for _, c := range classes {
		fmt.Fprintf(&summary, " %s=%d", c, len(run.caseOf[c]))
	}
	if len(classes) > 0 {
		t.Logf("broken invariants (cases):%s", summary.String())
	}
	for _, c := range classes {
		fs := run.failures[c]
		sort.SliceStable(fs, func(i, j int) bool { return len(fs[i]) < len(fs[j]) })
		t.Errorf("invariant %s broken in %d cases (%d findings); shortest:\n    %s", c, len(run.caseOf[c]), len(fs), strings.Join(fs[:min(2, len(fs))], "\n    "))
	}
}
