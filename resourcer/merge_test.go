package resourcer

import (
	"encoding/json"
	"testing"
)

// The Action.mergeParams cases of the reference's koa tests, on MergeParams.
func TestMergeParams(t *testing.T) {
	p := func(s string) Params {
		var out Params
		if err := json.Unmarshal([]byte(s), &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	cases := []struct {
		target, source string
		strategies     map[string]Strategy
		want           string
	}{
		{`{"filter":{"col1":"val1"},"fields":["id"],"sort":["-id"]}`, `{"filter":{"col2":"val2"},"fields":"id,col1","sort":"-id","other":"o"}`, ActionStrategies(),
			`{"filter":{"$and":[{"col1":"val1"},{"col2":"val2"}]},"fields":["id"],"sort":"-id","other":"o"}`},
		{`{"except":["password"],"appends":["col2"]}`, `{"except":["secret"],"appends":"rel1,rel2"}`, ActionStrategies(),
			`{"except":["password","secret"],"appends":["col2","rel1","rel2"]}`},
		{`{"values":{"col1":"val1","tags":["a"]}}`, `{"values":{"aa":"aa","tags":["b"]}}`, nil,
			`{"values":{"col1":"val1","aa":"aa","tags":["b"]}}`},
		{`{"filter":{"a":1}}`, `{"filter":{"b":2}}`, map[string]Strategy{"filter": OrMerge},
			`{"filter":{"$or":[{"a":1},{"b":2}]}}`},
		{`{"values":{"a":{"x":1}}}`, `{"values":{"a":{"y":2}}}`, map[string]Strategy{"values": Merge},
			`{"values":{"a":{"y":2}}}`},
		{`{"fields":["a","b"]}`, `{"fields":["b","c"]}`, map[string]Strategy{"fields": Union},
			`{"fields":["a","b","c"]}`},
		{`{"sort":"a,b"}`, `{}`, map[string]Strategy{"sort": Overwrite}, `{"sort":["a","b"]}`},
		{`{"values":{"a":[1]}}`, `{"values":{"a":[2]}}`, map[string]Strategy{"values": DeepMerge}, `{"values":{"a":[2]}}`},
	}
	for _, c := range cases {
		target := p(c.target)
		got := MergeParams(target, p(c.source), c.strategies)
		raw, _ := json.Marshal(got)
		if diff := jsonDiff(c.want, string(raw)); diff != "" {
			t.Errorf("MergeParams(%s, %s) (-want +got):\n%s", c.target, c.source, diff)
		}
		if after, _ := json.Marshal(target); jsonDiff(c.target, string(after)) != "" {
			t.Errorf("MergeParams changed its target: %s", after)
		}
	}
}
