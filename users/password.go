package users

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/crypto/scrypt"
)

// ErrUnknownHashFormat is wrapped by every error Verify returns for a stored
// string it cannot check: one that matches no supported format, and one that
// looks like a supported format but is malformed or carries parameters
// outside the safety limits (see PasswordHasher.Verify). A caller can then
// tell "this row holds something unusable" (log it, refuse the login) from
// "wrong password" (false with a nil error) with one errors.Is.
var ErrUnknownHashFormat = errors.New("users: unrecognized password hash")

// Limits on what a stored hash may ask Verify to compute. A hash comes from
// the database, where a bad migration or a hostile writer could put
// m=4294967295 or a bcrypt cost of 31; without limits a single login attempt
// would then allocate gigabytes or run for hours. The limits are far above
// any sane setting (OWASP's argon2id is m=19456,t=2; bcrypt is usually 10–12)
// so real hashes from other systems still verify.
const (
	// pwArgon2MaxMemory is 1 GiB in KiB. The worst in-bounds argon2id hash
	// (m=1 GiB, t=100) is still slow, but bounded.
	pwArgon2MaxMemory = 1 << 20
	pwArgon2MaxTime   = 100
	// Salt and key lengths in bytes; 8 is the Argon2 specification's
	// minimum salt length, and nothing real uses more than a few dozen.
	pwArgon2MinLen = 8
	pwArgon2MaxLen = 1024
	// pwBcryptMaxCost: cost 15 is about 2.4 s per check on a current x86-64
	// core; every step up doubles it (31 would take days).
	pwBcryptMaxCost = 15
	// pwMaxEncodedLen rejects absurdly long stored strings before any
	// splitting or decoding. The longest valid argon2id string (1024-byte
	// salt and key) is under 2,800 bytes.
	pwMaxEncodedLen = 4096
)

// NocoBase's password field (packages/core/database/src/fields/password-field.ts)
// with its default options: length 64, randomBytesSize 8, so an 8-byte salt
// written as 16 hex characters and a 64/2-8 = 24-byte key. Node's
// crypto.scrypt defaults are N=16384, r=8, p=1.
const (
	pwScryptSaltHexLen = 16
	pwScryptN          = 16384
	pwScryptR          = 8
	pwScryptP          = 1
	pwScryptKeyLen     = 24
	pwHex64Len         = pwScryptSaltHexLen + 2*pwScryptKeyLen // == 2*sha256.Size
)

