package tabular

import "strings"

// normalisePath splits a department path into trimmed segments (appended
// to segs) and returns them joined by sep: "Sales / EMEA" and "Sales/EMEA"
// are one department. An empty segment ("Sales//Berlin", a leading or
// trailing separator) is not ok: guessing what was meant would file
// people under the wrong department.
func normalisePath(path, sep string, segs []string) (string, []string, bool) {
	clean := true
	for seg := range strings.SplitSeq(path, sep) {
		t := strings.TrimSpace(seg)
		if t == "" {
			return "", segs, false
		}
		clean = clean && len(t) == len(seg)
		segs = append(segs, t)
	}
	if clean {
		// The common case costs no new string.
		return path, segs, true
	}
	return strings.Join(segs, sep), segs, true
}
