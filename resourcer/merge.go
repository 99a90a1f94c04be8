package resourcer

import "github.com/gatehouse-dev/gatehouse/internal/jsonval"

// Strategy merges one key: x is the target's value, y the source's, and
// the booleans say whether the key was present on each side; returning
// false removes the key (JavaScript's undefined).
type Strategy = func(x any, xok bool, y any, yok bool) (any, bool)

// NocoBase's merge strategies, by the names its mergeParams accepts.
var (
	AndMerge  Strategy = jsonval.AndMerge  // {$and: [x, y]}, or the side that is set
	OrMerge   Strategy = jsonval.OrMerge   // {$or: [x, y]}, or the side that is set
	Intersect Strategy = jsonval.Intersect // entries of x that y has; an empty side yields the other
	Union     Strategy = jsonval.Union     // x's entries then y's, no repeats
	Overwrite Strategy = jsonval.Overwrite // y unless absent; "a,b" becomes a list
	DeepMerge Strategy = jsonval.DeepMergeStrategy
	Merge     Strategy = jsonval.Merge // one-level object merge
)

// ActionStrategies are the strategies NocoBase's Action.mergeParams uses
// for action defaults and request params; keys without one deep-merge, the
// source winning.
func ActionStrategies() map[string]Strategy {
	return map[string]Strategy{
		"filter":    AndMerge,
		"fields":    Intersect,
		"appends":   Union,
		"except":    Union,
		"whitelist": Intersect,
		"blacklist": Intersect,
		"sort":      Overwrite,
	}
}

var actionStrategies = ActionStrategies()

// MergeParams is NocoBase's assign(target, source, strategies): every key
// of either side that has a strategy becomes strategy(target[k],
// source[k]); any other key present in source deep-merges into target's
// (plain objects key by key, anything else replaced). It returns a new map
// and leaves both inputs as they were; the result may share values with
// them.
func MergeParams(target, source Params, strategies map[string]Strategy) Params {
	s := make(map[string]jsonval.Strategy, len(strategies))
	for k, f := range strategies {
		s[k] = f
	}
	return Params(jsonval.Assign(target, source, s))
}
