package filterop

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/gatehouse-dev/gatehouse/internal/dbtest"
)

// The differences from NocoBase that stay, as listed in the package doc's
// "Differences from NocoBase": each names the corpus cases it covers and
// an example whose answers TestNocoBaseDifferences pins.
type ncDifference struct {
	name string
	// matches says whether a case that disagrees is this difference.
	matches func(c ncCase, o ncOutcome, s *Schema) bool
	// nocobaseMeaning, when set, rewrites a filter into what NocoBase
	// answers for it, in gatehouse's terms; a case then only falls under
	// the difference when gatehouse returns NocoBase's rows for the
	// rewritten filter, so that the difference cannot hide another one.
	nocobaseMeaning func(v any, path string) any
	// The example: a posts filter of the corpus and what gatehouse returns
	// for it (ids, or an error with wantErr).
	example     string
	want        []int64
	wantErr     bool
	description string
}

var nocobaseDifferences = []ncDifference{
	{
		name: "to-many conditions share one joined row",
		matches: func(c ncCase, _ ncOutcome, s *Schema) bool {
			return ncSharedToMany(c.Filter, s)
		},
		example: `{"$and":[{"tags.name":"go"},{"tags.name":"sql"}]}`, want: []int64{2, 9},
		description: "each condition on a to-many association is a subquery of its own, so the two conditions may be met by different tags",
	},
	{
		name: "operators on one field merged",
		matches: func(c ncCase, _ ncOutcome, s *Schema) bool {
			return ncWalk(c.Filter, "", func(_ string, m map[string]any) bool { return ncMergedOperators(m, s) })
		},
		example: `{"views":{"$gt":5,"$ne":10}}`, want: []int64{4, 5, 7},
		description: "Sequelize keeps one of the operators given to one field (its $or for $ne replaces $gt)",
	},
	{
		name: "$exists false is ignored",
		matches: func(c ncCase, _ ncOutcome, _ *Schema) bool {
			return ncWalk(c.Filter, "", func(key string, m map[string]any) bool {
				for k, v := range m {
					if (strings.HasSuffix(k, "$exists") || strings.HasSuffix(k, "$notExists")) && v == false {
						return true
					}
				}
				return false
			})
		},
		nocobaseMeaning: func(v any, _ string) any {
			m, ok := v.(map[string]any)
			if !ok {
				return v
			}
			for k, e := range m {
				if (strings.HasSuffix(k, "$exists") || strings.HasSuffix(k, "$notExists")) && e == false {
					m[k] = true
				}
			}
			return m
		},
		example: `{"title":{"$exists":false}}`, want: []int64{8},
		description: "NocoBase's $exists and $notExists ignore their value",
	},
	{
		name: "field.$exists is rewritten to field.id",
		matches: func(c ncCase, _ ncOutcome, s *Schema) bool {
			for k := range c.Filter {
				if ncFieldExistsKey(k, s) {
					return true
				}
			}
			return false
		},
		example: `{"views.$exists":true}`, want: []int64{1, 2, 3, 4, 5, 7, 8, 9, 10},
		description: "NocoBase's prepareFilter inserts id before a top-level .$exists, meant for associations, also after a field",
	},
	{
		name: "$eq null",
		matches: func(c ncCase, _ ncOutcome, _ *Schema) bool {
			return ncWalk(c.Filter, "", func(_ string, m map[string]any) bool {
				for k, v := range m {
					if (k == "$eq" || strings.HasSuffix(k, ".$eq")) && v == nil {
						return true
					}
				}
				return false
			})
		},
		nocobaseMeaning: func(v any, _ string) any {
			if m, ok := v.(map[string]any); ok {
				for k, e := range m {
					if (k == "$eq" || strings.HasSuffix(k, ".$eq")) && e == nil {
						m[k] = "null"
					}
				}
			}
			return v
		},
		example: `{"title":{"$eq":null}}`, want: []int64{8},
		description: `NocoBase's $eq compares a string field with the text "null"`,
	},
	{
		name: "backslash in a text operand",
		matches: func(c ncCase, o ncOutcome, _ *Schema) bool {
			if strings.Contains(c.Error, "escape character") {
				return true
			}
			return ncWalk(c.Filter, "", func(_ string, m map[string]any) bool {
				for k, v := range m {
					if ncTextOperator(k) && strings.Contains(ncText(v), `\`) {
						return true
					}
				}
				return false
			})
		},
		example: `{"content":{"$includes":"\\"}}`, want: []int64{4},
		description: "NocoBase leaves a backslash unescaped in $includes and the like, where it escapes the next character (or fails at the end)",
	},
	{
		name: "nested empty $or",
		matches: func(c ncCase, _ ncOutcome, _ *Schema) bool {
			return ncWalk(c.Filter, "", func(path string, m map[string]any) bool {
				l, ok := m["$or"].([]any)
				return path != "" && ok && len(l) == 0
			})
		},
		nocobaseMeaning: func(v any, path string) any {
			if m, ok := v.(map[string]any); ok && path != "" {
				if l, isList := m["$or"].([]any); isList && len(l) == 0 {
					delete(m, "$or")
					m["id"] = map[string]any{"$in": []any{}} // matches nothing
				}
			}
			return v
		},
		example: `{"$and":[{"$or":[]},{"views":10}]}`, want: []int64{1, 8},
		description: "an empty $or or $and asks nothing at any depth; NocoBase skips it only at the top level",
	},
	{
		name: "$empty on text includes ''",
		matches: func(c ncCase, _ ncOutcome, _ *Schema) bool {
			return ncWalk(c.Filter, "", func(path string, m map[string]any) bool {
				for k := range m {
					if strings.Contains(path+"."+k, "content") && (strings.HasSuffix(k, "$empty") || strings.HasSuffix(k, "$notEmpty")) {
						return true
					}
				}
				return false
			})
		},
		example: `{"content":{"$empty":true}}`, want: []int64{3, 5},
		description: "NocoBase's $empty tests '' only on string fields, not on text fields",
	},
	{
		name: "values converted for the column",
		matches: func(c ncCase, o ncOutcome, _ *Schema) bool {
			return o.err == nil && (strings.Contains(c.Error, "invalid input syntax") || strings.Contains(c.Error, "operator does not exist"))
		},
		example: `{"title":{"$like":["h%","%go%"]}}`, want: []int64{3, 9},
		description: "a value of another type is converted for the column (numeric text for a number, a list for a pattern operator), where NocoBase's database refuses it",
	},
	{
		name: "$match converts to the element type",
		matches: func(c ncCase, _ ncOutcome, _ *Schema) bool {
			return ncWalk(c.Filter, "", func(_ string, m map[string]any) bool {
				for k, v := range m {
					if strings.HasSuffix(k, "$match") || strings.HasSuffix(k, "$notMatch") {
						return ncHasNonString(v)
					}
				}
				return false
			})
		},
		example: `{"labels":{"$match":[1,2]}}`, want: []int64{7},
		description: "a []string field's $match compares text, so 1 matches \"1\"",
	},
	{
		name: "comparison with null is refused",
		matches: func(c ncCase, o ncOutcome, _ *Schema) bool {
			return o.err != nil && strings.Contains(o.err.Error(), ", not null")
		},
		example: `{"views":{"$lt":null}}`, wantErr: true,
		description: "Sequelize writes x < NULL or x LIKE NULL, which matches nothing, and drops it in some merges",
	},
	{
		name: "a range's instant end is inside",
		matches: func(c ncCase, _ ncOutcome, _ *Schema) bool {
			return ncWalk(c.Filter, "", func(_ string, m map[string]any) bool {
				for k, v := range m {
					l, ok := v.([]any)
					if ok && strings.Contains(k, "$date") && len(l) >= 2 && strings.HasSuffix(ncText(l[1]), "Z") {
						return true
					}
				}
				return false
			})
		},
		example: `{"publishedAt":{"$dateBetween":["2024-01-01","2024-01-01T16:00:00.000Z"]}}`, want: []int64{1, 2, 3, 5},
		description: "a [from, to] range's brackets apply to an instant end too (\"[]\" takes it in); NocoBase always leaves an instant end out",
	},
	{
		name: "empty lists",
		matches: func(c ncCase, _ ncOutcome, _ *Schema) bool {
			return ncWalk(c.Filter, "", func(_ string, m map[string]any) bool {
				for k, v := range m {
					if l, ok := v.([]any); ok && len(l) == 0 && k != "$and" && k != "$or" {
						return true
					}
				}
				return false
			})
		},
		example: `{"views":{"$notIn":[]}}`, want: []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10},
		description: "NOT IN nothing is every row; a positive pattern operator of nothing no row (NocoBase writes NOT IN (NULL) or drops the condition, or fails)",
	},
	{
		name: "$isNot",
		matches: func(c ncCase, _ ncOutcome, _ *Schema) bool {
			return strings.Contains(c.Error, "'$isNot'")
		},
		example: `{"published":{"$isNot":true}}`, want: []int64{2, 3, 5, 6, 8, 10},
		description: "NocoBase registers no $isNot (Sequelize's Op.not takes no alias); gatehouse has it as $is negated",
	},
	{
		name: "$exists on an association below the top level",
		matches: func(c ncCase, _ ncOutcome, _ *Schema) bool {
			return strings.Contains(c.Error, "xists neither")
		},
		example: `{"$and":[{"author.$exists":true}]}`, want: []int64{1, 2, 3, 4, 5, 7, 8, 10},
		description: "NocoBase's prepareFilter rewrites assoc.$exists only among the top-level keys",
	},
}

// nocobaseDifference names the documented difference a disagreeing case
// falls under, or "".
// run answers a filter on the same database, for nocobaseMeaning.
func nocobaseDifference(c ncCase, o ncOutcome, s *Schema, run func(filter map[string]any) ncOutcome) string {
	for _, d := range nocobaseDifferences {
		if !d.matches(c, o, s) {
			continue
		}
		if d.nocobaseMeaning != nil {
			var copied map[string]any
			if err := jsonDecode(c.String()[len(c.Collection)+1:], &copied); err != nil {
				return ""
			}
			rewritten, _ := ncRewrite(copied, "", d.nocobaseMeaning).(map[string]any)
			if !(ncCase{IDs: c.IDs, Error: c.Error}).agrees(run(rewritten)) {
				continue
			}
		}
		return d.name
	}
	return ""
}

// ncRewrite applies fn to every value of a filter, innermost first.
func ncRewrite(v any, path string, fn func(v any, path string) any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = ncRewrite(e, join(path, k), fn)
		}
	case []any:
		for i, e := range x {
			x[i] = ncRewrite(e, path+".0", fn)
		}
	}
	return fn(v, path)
}

// ncWalk calls fn on every object of a filter with its path, until fn
// says true.
func ncWalk(v any, path string, fn func(path string, m map[string]any) bool) bool {
	switch x := v.(type) {
	case map[string]any:
		if fn(path, x) {
			return true
		}
		for k, e := range x {
			if ncWalk(e, join(path, k), fn) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if ncWalk(e, path+".0", fn) {
				return true
			}
		}
	}
	return false
}

// ncConditionPaths lists the dotted field paths a filter's conditions
// name, logical operators and operators left out.
func ncConditionPaths(v any, prefix string, out *[]string) {
	m, ok := v.(map[string]any)
	if !ok {
		if prefix != "" {
			*out = append(*out, prefix)
		}
		return
	}
	if prefix != "" && (len(m) == 0 || allOperators(m)) {
		*out = append(*out, prefix)
		return
	}
	for k, e := range m {
		switch {
		case k == "$and" || k == "$or":
			l, _ := e.([]any)
			for _, item := range l {
				ncConditionPaths(item, prefix, out)
			}
		case k == "$not":
			ncConditionPaths(e, prefix, out)
		default:
			key := k
			if i := strings.Index(key, ".$"); i >= 0 {
				key = key[:i]
			}
			ncConditionPaths(e, join(prefix, key), out)
		}
	}
}

// ncSharedToMany: two conditions go through the same to-many association,
// which NocoBase joins once.
func ncSharedToMany(filter map[string]any, s *Schema) bool {
	var paths []string
	ncConditionPaths(filter, "", &paths)
	seen := map[string]int{}
	for _, p := range paths {
		cur, prefix := s, ""
		for _, seg := range strings.Split(p, ".") {
			rel, ok := cur.Relation(seg)
			if !ok {
				break
			}
			prefix = join(prefix, seg)
			if rel.ToMany() {
				seen[prefix]++
			}
			cur = rel.Schema
		}
	}
	for _, n := range seen {
		if n > 1 {
			return true
		}
	}
	return false
}

// ncMergedOperators: an object gives one field several operators with $ne
// among them, or names one field path twice.
func ncMergedOperators(m map[string]any, s *Schema) bool {
	if allOperators(m) {
		_, ne := m["$ne"]
		return ne && len(m) > 1
	}
	seen := map[string]bool{}
	for k, v := range m {
		if strings.HasPrefix(k, "$") {
			continue
		}
		key := k
		if i := strings.Index(key, ".$"); i >= 0 {
			key = key[:i]
		}
		key = strings.TrimSuffix(key, ".id")
		if seen[key] {
			return true
		}
		seen[key] = true
		if ops, ok := v.(map[string]any); ok && allOperators(ops) && len(ops) > 1 {
			if _, ne := ops["$ne"]; ne {
				return true
			}
		}
	}
	return false
}

// ncFieldExistsKey: a top-level key "x.$exists" whose x is a field (not
// an association, not already ".id").
func ncFieldExistsKey(k string, s *Schema) bool {
	for _, op := range []string{".$exists", ".$notExists"} {
		if !strings.HasSuffix(k, op) {
			continue
		}
		segs := strings.Split(strings.TrimSuffix(k, op), ".")
		if segs[len(segs)-1] == "id" {
			return false
		}
		cur := s
		for _, seg := range segs {
			rel, ok := cur.Relation(seg)
			if !ok {
				return true
			}
			cur = rel.Schema
		}
	}
	return false
}

func jsonDecode(s string, v any) error {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	return dec.Decode(v)
}

func ncTextOperator(k string) bool {
	for _, op := range []string{"$includes", "$notIncludes", "$startsWith", "$notStartsWith", "$endWith", "$notEndWith"} {
		if strings.HasSuffix(k, op) {
			return true
		}
	}
	return false
}

func ncText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []any:
		var b strings.Builder
		for _, e := range x {
			b.WriteString(ncText(e))
		}
		return b.String()
	}
	return ""
}

func ncHasNonString(v any) bool {
	switch x := v.(type) {
	case string:
		return false
	case []any:
		return slices.ContainsFunc(x, ncHasNonString)
	}
	return true
}

// checkCorpusCoverage asserts the corpus uses every operator of the
// default registry that NocoBase has, every association kind, nesting and
// the key spellings.
func checkCorpusCoverage(t *testing.T, c *ncCorpus) {
	t.Helper()
	used := map[string]int{}
	for _, cs := range c.Cases {
		ncWalk(cs.Filter, "", func(_ string, m map[string]any) bool {
			for k := range m {
				if i := strings.LastIndex(k, "$"); i >= 0 {
					used[k[i:]]++
				}
				if strings.Contains(k, ".") && !strings.Contains(k, "$") {
					used["dotted path"]++
				}
				if strings.Contains(k, ".$") {
					used["key.$operator"]++
				}
			}
			return false
		})
		b := cs.String()
		for _, assoc := range []string{`"author.`, `"tags.`, `"posts.`, `"profile.`, `"author":{`, `author.posts.`, `author.profile.`, `posts.tags.`} {
			if strings.Contains(b, assoc) {
				used[assoc]++
			}
		}
	}
	want := []string{"$and", "$or", "dotted path", "key.$operator",
		`"author.`, `"tags.`, `"posts.`, `"profile.`, `"author":{`, `author.posts.`, `author.profile.`, `posts.tags.`}
	for name := range *Default().ops.Load() {
		switch name {
		case "$endsWith", "$notEndsWith", "$not":
			continue // not NocoBase's names
		}
		want = append(want, name)
	}
	for _, w := range want {
		if used[w] == 0 {
			t.Errorf("the corpus never uses %s", w)
		}
	}
}

// TestNocoBaseDifferences pins each documented difference: gatehouse's
// answer to its example on both databases, and that the corpus classifier
// files the example under it.
func TestNocoBaseDifferences(t *testing.T) {
	corpus := loadNocoBaseCorpus(t)
	ctx := WithTimezone(context.Background(), corpus.Timezone)
	recorded := map[string]ncCase{}
	for _, c := range corpus.Cases {
		recorded[c.String()] = c
	}
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		schemas := seedNocoBase(t, db, corpus.Rows)
		for _, d := range nocobaseDifferences {
			c := ncCase{Collection: "posts"}
			if err := jsonDecode(d.example, &c.Filter); err != nil {
				t.Fatalf("%s: %v", d.name, err)
			}
			o := runNocoBaseCase(ctx, db, schemas["posts"], c)
			if o.panic != nil || (o.err != nil) != d.wantErr || !slices.Equal(o.ids, d.want) && len(o.ids)+len(d.want) > 0 {
				t.Errorf("%s (%s): %s = %v %v (panic %v), want %v (error %v)", d.name, d.description, d.example, o.ids, o.err, o.panic, d.want, d.wantErr)
			}
			rc, ok := recorded[c.String()]
			if !ok {
				t.Errorf("%s: %s is not in the corpus", d.name, d.example)
				continue
			}
			if rc.agrees(o) {
				t.Errorf("%s (%s): %s agrees with NocoBase now; drop the difference", d.name, d.description, d.example)
			}
			c = rc
			run := func(f map[string]any) ncOutcome {
				return runNocoBaseCase(ctx, db, schemas["posts"], ncCase{Collection: "posts", Filter: f})
			}
			if got := nocobaseDifference(c, o, schemas["posts"], run); got != d.name {
				t.Errorf("%s: the example is filed under %q", d.name, got)
			}
		}
	})
}
