package acl

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// glob is a compiled minimatch pattern (minimatch 5 defaults), as NocoBase
// uses it for snippet names and snippet action paths: * and ? match within
// a path segment, [...] classes, {a,b} alternatives, and wildcards never
// match a leading dot. Extglobs (+(a|b) and friends) are refused rather than
// silently read another way.
type glob struct {
	alternatives [][]globSegment // brace-expanded, split at '/'
	negated      bool
	literal      string // set when the pattern has no special characters
	isLiteral    bool
}

type globTokenKind uint8

const (
	tokLiteral globTokenKind = iota
	tokAny                   // ?
	tokStar                  // *
	tokClass                 // [...]
)

// globSegment is one '/'-separated part of a pattern; a "**" segment
// (globstar) matches any number of path segments.
type globSegment struct {
	tokens   []globToken
	globstar bool
}

type globToken struct {
	kind    globTokenKind
	lit     string
	ranges  []runeRange
	negated bool
}

type runeRange struct{ lo, hi rune }

var errBadGlob = errors.New("invalid pattern")

func compileGlob(pattern string) (*glob, error) {
	g := &glob{}
	p := pattern
	for strings.HasPrefix(p, "!") {
		g.negated = !g.negated
		p = p[1:]
	}
	if strings.HasPrefix(p, "#") {
		return nil, fmt.Errorf("%w %q: a leading # makes it a comment in minimatch", errBadGlob, pattern)
	}
	if i := extglobAt(p); i >= 0 {
		return nil, fmt.Errorf("%w %q: extglob at offset %d is not supported", errBadGlob, pattern, i)
	}
	if !strings.ContainsAny(p, `*?[{\`) {
		g.literal, g.isLiteral = p, true
		return g, nil
	}
	for _, alt := range expandBraces(p) {
		var segs []globSegment
		for _, part := range strings.Split(alt, "/") {
			if part == "**" {
				segs = append(segs, globSegment{globstar: true})
				continue
			}
			segs = append(segs, globSegment{tokens: parseGlob(part)})
		}
		g.alternatives = append(g.alternatives, segs)
	}
	return g, nil
}

func extglobAt(p string) int {
	for i := 0; i+1 < len(p); i++ {
		if p[i+1] == '(' && strings.IndexByte("+@!?*", p[i]) >= 0 {
			return i
		}
	}
	return -1
}

func (g *glob) match(s string) bool {
	return g.matchRaw(s) != g.negated
}

func (g *glob) matchRaw(s string) bool {
	if g.isLiteral {
		return s == g.literal
	}
	for _, toks := range g.alternatives {
		if matchSegments(toks, s) {
			return true
		}
	}
	return false
}

// matchSegments matches a path segment by segment, so that no wildcard
// crosses a '/' and a segment starting with '.' needs a literal dot.
func matchSegments(segs []globSegment, s string) bool {
	return matchParts(segs, strings.Split(s, "/"))
}

func matchParts(segs []globSegment, parts []string) bool {
	if len(segs) == 0 {
		return len(parts) == 0
	}
	seg := segs[0]
	if seg.globstar {
		for i := 0; i <= len(parts); i++ {
			if matchParts(segs[1:], parts[i:]) {
				return true
			}
			if i < len(parts) && strings.HasPrefix(parts[i], ".") {
				return false
			}
		}
		return false
	}
	if len(parts) == 0 {
		return false
	}
	str := parts[0]
	toks := seg.tokens
	if strings.HasPrefix(str, ".") && (len(toks) == 0 || toks[0].kind != tokLiteral || !strings.HasPrefix(toks[0].lit, ".")) {
		return false
	}
	return matchTokens(toks, str) && matchParts(segs[1:], parts[1:])
}

// matchTokens matches one segment with backtracking over the last star.
func matchTokens(toks []globToken, s string) bool {
	ti, si := 0, 0
	starTi, starSi := -1, 0
	for si < len(s) || ti < len(toks) {
		if ti < len(toks) {
			t := toks[ti]
			switch t.kind {
			case tokStar:
				starTi, starSi = ti, si
				ti++
				continue
			case tokLiteral:
				if strings.HasPrefix(s[si:], t.lit) {
					ti++
					si += len(t.lit)
					continue
				}
			case tokAny, tokClass:
				if si < len(s) {
					r, size := decodeRune(s[si:])
					if t.kind == tokAny || t.matchClass(r) {
						ti++
						si += size
						continue
					}
				}
			}
		}
		if starTi >= 0 && starSi < len(s) {
			_, size := decodeRune(s[starSi:])
			starSi += size
			ti, si = starTi+1, starSi
			continue
		}
		return false
	}
	return true
}

func (t globToken) matchClass(r rune) bool {
	in := false
	for _, rr := range t.ranges {
		if r >= rr.lo && r <= rr.hi {
			in = true
			break
		}
	}
	return in != t.negated
}

func decodeRune(s string) (rune, int) { return utf8.DecodeRuneInString(s) }

func parseGlob(p string) []globToken {
	var toks []globToken
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			toks = append(toks, globToken{kind: tokLiteral, lit: lit.String()})
			lit.Reset()
		}
	}
	runes := []rune(p)
	for i := 0; i < len(runes); i++ {
		switch r := runes[i]; r {
		case '\\':
			if i+1 < len(runes) {
				i++
				lit.WriteRune(runes[i])
			} else {
				lit.WriteRune('\\')
			}
		case '*':
			flush()
			if len(toks) == 0 || toks[len(toks)-1].kind != tokStar {
				toks = append(toks, globToken{kind: tokStar})
			}
		case '?':
			flush()
			toks = append(toks, globToken{kind: tokAny})
		case '[':
			tok, next, ok := parseClass(runes, i)
			if !ok {
				lit.WriteRune('[') // an unclosed class is a literal bracket
				continue
			}
			flush()
			toks = append(toks, tok)
			i = next
		default:
			lit.WriteRune(r)
		}
	}
	flush()
	return toks
}

// parseClass reads a bracket expression starting at runes[start] == '['
// and returns the index of its closing ']'.
func parseClass(runes []rune, start int) (globToken, int, bool) {
	tok := globToken{kind: tokClass}
	i := start + 1
	if i < len(runes) && (runes[i] == '!' || runes[i] == '^') {
		tok.negated = true
		i++
	}
	first := true
	for ; i < len(runes); i++ {
		r := runes[i]
		if r == ']' && !first {
			return tok, i, true
		}
		first = false
		if r == '\\' && i+1 < len(runes) {
			i++
			r = runes[i]
		}
		lo, hi := r, r
		if i+2 < len(runes) && runes[i+1] == '-' && runes[i+2] != ']' {
			hi = runes[i+2]
			i += 2
		}
		if lo > hi {
			return globToken{}, 0, false
		}
		tok.ranges = append(tok.ranges, runeRange{lo, hi})
	}
	return globToken{}, 0, false
}

// expandBraces expands {a,b} alternatives (nested ones too); a brace pair
// without a comma stays literal, as in brace-expansion.
func expandBraces(p string) []string {
	open := -1
	depth := 0
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '\\':
			i++
		case '{':
			if depth == 0 {
				open = i
			}
			depth++
		case '}':
			if depth == 0 {
				continue
			}
			depth--
			if depth > 0 {
				continue
			}
			parts := splitTopLevel(p[open+1 : i])
			if len(parts) < 2 {
				open = -1
				continue
			}
			var out []string
			for _, part := range parts {
				for _, rest := range expandBraces(p[i+1:]) {
					for _, mid := range expandBraces(part) {
						out = append(out, p[:open]+mid+rest)
					}
				}
			}
			return out
		}
	}
	return []string{p}
}

func splitTopLevel(s string) []string {
	var parts []string
	depth, last := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '{':
			depth++
		case '}':
			depth--
		case ',':
			if depth == 0 {
				parts = append(parts, s[last:i])
				last = i + 1
			}
		}
	}
	return append(parts, s[last:])
}