// pwPolicy is what Verify is allowed to compute. Production code always uses
// pwDefaultPolicy; the fuzz test uses tighter limits and wraps the key
// derivation functions to check that nothing above the limits ever runs.
type pwPolicy struct {
	maxMemory     uint32 // argon2id m, KiB
	maxTime       uint32 // argon2id t
	maxBcryptCost int
	argon2Key     func(password, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte
	bcryptCompare func(hash, password []byte) error
}

var pwDefaultPolicy = pwPolicy{
	maxMemory:     pwArgon2MaxMemory,
	maxTime:       pwArgon2MaxTime,
	maxBcryptCost: pwBcryptMaxCost,
	argon2Key:     argon2.IDKey,
	bcryptCompare: bcrypt.CompareHashAndPassword,
}

// PasswordHasher hashes new passwords with argon2id and verifies every format
// a directory may hold: its own argon2id, NocoBase's scrypt, bcrypt, and the
// bare SHA-256 of the reporting platform, so users imported from those
// systems can log in without a password reset. The parameters apply only to
// Hash and NeedsRehash; Verify reads them from the stored string.
//
// A password is hashed as the UTF-8 bytes of the Go string, with no Unicode
// normalisation: NocoBase hashes String(pw) the same way, so its stored
// hashes keep verifying, and "é" typed precomposed or decomposed are two
// different passwords, as they are there.
//
// Use DefaultPasswordHasher unless there is a measured reason not to; the
// zero value is not usable (Hash returns an error).
type PasswordHasher struct {
	Memory  uint32 // KiB of memory per hash; OWASP's argon2id minimum is 19456 (19 MiB)
	Time    uint32 // iterations over that memory; OWASP pairs 19 MiB with 2
	Threads uint8  // lanes; 1, since a server runs many hashes in parallel anyway
	SaltLen uint32 // random salt bytes; 16 is the usual size and the spec's recommendation
	KeyLen  uint32 // derived key bytes; 32 (256 bits) is plenty for a password verifier
}

// DefaultPasswordHasher uses OWASP's recommended argon2id setting
// (m=19456 KiB, t=2, p=1), which costs tens of milliseconds per hash: enough
// to make offline guessing expensive without making logins slow.
var DefaultPasswordHasher = PasswordHasher{Memory: 19456, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// Hash returns password hashed with argon2id under a fresh random salt, as a
// PHC string: $argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>, where salt and key
// are unpadded standard base64. Every parameter is in the string, so changing
// h later does not break stored hashes (see NeedsRehash).
//
// An empty password is hashed like any other: the hasher does not decide
// policy. Callers that treat an empty value as "keep the old password", as
// NocoBase's password field and the User model hook do, must check for ""
// before calling Hash.
//
// Hash returns an error if h's parameters are outside the limits Verify
// accepts, so it never writes a hash that could not be verified.
func (h PasswordHasher) Hash(password string) (string, error) {
	if err := pwCheckArgon2Params(h.Memory, h.Time, h.Threads, h.SaltLen, h.KeyLen, pwDefaultPolicy); err != nil {
		return "", fmt.Errorf("users: invalid PasswordHasher: %w", err)
	}
	salt := make([]byte, h.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("users: reading salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, h.Time, h.Memory, h.Threads, h.KeyLen)
	return pwEncodeArgon2id(h.Memory, h.Time, h.Threads, salt, key), nil
}

// Verify reports whether password matches encoded, a stored hash in any of
// these formats:
//
//   - argon2id PHC strings ($argon2id$v=19$m=…,t=…,p=…$salt$key), with
//     whatever parameters they carry, within the limits below;
//   - NocoBase's scrypt format: 64 hex characters, of which the first 16 are
//     the salt, used as-is (the ASCII of the hex string, not its decoded
//     bytes, exactly as NocoBase does) and the other 48 the hex of a 24-byte
//     scrypt key (N=16384, r=8, p=1). Like NocoBase, which compares
//     lowercase hex strings, an uppercase scrypt hash never matches;
//   - bcrypt: $2a$, $2b$ and $2y$ (all three are the same algorithm today).
//     bcrypt only reads the first 72 bytes of a password, so a longer
//     password matches a hash of its first 72 bytes, as in every other
//     bcrypt implementation;
//   - the reporting platform's hex SHA-256 of the password: 64 hex
//     characters, lowercase or uppercase.
//
// The last two hex formats cannot be told apart: a 64-hex string is accepted
// if either the NocoBase scrypt check or the SHA-256 check matches. Both are
// always computed, so the time taken does not say which one matched.
// Accepting either costs nothing in practice: a wrong password would have to
// match a 192-bit scrypt key or a 256-bit SHA-256 digest by chance.
//
// Verify returns (false, nil) for a wrong password, and (false, err) with err
// wrapping ErrUnknownHashFormat when encoded is not usable: it matches no
// format, is malformed, or asks for more work than the limits allow (argon2id
// memory above 1 GiB, time above 100, salt or key outside 8..1024 bytes;
// bcrypt cost above 15). Those limits keep a bad or hostile stored string from
// tying up the server; no work is done for a string that exceeds them.
// Verify never panics. All comparisons of derived values are constant-time.
//
// A true result for a non-argon2id format, or for argon2id with other
// parameters, should be followed by NeedsRehash and a Hash of the password
// the user just typed, to move the user to the current format.
func (h PasswordHasher) Verify(password, encoded string) (bool, error) {
	return pwVerify(password, encoded, pwDefaultPolicy)
}

// NeedsRehash reports whether encoded should be replaced by a fresh Hash the
// next time the plain password is known (at a successful login): true for
// every format other than argon2id, for an argon2id string whose parameters
// (m, t, p, salt or key length) differ from h's, and for anything Verify
// could not use. That is how old NocoBase, bcrypt and SHA-256 hashes, and
// hashes from a weaker earlier setting, are migrated without a reset.
func (h PasswordHasher) NeedsRehash(encoded string) bool {
	p, err := pwParseArgon2id(encoded, pwDefaultPolicy)
	if err != nil {
		return true
	}
	return p.memory != h.Memory || p.time != h.Time || p.threads != h.Threads ||
		uint32(len(p.salt)) != h.SaltLen || uint32(len(p.key)) != h.KeyLen
}

// HashPassword hashes password with DefaultPasswordHasher; see
// PasswordHasher.Hash.
func HashPassword(password string) (string, error) {
	return DefaultPasswordHasher.Hash(password)
}

// VerifyPassword checks password against a stored hash in any supported
// format; see PasswordHasher.Verify.
func VerifyPassword(password, encoded string) (bool, error) {
	return DefaultPasswordHasher.Verify(password, encoded)
}

// IsPasswordHash reports whether s is an argon2id PHC string this package
// could have written: well-formed, version 19, parameters within Verify's
// limits (not necessarily the default ones). The User model hook uses it to
// avoid hashing an already hashed value a second time.
//
// It is deliberately false for the legacy formats. A 64-hex-character string
// or a "$2b$…" string is a plausible plain password, and treating one as a
// hash would store it unhashed; the price is that a legacy hash written back
// through the hook as if it were a plain password gets hashed again.
func IsPasswordHash(s string) bool {
	_, err := pwParseArgon2id(s, pwDefaultPolicy)
	return err == nil
}

func pwVerify(password, encoded string, pol pwPolicy) (bool, error) {
	switch {
	case len(encoded) > pwMaxEncodedLen:
		return false, fmt.Errorf("%w: %d bytes long", ErrUnknownHashFormat, len(encoded))
	case strings.HasPrefix(encoded, "$argon2id$"):
		return pwVerifyArgon2id(password, encoded, pol)
	case strings.HasPrefix(encoded, "$2a$"), strings.HasPrefix(encoded, "$2b$"), strings.HasPrefix(encoded, "$2y$"):
		return pwVerifyBcrypt(password, encoded, pol)
	case len(encoded) == pwHex64Len && pwIsHex(encoded):
		return pwVerifyHex64(password, encoded)
	default:
		return false, ErrUnknownHashFormat
	}
}

// pwArgon2id is a parsed argon2id PHC string.
type pwArgon2id struct {
	memory, time uint32
	threads      uint8
	salt, key    []byte
}

func pwEncodeArgon2id(memory, time uint32, threads uint8, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, memory, time, threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// pwParseArgon2id accepts exactly the form Hash writes (the form the
// reference implementation and libsodium write too): version 19, m, t and p
// in that order as plain decimals, canonical unpadded base64. Anything else
// is rejected rather than guessed at. Lengths and parameters are checked
// before any decoding or hashing.
func pwParseArgon2id(encoded string, pol pwPolicy) (pwArgon2id, error) {
	var p pwArgon2id
	if len(encoded) > pwMaxEncodedLen {
		return p, fmt.Errorf("%w: %d bytes long", ErrUnknownHashFormat, len(encoded))
	}
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, fmt.Errorf("%w: argon2id: want $argon2id$v=19$m=…,t=…,p=…$salt$key", ErrUnknownHashFormat)
	}
	if parts[2] != "v=19" {
		return p, fmt.Errorf("%w: argon2id: unsupported version %q (want v=19)", ErrUnknownHashFormat, parts[2])
	}
	params := strings.Split(parts[3], ",")
	if len(params) != 3 {
		return p, fmt.Errorf("%w: argon2id: parameters %q: want m=…,t=…,p=…", ErrUnknownHashFormat, parts[3])
	}
	var vals [3]uint64
	for i, name := range [3]string{"m=", "t=", "p="} {
		digits, ok := strings.CutPrefix(params[i], name)
		v, err := pwParseDecimal(digits)
		if !ok || err != nil {
			return p, fmt.Errorf("%w: argon2id: parameter %q: want %s and a decimal number", ErrUnknownHashFormat, params[i], name)
		}
		vals[i] = v
	}
	// Base64 of n bytes is ceil(4n/3) characters; check before decoding.
	maxB64 := base64.RawStdEncoding.EncodedLen(pwArgon2MaxLen)
	if len(parts[4]) > maxB64 || len(parts[5]) > maxB64 {
		return p, fmt.Errorf("%w: argon2id: salt or key longer than %d bytes", ErrUnknownHashFormat, pwArgon2MaxLen)
	}
	// encoding/base64 skips \r and \n even in strict mode, so a stored
	// "hash\n" would verify; only the alphabet itself is accepted.
	if !pwIsStdBase64(parts[4]) || !pwIsStdBase64(parts[5]) {
		return p, fmt.Errorf("%w: argon2id: salt or key is not unpadded standard base64", ErrUnknownHashFormat)
	}
	salt, err := base64.RawStdEncoding.Strict().DecodeString(parts[4])
	if err != nil {
		return p, fmt.Errorf("%w: argon2id: salt: %v", ErrUnknownHashFormat, err)
	}
	key, err := base64.RawStdEncoding.Strict().DecodeString(parts[5])
	if err != nil {
		return p, fmt.Errorf("%w: argon2id: key: %v", ErrUnknownHashFormat, err)
	}
	if vals[0] > 1<<32-1 || vals[1] > 1<<32-1 || vals[2] > 255 || vals[2] == 0 {
		return p, fmt.Errorf("%w: argon2id: parameters %q out of range", ErrUnknownHashFormat, parts[3])
	}
	p = pwArgon2id{memory: uint32(vals[0]), time: uint32(vals[1]), threads: uint8(vals[2]), salt: salt, key: key}
	if err := pwCheckArgon2Params(p.memory, p.time, p.threads, uint32(len(salt)), uint32(len(key)), pol); err != nil {
		return pwArgon2id{}, fmt.Errorf("%w: argon2id: %v", ErrUnknownHashFormat, err)
	}
	return p, nil
}

// pwCheckArgon2Params checks parameters both for Hash (h's fields) and for
// Verify (a stored string's). argon2.IDKey panics on t=0 or p=0, and the
// Argon2 specification requires m >= 8*p.
func pwCheckArgon2Params(memory, time uint32, threads uint8, saltLen, keyLen uint32, pol pwPolicy) error {
	switch {
	case time < 1 || time > pol.maxTime:
		return fmt.Errorf("time %d outside 1..%d", time, pol.maxTime)
	case threads < 1:
		return fmt.Errorf("threads %d below 1", threads)
	case memory < 8*uint32(threads) || memory > pol.maxMemory:
		return fmt.Errorf("memory %d KiB outside %d..%d", memory, 8*uint32(threads), pol.maxMemory)
	case saltLen < pwArgon2MinLen || saltLen > pwArgon2MaxLen:
		return fmt.Errorf("salt length %d outside %d..%d", saltLen, pwArgon2MinLen, pwArgon2MaxLen)
	case keyLen < pwArgon2MinLen || keyLen > pwArgon2MaxLen:
		return fmt.Errorf("key length %d outside %d..%d", keyLen, pwArgon2MinLen, pwArgon2MaxLen)
	}
	return nil
}

// pwParseDecimal parses a PHC decimal: digits only, no sign, no leading zero,
// at most 10 digits (so the value fits in 64 bits with room to range-check).
func pwParseDecimal(s string) (uint64, error) {
	if s == "" || len(s) > 10 || (len(s) > 1 && s[0] == '0') {
		return 0, errors.New("not a canonical decimal")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, errors.New("not a canonical decimal")
		}
	}
	return strconv.ParseUint(s, 10, 64)
}

func pwVerifyArgon2id(password, encoded string, pol pwPolicy) (bool, error) {
	p, err := pwParseArgon2id(encoded, pol)
	if err != nil {
		return false, err
	}
	got := pol.argon2Key([]byte(password), p.salt, p.time, p.memory, p.threads, uint32(len(p.key)))
	return subtle.ConstantTimeCompare(got, p.key) == 1, nil
}

// pwVerifyBcrypt checks the exact shape of a bcrypt string and its cost
// before calling bcrypt, whose own parser is lenient (it takes "+5" as a cost
// and any minor version letter) and whose cost goes up to 31.
func pwVerifyBcrypt(password, encoded string, pol pwPolicy) (bool, error) {
	// $2b$ + two-digit cost + $ + 22 salt + 31 hash characters.
	const bcryptLen = 60
	if len(encoded) != bcryptLen || encoded[6] != '$' {
		return false, fmt.Errorf("%w: bcrypt: want $2b$NN$ and 53 characters", ErrUnknownHashFormat)
	}
	for i := 7; i < len(encoded); i++ {
		if !pwIsBcryptBase64(encoded[i]) {
			return false, fmt.Errorf("%w: bcrypt: invalid character at %d", ErrUnknownHashFormat, i)
		}
	}
	c1, c2 := encoded[4], encoded[5]
	cost := int(c1-'0')*10 + int(c2-'0')
	if c1 < '0' || c1 > '9' || c2 < '0' || c2 > '9' || cost < bcrypt.MinCost || cost > pol.maxBcryptCost {
		return false, fmt.Errorf("%w: bcrypt: cost %q outside %d..%d", ErrUnknownHashFormat, encoded[4:6], bcrypt.MinCost, pol.maxBcryptCost)
	}
	switch err := pol.bcryptCompare([]byte(encoded), []byte(password)); {
	case err == nil:
		return true, nil
	case errors.Is(err, bcrypt.ErrMismatchedHashAndPassword):
		return false, nil
	default:
		return false, fmt.Errorf("%w: bcrypt: %v", ErrUnknownHashFormat, err)
	}
}

func pwIsBcryptBase64(c byte) bool {
	return c == '.' || c == '/' || ('A' <= c && c <= 'Z') || ('a' <= c && c <= 'z') || ('0' <= c && c <= '9')
}

// pwVerifyHex64 checks a 64-hex-character string both as NocoBase scrypt and
// as hex SHA-256, and accepts either; see Verify.
func pwVerifyHex64(password, encoded string) (bool, error) {
	// NocoBase: scrypt(String(pw), salt, 24) with salt the 16-character hex
	// string itself, then `key == derivedKey.toString('hex')`.
	dk, err := scrypt.Key([]byte(password), []byte(encoded[:pwScryptSaltHexLen]), pwScryptN, pwScryptR, pwScryptP, pwScryptKeyLen)
	if err != nil { // only for invalid N, r, p, which are constants
		return false, fmt.Errorf("users: scrypt: %w", err)
	}
	scryptOK := subtle.ConstantTimeCompare([]byte(hex.EncodeToString(dk)), []byte(encoded[pwScryptSaltHexLen:]))

	// Reporting platform: hex(sha256(pw)), either case.
	want, err := hex.DecodeString(encoded)
	if err != nil { // cannot happen: pwIsHex checked it
		return false, fmt.Errorf("%w: %v", ErrUnknownHashFormat, err)
	}
	sum := sha256.Sum256([]byte(password))
	shaOK := subtle.ConstantTimeCompare(sum[:], want)

	return scryptOK|shaOK == 1, nil
}

func pwIsStdBase64(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/') {
			return false
		}
	}
	return true
}

func pwIsHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// PasswordMustReset reports whether encoded is the password of a user who
// has none yet and must set one: a user a directory sync created from a
// record without a password gets a random value of this form, which no
// verifier accepts (VerifyPassword fails with ErrUnknownHashFormat), so
// the user cannot sign in with a password until a reset sets one. Sign-in
// checks it to send the user to the reset flow instead of answering
// "wrong password".
func PasswordMustReset(encoded string) bool {
	return strings.HasPrefix(encoded, mustResetPrefix)
}
