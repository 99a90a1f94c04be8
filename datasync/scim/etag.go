package scim

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
)

// version is a served resource's version (RFC 7644 §3.14): a weak ETag
// made of the first 16 hex digits of the SHA-256 of its JSON, taken
// before "meta" is added (withMeta): meta holds the version. encoding/json
// writes map keys sorted, so the same resource always gives the same
// text. It is weak because a resource is served in several forms
// (attributes, excludedAttributes) that share it.
func version(res map[string]any) string {
	// A resource decoded from JSON always encodes again.
	raw, _ := json.Marshal(res)
	sum := sha256.Sum256(raw)
	return `W/"` + hex.EncodeToString(sum[:8]) + `"`
}

// checkIfMatch refuses a write whose If-Match names no current version:
// the client read the resource before someone else changed it (RFC 7644
// §3.14, RFC 9110 §13.1.1). No If-Match, or "*", always matches.
func checkIfMatch(header, current string) error {
	if header == "" || etagListHas(header, current) {
		return nil
	}
	return newError(http.StatusPreconditionFailed, "", "If-Match %s: the resource's version is %s", header, current)
}

// notModified reports whether a GET's If-None-Match names the current
// version, so that it is answered 304 without a body.
func notModified(r *http.Request, current string) bool {
	header := r.Header.Get("If-None-Match")
	return header != "" && etagListHas(header, current)
}

// etagListHas reports whether the comma-separated entity tags of header
// hold etag or "*", compared weakly (W/ ignored), as RFC 9110 §13.1.1
// and §13.1.2 ask of both preconditions here.
func etagListHas(header, etag string) bool {
	want := strings.TrimPrefix(etag, "W/")
	for tag := range strings.SplitSeq(header, ",") {
		tag = strings.TrimSpace(tag)
		if tag == "*" || strings.TrimPrefix(tag, "W/") == want {
			return true
		}
	}
	return false
}
