package resourcer

import (
	"math"
	"sort"
	"strconv"
	"strings"
)

// The port of qs.parse (qs 6.17, with the options NocoBase's parseQuery
// passes) that ParseQuery runs, with the JavaScript string helpers it
// needs: qs's decoding and String.prototype.trim.

// The qs options parseQuery uses; the rest are qs defaults.
const (
	qsArrayLimit     = 100
	qsDepth          = 5
	qsParameterLimit = 1000
)

// The qs port keeps JavaScript's data model while it parses, because qs's
// results depend on it: merge order follows JS property order, arrays can
// have holes until the final compaction, and qs tags some objects (by
// identity, in a side channel) as "overflow" (an array that grew past
// arrayLimit) or "conflict" (a value merged into an object).

// jsHole is the value of an array slot that was never assigned.
type jsHole struct{}

func isHole(v any) bool {
	_, ok := v.(jsHole)
	return ok
}

// jsArray is a JS array; its elements are string, nil (JS null), jsHole,
// *jsArray or *jsObject.
type jsArray struct {
	elems []any
	// conflict: qs made this array to hold two values merged at one key.
	conflict bool
}

// count is the number of assigned elements (qs's countElements).
func (a *jsArray) count() int {
	n := 0
	for _, v := range a.elems {
		if !isHole(v) {
			n++
		}
	}
	return n
}

type jsEntry struct {
	key string
	val any
}

// jsObject is a JS plain object. entries are in insertion order; iteration
// in JS property order goes through orderedKeys/ordered.
type jsObject struct {
	entries []jsEntry
	index   map[string]int // position in entries, built once the object grows

	// overflow: an array that went past arrayLimit; maxIndex is the highest
	// numeric key, where qs appends the next value.
	overflow bool
	maxIndex float64
	// conflict: a merge conflict holder; conflictIndex is its last numeric key.
	conflict      bool
	conflictIndex float64
}

// Objects up to this size are searched linearly: most query objects have a
// handful of keys, and a map per object would cost more than it saves.
const jsObjectSmall = 8

func (o *jsObject) find(k string) int {
	if o.index != nil {
		if i, ok := o.index[k]; ok {
			return i
		}
		return -1
	}
	for i := range o.entries {
		if o.entries[i].key == k {
			return i
		}
	}
	return -1
}

func (o *jsObject) get(k string) (any, bool) {
	if i := o.find(k); i >= 0 {
		return o.entries[i].val, true
	}
	return nil, false
}

func (o *jsObject) set(k string, v any) {
	if i := o.find(k); i >= 0 {
		o.entries[i].val = v
		return
	}
	o.entries = append(o.entries, jsEntry{k, v})
	if o.index != nil {
		o.index[k] = len(o.entries) - 1
	} else if len(o.entries) > jsObjectSmall {
		o.index = make(map[string]int, 2*len(o.entries))
		for i, e := range o.entries {
			o.index[e.key] = i
		}
	}
}

// ordered returns the entries in JS property order: array-index keys in
// ascending numeric order, then the other keys in insertion order.
func (o *jsObject) ordered() []jsEntry {
	if !anyArrayIndex(o.entries) {
		return o.entries
	}
	out := make([]jsEntry, len(o.entries))
	copy(out, o.entries)
	sortJSOrder(out)
	return out
}

func (o *jsObject) orderedKeys() []string {
	entries := o.ordered()
	keys := make([]string, len(entries))
	for i, e := range entries {
		keys[i] = e.key
	}
	return keys
}

func anyArrayIndex(entries []jsEntry) bool {
	for _, e := range entries {
		if _, ok := arrayIndex(e.key); ok {
			return true
		}
	}
	return false
}

// sortJSOrder stably moves the array-index keys first, ascending.
func sortJSOrder(entries []jsEntry) {
	sort.SliceStable(entries, func(a, b int) bool {
		ia, oka := arrayIndex(entries[a].key)
		ib, okb := arrayIndex(entries[b].key)
		return oka && (!okb || ia < ib)
	})
}

