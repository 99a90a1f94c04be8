package ldap

import (
	"encoding/hex"
	"strings"
)

// guidString renders Active Directory's objectGUID, 16 bytes in the
// Windows GUID layout, as its canonical string: the first three groups are
// little-endian in the bytes, so they are reversed. ok is false for a
// value of another length.
func guidString(b []byte) (s string, ok bool) {
	if len(b) != 16 {
		return "", false
	}
	ordered := []byte{
		b[3], b[2], b[1], b[0],
		b[5], b[4],
		b[7], b[6],
		b[8], b[9],
		b[10], b[11], b[12], b[13], b[14], b[15],
	}
	h := hex.EncodeToString(ordered)
	return strings.Join([]string{h[0:8], h[8:12], h[12:16], h[16:20], h[20:32]}, "-"), true
}
