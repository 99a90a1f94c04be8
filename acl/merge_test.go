package acl

import (
	"encoding/json"
	"testing"
)

// Why a case of testdata/merge.json answers differently from the
// reference on purpose (see Narrowing in the package doc).
const (
	reasonEmptyIntersection  = "the request's fields meet the grant's in nothing: refused (403) naming them; NocoBase answers fields: [], which a data layer reads as every column"
	reasonEmptyRequestFields = "fields: [] in the request sets no limit, so the grant's fields apply; NocoBase passes the [] on, which reads every column"
	reasonAppendsByFields    = "the grant has fields but no appends, so appends are bounded by its fields (rel is not one); NocoBase appends any association"
)

// mergeDifferences are the cases of testdata/merge.json whose answer
// differs from the reference on purpose: the reason, and the answer here
// (the merged params, or the error as a JSON string).
var mergeDifferences = map[string]struct{ reason, want string }{
	"merge-004": {reasonEmptyIntersection, `"acl: no permissions: fields c may not be read"`},
	"merge-037": {reasonEmptyIntersection, `"acl: no permissions: fields a, b may not be read"`},
	"merge-043": {reasonEmptyRequestFields, `{"appends":[],"blacklist":["secret"],"except":["p","password"],"fields":["a"],"page":1,"whitelist":["a","b"]}`},
	"merge-044": {reasonEmptyIntersection, `"acl: no permissions: fields c may not be read"`},
	"merge-050": {reasonAppendsByFields, `{"appends":[],"fields":["a"],"filter":{"id":1},"whitelist":["a"]}`},
	"merge-052": {reasonAppendsByFields, `{"appends":[],"blacklist":["secret"],"except":["p","password"],"fields":["a"],"filter":{"title.$includes":"x"}}`},
	"merge-068": {reasonAppendsByFields, `{"appends":[],"except":["password"],"fields":["a"],"filter":{"status":{"$in":["a","b"]}},"whitelist":["a","b"]}`},
	"merge-073": {reasonEmptyIntersection, `"acl: no permissions: fields c may not be read"`},
	"merge-078": {reasonEmptyIntersection, `"acl: no permissions: fields c may not be read"`},
	"merge-087": {reasonEmptyIntersection, `"acl: no permissions: fields a, rel may not be read"`},
	"merge-099": {reasonEmptyIntersection, `"acl: no permissions: fields a, rel may not be read"`},
	"merge-110": {reasonEmptyIntersection, `"acl: no permissions: fields c may not be read"`},
	"merge-111": {reasonEmptyIntersection, `"acl: no permissions: fields a, rel may not be read"`},
	"merge-132": {reasonEmptyIntersection, `"acl: no permissions: fields a, b may not be read"`},
	"merge-140": {reasonEmptyIntersection, `"acl: no permissions: fields a, b may not be read"`},
	"merge-152": {reasonAppendsByFields, `{"appends":[],"except":["p"],"fields":["a"],"filter":{"id":1},"page":1,"whitelist":["a","b"]}`},
	"merge-154": {reasonAppendsByFields, `{"appends":[],"except":["password"],"fields":["a"],"sort":["id"],"whitelist":["a","b"]}`},
	"merge-189": {reasonAppendsByFields, `{"appends":[],"blacklist":["secret"],"except":["password"],"fields":["z"],"sort":["id"]}`},
	"merge-206": {reasonEmptyIntersection, `"acl: no permissions: fields c may not be read"`},
	"merge-218": {reasonEmptyIntersection, `"acl: no permissions: fields a, b may not be read"`},
	"merge-219": {reasonEmptyIntersection, `"acl: no permissions: fields a, rel may not be read"`},
	"merge-228": {reasonEmptyRequestFields + "; " + reasonAppendsByFields, `{"appends":[],"blacklist":["secret"],"fields":["z"],"page":1,"whitelist":["a"]}`},
	"merge-231": {reasonAppendsByFields, `{"appends":[],"fields":["a"],"sort":["-id","name"]}`},
	"merge-240": {reasonEmptyIntersection, `"acl: no permissions: fields a, b may not be read"`},
	"merge-279": {reasonEmptyIntersection, `"acl: no permissions: fields c may not be read"`},
}

// testdata/merge.json: request params merged with ACL params (templates
// filled from the user and role) by the reference's resolvePermissionParams.
// Every case runs; the ones in mergeDifferences are checked against the
// answer listed there, which must differ from the reference's.
func TestMergeMatchesReference(t *testing.T) {
	var cases []struct {
		Name     string
		Raw      Params
		ACL      Params
		State    map[string]any
		Expected json.RawMessage
	}
	loadJSON(t, "testdata/merge.json", &cases)
	s := New().snap.Load()
	seen := 0
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			ctx := contextFromState(c.State)
			aclParams, err := normalizeParams(c.ACL)
			if err != nil {
				t.Fatal(err)
			}
			can := &CanResult{Role: "r", Resource: "posts", Action: "list", Params: aclParams}
			_, _, merged, err := s.resolvePermissionParams(ctx, can, false, "posts", "list", c.Raw, nil, "")
			got, _ := json.Marshal(merged)
			if err != nil {
				got, _ = json.Marshal(err.Error())
			}
			want := c.Expected
			if d, ok := mergeDifferences[c.Name]; ok {
				seen++
				if jsonDiff(c.Expected, json.RawMessage(d.want)) == "" {
					t.Fatalf("listed as a difference (%s) but the reference answers the same", d.reason)
				}
				want = json.RawMessage(d.want)
			}
			if diff := jsonDiff(want, got); diff != "" {
				t.Errorf("raw %v acl %v (-want +got):\n%s", c.Raw, c.ACL, diff)
			}
		})
	}
	if seen != len(mergeDifferences) {
		t.Errorf("%d of %d listed differences are cases of merge.json", seen, len(mergeDifferences))
	}
}