// jsOrder puts keys given in insertion order into JS property order.
func jsOrder(keys []string) []string {
	entries := make([]jsEntry, len(keys))
	for i, k := range keys {
		entries[i].key = k
	}
	sortJSOrder(entries)
	for i, e := range entries {
		keys[i] = e.key
	}
	return keys
}

// arrayIndex reports whether k is an array index, the keys JS orders first:
// the canonical decimal form of an integer in [0, 2^32-2].
func arrayIndex(k string) (uint32, bool) {
	if k == "" || len(k) > 10 || (k[0] == '0' && len(k) > 1) {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	if n > math.MaxUint32-1 {
		return 0, false
	}
	return uint32(n), true
}

func isContainer(v any) bool {
	switch v.(type) {
	case *jsArray, *jsObject:
		return true
	}
	return false
}

// qsParse is qs.parse(str, {strictNullHandling: true, arrayLimit: 100}),
// before compaction (done by jsToGo).
func qsParse(str string) *jsObject {
	root := &jsObject{}
	if str == "" {
		return root
	}
	values := qsParseValues(str)
	root.entries = make([]jsEntry, 0, len(values.entries))
	// qs merges the keys in Object.keys order, so "1[a]=x&1=y" merges "1"
	// first. The order decides which value comes first when two collide.
	for _, e := range values.ordered() {
		if e.key != "" && strings.IndexByte(e.key, '[') < 0 {
			// For "a=1" qs builds {a: "1"} and merges that: merging the
			// entry directly is the same, without the garbage.
			if !isObjectPrototypeKey(e.key) {
				qsMergeKey(root, e.key, e.val, false, 0)
			}
			continue
		}
		if v := qsParseKey(e.key, e.val); v != nil {
			qsMerge(root, v)
		}
	}
	return root
}

// qsParseValues splits the string into decoded key/value pairs, combining
// the values of repeated keys into arrays.
func qsParseValues(str string) *jsObject {
	// qs turns %5B/%5D into brackets in the whole string before splitting,
	// so encoded brackets in keys nest like literal ones.
	str = replaceEncodedBrackets(str)
	obj := &jsObject{entries: make([]jsEntry, 0, min(strings.Count(str, "&")+1, qsParameterLimit))}
	for n := 0; n < qsParameterLimit; n++ {
		part, rest, more := strings.Cut(str, "&")
		str = rest

		// A "]=" marks the end of a bracketed key, so "a[=]=1" splits
		// after ']' rather than at the first '='.
		pos := strings.Index(part, "]=")
		if pos >= 0 {
			pos++
		} else {
			pos = strings.IndexByte(part, '=')
		}
		var key string
		var val any // strictNullHandling: no '=' is null
		if pos < 0 {
			key = qsDecode(part)
		} else {
			key = qsDecode(part[:pos])
			val = qsDecode(part[pos+1:])
		}
		if cur, ok := obj.get(key); ok {
			obj.set(key, qsCombine(cur, val))
		} else {
			obj.set(key, val)
		}
		if !more {
			break
		}
	}
	return obj
}

// replaceEncodedBrackets is qs's .replace(/%5B/gi, '[').replace(/%5D/gi, ']').
func replaceEncodedBrackets(s string) string {
	if strings.IndexByte(s, '%') < 0 {
		return s
	}
	var b strings.Builder
	last := 0
	for i := 0; i+2 < len(s); i++ {
		if s[i] != '%' || s[i+1] != '5' {
			continue
		}
		var r byte
		switch s[i+2] {
		case 'B', 'b':
			r = '['
		case 'D', 'd':
			r = ']'
		default:
			continue
		}
		if last == 0 {
			b.Grow(len(s))
		}
		b.WriteString(s[last:i])
		b.WriteByte(r)
		last = i + 3
		i += 2
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// qsCombine is qs's combine(a, b) for a repeated key: b (a decoded value)
// is appended to a, which overflows into an object past arrayLimit.
func qsCombine(a, b any) any {
	if o, ok := a.(*jsObject); ok && o.overflow {
		o.maxIndex++
		o.set(jsNumberString(o.maxIndex), b)
		return o
	}
	return arrayOrOverflow(jsConcat(nil, a, b))
}

// jsConcat appends values to elems as Array.prototype.concat does: arrays
// are spread one level, keeping their holes; anything else is one element.
func jsConcat(elems []any, values ...any) []any {
	for _, v := range values {
		if a, ok := v.(*jsArray); ok {
			elems = append(elems, a.elems...)
		} else {
			elems = append(elems, v)
		}
	}
	return elems
}

// arrayOrOverflow makes an array of elems, or past arrayLimit an overflow
// object keyed by index.
func arrayOrOverflow(elems []any) any {
	if len(elems) > qsArrayLimit {
		o := arrayToObject(elems)
		o.overflow, o.maxIndex = true, float64(len(elems)-1)
		return o
	}
	return &jsArray{elems: elems}
}

// arrayToObject is qs's arrayToObject: the assigned elements, keyed by index.
func arrayToObject(elems []any) *jsObject {
	o := &jsObject{}
	for i, v := range elems {
		if !isHole(v) {
			o.set(strconv.Itoa(i), v)
		}
	}
	return o
}

// qsParseKey turns one key and its value into a nested value ready to merge
// into the result (qs's parseKeys), or nil if qs drops the key.
func qsParseKey(key string, val any) any {
	if key == "" {
		return nil
	}
	chain, ok := qsSplitKey(key)
	if !ok {
		return nil
	}
	leaf := val
	for i := len(chain) - 1; i >= 0; i-- {
		root := chain[i]
		if root == "[]" {
			if o, ok := leaf.(*jsObject); !ok || !o.overflow {
				leaf = arrayOrOverflow(jsConcat(nil, leaf))
			}
			continue
		}
		clean := root
		if len(root) >= 2 && root[0] == '[' && root[len(root)-1] == ']' {
			clean = root[1 : len(root)-1]
		}
		// Only a bracketed canonical integer is an index: "a[0]" is an
		// array, "0" and "a[00]" are object keys.
		idx, isIndex := canonicalInt(clean)
		isIndex = isIndex && idx >= 0 && clean != root
		switch {
		case isIndex && idx < qsArrayLimit:
			elems := make([]any, int(idx)+1)
			for j := range elems {
				elems[j] = jsHole{}
			}
			elems[int(idx)] = leaf
			leaf = &jsArray{elems: elems}
		case isIndex:
			o := &jsObject{overflow: true, maxIndex: idx}
			o.set(clean, leaf)
			leaf = o
		default:
			// qs also skips a "__proto__" here, but qsSplitKey has already
			// dropped every key that could produce one.
			o := &jsObject{}
			o.set(clean, leaf)
			leaf = o
		}
	}
	return leaf
}

// qsSplitKey splits "a[b][c]" into "a", "[b]", "[c]" (qs's
// splitKeyIntoSegments). Text between groups is ignored, an unterminated
// group and whatever follows the fifth group stay one literal segment, and
// ok is false when the key names an Object.prototype property at any level
// (qs drops such keys).
func qsSplitKey(key string) (segments []string, ok bool) {
	first := strings.IndexByte(key, '[')
	parent := key
	if first >= 0 {
		parent = key[:first]
	}
	if parent != "" {
		if isObjectPrototypeKey(parent) {
			return nil, false
		}
		segments = append(segments, parent)
	}
	open := first
	for collected := 0; open >= 0 && collected < qsDepth; collected++ {
		level, end := 1, -1
		for i := open + 1; i < len(key) && end < 0; i++ {
			switch key[i] {
			case '[':
				level++
			case ']':
				level--
				if level == 0 {
					end = i
				}
			}
		}
		if end < 0 {
			return append(segments, "["+key[open:]+"]"), true
		}
		if isObjectPrototypeKey(key[open+1 : end]) {
			return nil, false
		}
		segments = append(segments, key[open:end+1])
		open = strings.IndexByte(key[end+1:], '[')
		if open >= 0 {
			open += end + 1
		}
	}
	if open >= 0 {
		segments = append(segments, "["+key[open:]+"]")
	}
	return segments, true
}

// isObjectPrototypeKey reports the own properties of Object.prototype
// (Node 20), which qs refuses as keys since allowPrototypes is false.
func isObjectPrototypeKey(k string) bool {
	switch k {
	case "constructor", "__defineGetter__", "__defineSetter__", "hasOwnProperty",
		"__lookupGetter__", "__lookupSetter__", "isPrototypeOf", "propertyIsEnumerable",
		"toString", "valueOf", "__proto__", "toLocaleString":
		return true
	}
	return false
}

// qsMerge is qs's utils.merge with strictMerge (qs >= 6.15): it merges
// source into target, mutating target where qs does, and returns the
// result. Values merged into an object become a "conflict" array [object,
// value] instead of a key of the object.
func qsMerge(target, source any) any {
	// A falsy source ("" or null) leaves the target alone, so "a[b]=1&a="
	// keeps {b: "1"} while "a=&a[b]=1" gives ["", {b: "1"}].
	switch s := source.(type) {
	case nil:
		return target
	case string:
		if s == "" {
			return target
		}
		return qsMergeScalar(target, s)
	}

	if !isContainer(target) {
		if so, ok := source.(*jsObject); ok && so.overflow {
			// Shift the overflow object's keys up by one to make room for
			// the target at 0. A source is always freshly parsed, and the
			// keys of a fresh overflow object are all array indexes.
			out := &jsObject{overflow: true, maxIndex: so.maxIndex + 1}
			out.set("0", target)
			for _, e := range so.entries {
				n, _ := strconv.ParseFloat(e.key, 64)
				out.set(jsNumberString(n+1), e.val)
			}
			return out
		}
		return arrayOrOverflow(jsConcat([]any{target}, source))
	}

	ta, targetIsArray := target.(*jsArray)
	sa, sourceIsArray := source.(*jsArray)
	if targetIsArray && sourceIsArray {
		for i, item := range sa.elems {
			if isHole(item) {
				continue // forEach skips holes
			}
			switch {
			case i < len(ta.elems) && !isHole(ta.elems[i]):
				if isContainer(ta.elems[i]) && isContainer(item) {
					ta.elems[i] = qsMerge(ta.elems[i], item)
				} else {
					ta.elems = append(ta.elems, item)
				}
			case i < len(ta.elems):
				ta.elems[i] = item
			default:
				for len(ta.elems) < i {
					ta.elems = append(ta.elems, jsHole{})
				}
				ta.elems = append(ta.elems, item)
			}
		}
		if ta.count() > qsArrayLimit {
			o := arrayToObject(ta.elems)
			o.overflow, o.maxIndex = true, float64(len(ta.elems)-1)
			return o
		}
		return ta
	}

	var acc *jsObject
	if targetIsArray {
		acc = arrayToObject(ta.elems)
		if ta.conflict {
			acc.conflict, acc.conflictIndex = true, float64(len(ta.elems)-1)
		}
	} else {
		acc = target.(*jsObject)
	}
	var entries []jsEntry
	var sourceOverflow bool
	var sourceMax float64
	if sourceIsArray {
		for i, v := range sa.elems {
			if !isHole(v) {
				entries = append(entries, jsEntry{strconv.Itoa(i), v})
			}
		}
	} else {
		so := source.(*jsObject)
		entries = so.ordered()
		sourceOverflow, sourceMax = so.overflow, so.maxIndex
	}
	for _, e := range entries {
		qsMergeKey(acc, e.key, e.val, sourceOverflow, sourceMax)
	}
	return acc
}

// qsMergeKey merges one key of a source object into acc (a step of the
// reduce at the end of qs's merge), keeping acc's indexes current.
func qsMergeKey(acc *jsObject, key string, val any, sourceOverflow bool, sourceMax float64) {
	if cur, ok := acc.get(key); ok {
		acc.set(key, qsMerge(cur, val))
	} else {
		acc.set(key, val)
	}
	if sourceOverflow && !acc.overflow {
		// An overflow source makes acc one too, from its first key on.
		acc.overflow = true
		acc.maxIndex = maxNumericIndex(acc, sourceMax)
	}
	if !acc.overflow && !acc.conflict {
		return
	}
	n, numeric := canonicalInt(key)
	if acc.overflow && numeric && n >= 0 && n > acc.maxIndex {
		acc.maxIndex = n
	}
	if acc.conflict && numeric && n > acc.conflictIndex {
		acc.conflictIndex = n
	}
}

// qsMergeScalar merges a non-empty string into target.
func qsMergeScalar(target any, s string) any {
	switch t := target.(type) {
	case *jsArray:
		if t.count() >= qsArrayLimit {
			o := arrayToObject(jsConcat(append([]any(nil), t.elems...), s))
			o.overflow, o.maxIndex = true, float64(len(t.elems))
			return o
		}
		t.elems = append(t.elems, s)
		return t
	case *jsObject:
		switch {
		case t.overflow:
			t.maxIndex++
			t.set(jsNumberString(t.maxIndex), s)
		case t.conflict:
			t.conflictIndex++
			t.set(jsNumberString(t.conflictIndex), s)
		default:
			return &jsArray{elems: []any{t, s}, conflict: true}
		}
		return t
	}
	return &jsArray{elems: []any{target, s}}
}

// maxNumericIndex is the largest key of o that is a canonical integer, or
// min if none is larger.
func maxNumericIndex(o *jsObject, min float64) float64 {
	for _, e := range o.entries {
		if n, ok := canonicalInt(e.key); ok && n > min {
			min = n
		}
	}
	return min
}

// canonicalInt reports whether String(parseInt(k, 10)) === k, the test qs
// uses for numeric keys, and returns the number: k is "-"? then digits
// without a leading zero, and survives the round trip through a float64.
func canonicalInt(k string) (float64, bool) {
	digits := strings.TrimPrefix(k, "-")
	if !allDigits(digits) || (digits[0] == '0' && (len(digits) > 1 || len(digits) < len(k))) {
		return 0, false
	}
	f, err := strconv.ParseFloat(k, 64)
	// Up to 15 digits a float64 is exact; longer ones must print back the same.
	if err != nil || (len(digits) > 15 && jsNumberString(f) != k) {
		return 0, false
	}
	return f, true
}

// jsNumberString is String(n) for a finite integral number (qs's keys).
func jsNumberString(f float64) string {
	if math.Abs(f) < 1e21 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'g', -1, 64) // "1e+21", like JS
}

// jsToGo converts a parsed value to its JSON shape, dropping array holes as
// qs's compact does.
func jsToGo(v any) any {
	switch t := v.(type) {
	case *jsArray:
		out := make([]any, 0, len(t.elems))
		for _, e := range t.elems {
			if !isHole(e) {
				out = append(out, jsToGo(e))
			}
		}
		return out
	case *jsObject:
		out := make(map[string]any, len(t.entries))
		for _, e := range t.entries {
			out[e.key] = jsToGo(e.val)
		}
		return out
	}
	return v
}

// qsDecode is qs's utils.decode: '+' is a space, then decodeURIComponent;
// if that throws (a bad escape anywhere), the whole string keeps its escapes.
func qsDecode(s string) string {
	if strings.IndexByte(s, '%') < 0 {
		if strings.IndexByte(s, '+') < 0 {
			return s
		}
		return strings.ReplaceAll(s, "+", " ")
	}
	s = strings.ReplaceAll(s, "+", " ")
	if d, err := jsDecodeURIComponent(s); err == nil {
		return d
	}
	return s
}

// isJSSpace is JavaScript's WhiteSpace and LineTerminator, what
// String.prototype.trim removes. It differs from unicode.IsSpace: U+FEFF is
// in, U+0085 is out.
func isJSSpace(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', ' ', 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF:
		return true
	}
	return 0x2000 <= r && r <= 0x200A
}

func jsTrim(s string) string {
	return strings.TrimFunc(s, isJSSpace)
}
