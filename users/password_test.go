package users

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// NocoBase scrypt vectors (password → stored value), made with node v20.20.2.
// "spec" rows follow spec §C.7 literally:
//
//	const salt = crypto.randomBytes(8).toString('hex');
//	crypto.scrypt(String(pw), salt, 24, (e, k) => salt + k.toString('hex'))
//
// "field" rows come from the real PasswordField.prototype.hash of
// @nocobase/database 2.2.15 (tools/nocobase-oracle/node_modules), called with
// its default options. Every row was checked with that PasswordField.verify
// (true for the password, false for the password + "x") and again with
// Python's hashlib.scrypt (OpenSSL).
var pwNocoBaseVectors = []struct{ source, password, hash string }{
	{"spec", "admin123", "7a4d2723ba0b9672e8b06bdda3f4030440962d52374aaf23b6ba353b04e51ae0"},
	{"spec", "correct horse battery staple", "f95646863057618df1f2aa3d58c0d13e12453c711ef5d7c696e73e5e43725d39"},
	{"spec", "pässwörd-✓-密码-🔑", "350ae7e896491e5bfaceb473d5190eceae06de8c7300d47235ec981af069009c"},
	{"spec", " ", "3c016adaf7ca47557753618922d27063f1033cdbbbf4ee1af379801f3ece7de6"},
	{"spec", strings.Repeat("a", 100), "239944021604dd55c81db8aea81e0974a0ee55529e6e1fa44ab7e84e33f62a1a"},
	{"spec", "123456", "8e7eee7e219752e94e30dd23111cdaf31d2ff67712ee66e3a88491712623dc12"}, // pw was the number 123456
	{"spec", "Tr0ub4dor&3", "63e250938dda60a7a3be196e8717c6d95bc5c13c90e01f75c9f7a33391fd4173"},
	// NocoBase never stores a hash of "" (its hook keeps the old value), but
	// its verify would accept this one.
	{"spec", "", "de04bdb96aa71d8ff16060f1424da7e1220518ffd7f858d64762f5f06a539dad"},
	{"field", "admin123", "2dd8bde5953784ae980b8a49a60391babd85aaeb369bd96b0fc04599428a7dc2"},
	{"field", "correct horse battery staple", "3c8c3ccddc5c0245db8eda4aab955f0fff05e370df4ad58a4c05df7e3febc630"},
	{"field", "pässwörd-✓-密码-🔑", "6422f749a3200f531f5470f9cc3d3898ce4a5aa8b9b5321e55e39695cbfc2044"},
	{"field", "123456", "e4b18b385150efa59e14aa13fde8dca777179eb085074d6d7c7b9784f8392e5a"}, // pw was the number 123456
}

// Hex SHA-256 vectors, made with node's crypto.createHash('sha256'); the first
// two are also the well-known digests of "password" and "".
var pwSHA256Vectors = []struct{ password, hash string }{
	{"password", "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"},
	{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	{"Tr0ub4dor&3", "48486e1514e842346ff405b1e45f44059ae82619f2306f99d0940dcb386e91f7"},
	{"pässwörd-✓-密码-🔑", "3f7c29f12c01ef12018a37ffa868a0da5a73b59764d76446d1cca8d8f735fcaf"},
	{"password", "5E884898DA28047151D0E56F8DC6292773603D0D6AABBDD62A11EF721D1542D8"}, // uppercase
	{"password", "5E884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"}, // mixed case
}

// bcrypt $2y$ vectors for "rasmuslerdorf" from the PHP manual's
// password_verify examples (PHP's crypt_blowfish, not Go's bcrypt).
var pwBcryptVectors = []struct{ password, hash string }{
	{"rasmuslerdorf", "$2y$07$BCryptRequires22Chrcte/VlQH0piJtjXl.0t1XkA8pw9dMXTpOq"},
	{"rasmuslerdorf", "$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a"},
}

// argon2id v1.3 vectors from the reference implementation's src/test.c
// (phc-winner-argon2): password "password", salt "somesalt".
var pwArgon2idVectors = []struct{ password, hash string }{
	{"password", "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4"},
	{"password", "$argon2id$v=19$m=256,t=2,p=2$c29tZXNhbHQ$bQk8UB/VmZZF4Oo79iDXuL5/0ttZwg2f/5U52iv1cDc"},
}

var pwPHCDefault = regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)

// pwCheap is a valid hasher that costs next to nothing, for tests that only
// need some argon2id string.
var pwCheap = PasswordHasher{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func pwMustHash(t testing.TB, h PasswordHasher, password string) string {
	t.Helper()
	s, err := h.Hash(password)
	if err != nil {
		t.Fatalf("Hash(%q): %v", password, err)
	}
	return s
}

func pwWantVerify(t *testing.T, password, encoded string, want bool) {
	t.Helper()
	got, err := VerifyPassword(password, encoded)
	if err != nil || got != want {
		t.Errorf("VerifyPassword(%q, %q) = %v, %v; want %v, nil", password, encoded, got, err, want)
	}
}

func TestHashPasswordRoundTrip(t *testing.T) {
	const pw = "correct horse battery staple"
	h1 := pwMustHash(t, DefaultPasswordHasher, pw)
	h2, err := HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{h1, h2} {
		if !pwPHCDefault.MatchString(h) {
			t.Errorf("hash %q is not the default PHC form", h)
		}
		pwWantVerify(t, pw, h, true)
		pwWantVerify(t, pw+" ", h, false)
		pwWantVerify(t, "Correct horse battery staple", h, false)
		pwWantVerify(t, "", h, false)
		if !IsPasswordHash(h) {
			t.Errorf("IsPasswordHash(%q) = false", h)
		}
		if DefaultPasswordHasher.NeedsRehash(h) {
			t.Errorf("NeedsRehash(%q) = true for a default hash", h)
		}
	}
	if h1 == h2 {
		t.Error("two hashes of one password are equal: salt not random")
	}
}

func TestVerifyArgon2idReferenceVectors(t *testing.T) {
	for _, v := range pwArgon2idVectors {
		pwWantVerify(t, v.password, v.hash, true)
		pwWantVerify(t, "sassword", v.hash, false)
		if !IsPasswordHash(v.hash) {
			t.Errorf("IsPasswordHash(%q) = false", v.hash)
		}
		if !DefaultPasswordHasher.NeedsRehash(v.hash) {
			t.Errorf("NeedsRehash(%q) = false, parameters differ from the default", v.hash)
		}
	}
	// Our encoder writes the same string as the reference for the same inputs.
	key := argon2.IDKey([]byte("password"), []byte("somesalt"), 2, 256, 1, 32)
	if got := pwEncodeArgon2id(256, 2, 1, []byte("somesalt"), key); got != pwArgon2idVectors[0].hash {
		t.Errorf("pwEncodeArgon2id = %q, want %q", got, pwArgon2idVectors[0].hash)
	}
}

func TestVerifyNocoBaseScrypt(t *testing.T) {
	for _, v := range pwNocoBaseVectors {
		pwWantVerify(t, v.password, v.hash, true)
		pwWantVerify(t, v.password+"x", v.hash, false)
		// NocoBase compares lowercase hex strings, so an uppercased stored
		// value never matches there; it must not here either.
		pwWantVerify(t, v.password, strings.ToUpper(v.hash), false)
		if IsPasswordHash(v.hash) {
			t.Errorf("IsPasswordHash(%q) = true for a NocoBase hash", v.hash)
		}
		if !DefaultPasswordHasher.NeedsRehash(v.hash) {
			t.Errorf("NeedsRehash(%q) = false for a NocoBase hash", v.hash)
		}
	}
	// The salt is the hex text, not its bytes: swapping one salt character
	// for another spelling of "the same" bytes breaks the match.
	v := pwNocoBaseVectors[0]
	pwWantVerify(t, v.password, strings.ToUpper(v.hash[:16])+v.hash[16:], false)
}

// The key is compared as NocoBase compares it: the lowercase hex string,
// byte for byte. Uppercasing the whole stored value (as above) also changes
// the salt, so the derived key differs anyway and a case-insensitive key
// comparison would go unnoticed; here the salt is kept and only the key's
// letters change case, so the derived key is the right one and only the
// comparison decides.
func TestVerifyNocoBaseScryptKeyCase(t *testing.T) {
	for _, v := range pwNocoBaseVectors {
		salt, key := v.hash[:pwScryptSaltHexLen], v.hash[pwScryptSaltHexLen:]
		upper := strings.ToUpper(key)
		if upper == key {
			t.Fatalf("%q: the key has no hex letters to change the case of", v.hash)
		}
		pwWantVerify(t, v.password, salt+upper, false)
		pwWantVerify(t, v.password, salt+pwFlipFirstLetter(key), false)
	}
}

// pwFlipFirstLetter uppercases the first hex letter of s and nothing else:
// a key that differs from the right one in the case of a single character.
func pwFlipFirstLetter(s string) string {
	i := strings.IndexAny(s, "abcdef")
	if i < 0 {
		return s
	}
	return s[:i] + strings.ToUpper(s[i:i+1]) + s[i+1:]
}

func TestVerifySHA256(t *testing.T) {
	for _, v := range pwSHA256Vectors {
		pwWantVerify(t, v.password, v.hash, true)
		pwWantVerify(t, v.password+"x", v.hash, false)
		if IsPasswordHash(v.hash) || !DefaultPasswordHasher.NeedsRehash(v.hash) {
			t.Errorf("%q treated as an own hash", v.hash)
		}
	}
}

// A 64-hex string is tried as both formats; each vector matches only its own
// password, whichever format it was written in.
func TestVerifyHex64TriesBothFormats(t *testing.T) {
	scryptHash := pwNocoBaseVectors[0].hash // "admin123"
	shaHash := pwSHA256Vectors[0].hash      // "password"
	pwWantVerify(t, "admin123", scryptHash, true)
	pwWantVerify(t, "password", scryptHash, false)
	pwWantVerify(t, "password", shaHash, true)
	pwWantVerify(t, "admin123", shaHash, false)
	// A non-matching 64-hex string is a wrong password, not a format error.
	pwWantVerify(t, "x", strings.Repeat("0", 64), false)
}

func TestVerifyBcrypt(t *testing.T) {
	for _, v := range pwBcryptVectors {
		pwWantVerify(t, v.password, v.hash, true)
		pwWantVerify(t, "rasmuslerdorF", v.hash, false)
	}
	gen, err := bcrypt.GenerateFromPassword([]byte("s3cret ✓"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(gen), "$2a$") {
		t.Fatalf("Go's bcrypt wrote %q, expected $2a$", gen)
	}
	// $2a$, $2b$ and $2y$ differ only in historical bugs of other
	// implementations, which Go's bcrypt never had.
	for _, prefix := range []string{"$2a$", "$2b$", "$2y$"} {
		h := prefix + string(gen[4:])
		pwWantVerify(t, "s3cret ✓", h, true)
		pwWantVerify(t, "s3cret", h, false)
		if IsPasswordHash(h) || !DefaultPasswordHasher.NeedsRehash(h) {
			t.Errorf("%q treated as an own hash", h)
		}
	}
	// Other prefixes and the same string with a bad cost are unusable.
	for _, h := range []string{"$2x$" + string(gen[4:]), "$2$" + string(gen[4:]), "$2a$03" + string(gen[6:]), "$2a$16" + string(gen[6:]), "$2a$31" + string(gen[6:]), "$2a$+5" + string(gen[6:])} {
		if ok, err := VerifyPassword("s3cret ✓", h); ok || !errors.Is(err, ErrUnknownHashFormat) {
			t.Errorf("VerifyPassword(%q) = %v, %v; want false, ErrUnknownHashFormat", h, ok, err)
		}
	}
}

// bcrypt reads only the first 72 bytes of a password. Go's
// GenerateFromPassword refuses longer ones, but hashes made elsewhere (PHP,
// Node's bcryptjs) from long passwords exist, and they verify with any
// password sharing those 72 bytes: the same answer the other systems give.
func TestVerifyBcryptLongPassword(t *testing.T) {
	long := strings.Repeat("0123456789", 10)
	gen, err := bcrypt.GenerateFromPassword([]byte(long[:72]), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	pwWantVerify(t, long, string(gen), true)
	pwWantVerify(t, long[:72]+"different tail", string(gen), true)
	pwWantVerify(t, long[:71], string(gen), false)
}

func TestNeedsRehash(t *testing.T) {
	def := pwMustHash(t, DefaultPasswordHasher, "pw")
	cheap := pwMustHash(t, pwCheap, "pw")
	for _, tc := range []struct {
		name    string
		h       PasswordHasher
		encoded string
		want    bool
	}{
		{"default hash, default hasher", DefaultPasswordHasher, def, false},
		{"default hash, other hasher", pwCheap, def, true},
		{"other hash, its hasher", pwCheap, cheap, false},
		{"other hash, default hasher", DefaultPasswordHasher, cheap, true},
		{"more time", DefaultPasswordHasher, strings.Replace(def, "t=2", "t=3", 1), true},
		{"more memory", DefaultPasswordHasher, strings.Replace(def, "m=19456", "m=19457", 1), true},
		{"more threads", DefaultPasswordHasher, strings.Replace(def, "p=1", "p=2", 1), true},
		{"shorter salt", DefaultPasswordHasher, pwMustHash(t, PasswordHasher{Memory: 19456, Time: 2, Threads: 1, SaltLen: 8, KeyLen: 32}, "pw"), true},
		{"longer key", DefaultPasswordHasher, "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$" + strings.Repeat("A", 86), true},
		{"reference vector", DefaultPasswordHasher, pwArgon2idVectors[0].hash, true},
		{"nocobase scrypt", DefaultPasswordHasher, pwNocoBaseVectors[0].hash, true},
		{"sha256", DefaultPasswordHasher, pwSHA256Vectors[0].hash, true},
		{"bcrypt", DefaultPasswordHasher, pwBcryptVectors[0].hash, true},
		{"argon2i", DefaultPasswordHasher, strings.Replace(def, "argon2id", "argon2i", 1), true},
		{"garbage", DefaultPasswordHasher, "not a hash", true},
		{"empty", DefaultPasswordHasher, "", true},
		{"absurd memory", DefaultPasswordHasher, strings.Replace(def, "m=19456", "m=4294967295", 1), true},
	} {
		if got := tc.h.NeedsRehash(tc.encoded); got != tc.want {
			t.Errorf("%s: NeedsRehash(%q) = %v, want %v", tc.name, tc.encoded, got, tc.want)
		}
	}
}

func TestIsPasswordHash(t *testing.T) {
	def := pwMustHash(t, DefaultPasswordHasher, "pw")
	for _, tc := range []struct {
		s    string
		want bool
	}{
		{def, true},
		{pwMustHash(t, pwCheap, "pw"), true},
		{pwArgon2idVectors[1].hash, true},
		{"", false},
		{"hunter2", false},
		{"$argon2id$", false},
		{def + "\n", false},
		{" " + def, false},
		{strings.Replace(def, "argon2id", "argon2i", 1), false},
		{strings.Replace(def, "v=19", "v=16", 1), false},
		{strings.Replace(def, "m=19456", "m=2000000", 1), false},
		{pwNocoBaseVectors[0].hash, false},
		{pwSHA256Vectors[0].hash, false},
		{pwBcryptVectors[0].hash, false},
	} {
		if got := IsPasswordHash(tc.s); got != tc.want {
			t.Errorf("IsPasswordHash(%q) = %v, want %v", tc.s, got, tc.want)
		}
	}
}

// pwMalformed are stored strings Verify must refuse with ErrUnknownHashFormat
// (and no panic). pwTooExpensive are well-formed but over the limits.
var (
	pwValidKey  = "nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4"
	pwMalformed = []string{
		"",
		"hunter2",
		"$",
		"$$$$$",
		"$argon2id$",
		"$argon2id$v=19$",
		"$argon2id$v=19$m=256,t=2,p=1$",
		"$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$",
		"$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ",
		"$argon2id$v=19$m=256,t=2,p=1$$" + pwValidKey,
		"$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$" + pwValidKey + "$",
		"$argon2id$m=256,t=2,p=1$c29tZXNhbHQ$" + pwValidKey, // no version
		"$argon2id$v=16$m=256,t=2,p=1$c29tZXNhbHQ$" + pwValidKey,
		"$argon2id$v=019$m=256,t=2,p=1$c29tZXNhbHQ$" + pwValidKey,
		"$argon2i$v=19$m=256,t=2,p=1$c29tZXNhbHQ$" + pwValidKey,
		"$argon2d$v=19$m=256,t=2,p=1$c29tZXNhbHQ$" + pwValidKey,
		"$ARGON2ID$v=19$m=256,t=2,p=1$c29tZXNhbHQ$" + pwValidKey,
		"$argon2id$v=19$t=2,m=256,p=1$c29tZXNhbHQ$" + pwValidKey, // order
		"$argon2id$v=19$m=256,t=2$c29tZXNhbHQ$" + pwValidKey,
		"$argon2id$v=19$m=256,t=2,p=1,keyid=abc$c29tZXNhbHQ$" + pwValidKey,
		"$argon2id$v=19$m=,t=2,p=1$c29tZXNhbHQ$" + pwValidKey,
		"$argon2id$v=19$m=0256,t=2,p=1$c29tZXNhbHQ$" + pwValidKey,
		"$argon2id$v=19$m=+256,t=2,p=1$c29tZXNhbHQ$" + pwValidKey,
		"$argon2id$v=19$m=-256,t=2,p=1$c29tZXNhbHQ$" + pwValidKey,
		"$argon2id$v=19$m=2.5e2,t=2,p=1$c29tZXNhbHQ$" + pwValidKey,
		"$argon2id$v=19$m=0x100,t=2,p=1$c29tZXNhbHQ$" + pwValidKey,
		"$argon2id$v=19$m= 256,t=2,p=1$c29tZXNhbHQ$" + pwValidKey,
		"$argon2id$v=19$m=99999999999999999999999999,t=2,p=1$c29tZXNhbHQ$" + pwValidKey,
		"$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ=$" + pwValidKey,           // padded
		"$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$" + pwValidKey + "=",      // padded
		"$argon2id$v=19$m=256,t=2,p=1$c29t!XNhbHQ$" + pwValidKey,            // bad base64
		"$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHR$" + pwValidKey,            // non-canonical trailing bits
		"$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$" + pwValidKey[:42] + "-", // URL alphabet
		"$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$" + pwValidKey + "\x00",
		" " + pwArgon2idVectors[0].hash,
		pwArgon2idVectors[0].hash + "\n", // encoding/base64 alone would skip the \n
		pwArgon2idVectors[0].hash + "\r\n",
		"$argon2id$v=19$m=256,t=2,p=1$c29tZXNh\nbHQ$" + pwValidKey,
		strings.Repeat("g", 64),
		strings.Repeat("a", 63),
		strings.Repeat("a", 65),
		strings.Repeat("a", 63) + "\x00",
		" " + strings.Repeat("a", 63),
		"0x" + strings.Repeat("a", 62),
		"$2a$",
		"$2a$10$",
		"$2a$10$abc",
		"$2b$10$" + strings.Repeat("a", 52),
		"$2b$10$" + strings.Repeat("a", 54),
		"$2b$10$" + strings.Repeat("!", 53),
		"$2b$1a$" + strings.Repeat("a", 53),
		"$2b$10x" + strings.Repeat("a", 53),
		"$2b$00$" + strings.Repeat("a", 53),
		"$2$10$" + strings.Repeat("a", 53),
		"$2x$10$" + strings.Repeat("a", 53),
		"$1$saltsalt$abcdefghijklmnopqrstuv", // md5-crypt
		"$5$rounds=5000$salt$hash",           // sha256-crypt
		"pbkdf2_sha256$600000$salt$hash",     // Django
		"{SSHA}abcdefgh",                     // LDAP
		strings.Repeat("$", 5000),
		"$argon2id$v=19$m=256,t=2,p=1$" + strings.Repeat("A", 5000) + "$" + pwValidKey,
	}
	pwTooExpensive = []string{
		"$argon2id$v=19$m=1048577,t=2,p=1$c29tZXNhbHQ$" + pwValidKey, // 1 GiB + 1 KiB
		"$argon2id$v=19$m=4294967295,t=2,p=1$c29tZXNhbHQ$" + pwValidKey,
		"$argon2id$v=19$m=4294967296,t=2,p=1$c29tZXNhbHQ$" + pwValidKey, // overflows uint32
		"$argon2id$v=19$m=256,t=101,p=1$c29tZXNhbHQ$" + pwValidKey,
		"$argon2id$v=19$m=256,t=4294967295,p=1$c29tZXNhbHQ$" + pwValidKey,
		"$argon2id$v=19$m=256,t=0,p=1$c29tZXNhbHQ$" + pwValidKey, // argon2.IDKey panics on t=0
		"$argon2id$v=19$m=256,t=2,p=0$c29tZXNhbHQ$" + pwValidKey, // and on p=0
		"$argon2id$v=19$m=4096,t=2,p=256$c29tZXNhbHQ$" + pwValidKey,
		"$argon2id$v=19$m=15,t=2,p=2$c29tZXNhbHQ$" + pwValidKey,                        // m < 8p
		"$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbA$" + pwValidKey,                        // 7-byte salt
		"$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$bmY2NUVP",                            // 6-byte key
		"$argon2id$v=19$m=256,t=2,p=1$" + strings.Repeat("A", 1368) + "$" + pwValidKey, // 1026-byte salt
		"$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$" + strings.Repeat("A", 1368),        // 1026-byte key
		"$2a$16$" + strings.Repeat("a", 53),
		"$2b$31$" + strings.Repeat("a", 53),
		"$2y$99$" + strings.Repeat("a", 53),
	}
)

func TestVerifyMalformed(t *testing.T) {
	for _, s := range append(append([]string{}, pwMalformed...), pwTooExpensive...) {
		start := time.Now()
		ok, err := VerifyPassword("password", s)
		if ok || !errors.Is(err, ErrUnknownHashFormat) {
			t.Errorf("VerifyPassword(%.80q) = %v, %v; want false, ErrUnknownHashFormat", s, ok, err)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("VerifyPassword(%.80q) took %v to refuse", s, d)
		}
		if IsPasswordHash(s) || !DefaultPasswordHasher.NeedsRehash(s) {
			t.Errorf("%.80q treated as an own hash", s)
		}
	}
}

// pwGuardedPolicy is pol with its key derivation functions replaced by ones
// that fail the test if they are ever asked for more than pol allows, so a
// test sees that no work above the limits is even started.
func pwGuardedPolicy(t testing.TB, pol pwPolicy) pwPolicy {
	argon2Key, bcryptCompare := pol.argon2Key, pol.bcryptCompare
	pol.argon2Key = func(password, salt []byte, tm, memory uint32, threads uint8, keyLen uint32) []byte {
		if tm < 1 || tm > pol.maxTime || threads < 1 || memory < 8*uint32(threads) || memory > pol.maxMemory ||
			len(salt) < pwArgon2MinLen || len(salt) > pwArgon2MaxLen || keyLen < pwArgon2MinLen || keyLen > pwArgon2MaxLen {
			t.Fatalf("argon2 called outside the limits: t=%d m=%d p=%d salt=%d key=%d", tm, memory, threads, len(salt), keyLen)
		}
		return argon2Key(password, salt, tm, memory, threads, keyLen)
	}
	pol.bcryptCompare = func(hash, password []byte) error {
		cost, err := bcrypt.Cost(hash)
		if err != nil || cost > pol.maxBcryptCost {
			t.Fatalf("bcrypt called on %q (cost %d, %v)", hash, cost, err)
		}
		return bcryptCompare(hash, password)
	}
	return pol
}

// No work at all is started for a string over the limits.
func TestVerifyTooExpensiveDoesNoWork(t *testing.T) {
	pol := pwDefaultPolicy
	pol.argon2Key = func([]byte, []byte, uint32, uint32, uint8, uint32) []byte {
		t.Fatal("argon2 called")
		return nil
	}
	pol.bcryptCompare = func([]byte, []byte) error {
		t.Fatal("bcrypt called")
		return nil
	}
	for _, s := range pwTooExpensive {
		if ok, err := pwVerify("password", s, pol); ok || !errors.Is(err, ErrUnknownHashFormat) {
			t.Errorf("pwVerify(%.80q) = %v, %v; want false, ErrUnknownHashFormat", s, ok, err)
		}
	}
}

// The limits themselves are accepted: the most expensive hash allowed reaches
// the key derivation with exactly its parameters (which the test then skips).
func TestVerifyAtLimits(t *testing.T) {
	var calls int
	pol := pwDefaultPolicy
	pol.argon2Key = func(_, salt []byte, tm, memory uint32, threads uint8, keyLen uint32) []byte {
		calls++
		if tm != 100 || memory != 1<<20 || threads != 255 || len(salt) != 1024 || keyLen != 8 {
			t.Errorf("argon2 called with t=%d m=%d p=%d salt=%d key=%d", tm, memory, threads, len(salt), keyLen)
		}
		return make([]byte, keyLen)
	}
	s := pwEncodeArgon2id(1<<20, 100, 255, make([]byte, 1024), make([]byte, 8))
	if ok, err := pwVerify("pw", s, pol); !ok || err != nil || calls != 1 {
		t.Errorf("pwVerify at the limits = %v, %v (%d calls); want true, nil (1 call)", ok, err, calls)
	}
	if !IsPasswordHash(s) {
		t.Error("IsPasswordHash is false at the limits")
	}

	pol.bcryptCompare = func(hash, _ []byte) error {
		calls++
		return nil
	}
	calls = 0
	if ok, err := pwVerify("pw", "$2b$15$"+strings.Repeat("a", 53), pol); !ok || err != nil || calls != 1 {
		t.Errorf("pwVerify bcrypt cost 15 = %v, %v (%d calls); want true, nil (1 call)", ok, err, calls)
	}
}

func TestHashInvalidHasher(t *testing.T) {
	for _, h := range []PasswordHasher{
		{},
		{Memory: 19456, Time: 0, Threads: 1, SaltLen: 16, KeyLen: 32},
		{Memory: 19456, Time: 101, Threads: 1, SaltLen: 16, KeyLen: 32},
		{Memory: 19456, Time: 2, Threads: 0, SaltLen: 16, KeyLen: 32},
		{Memory: 15, Time: 2, Threads: 2, SaltLen: 16, KeyLen: 32},
		{Memory: 1<<20 + 1, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32},
		{Memory: 19456, Time: 2, Threads: 1, SaltLen: 7, KeyLen: 32},
		{Memory: 19456, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 1025},
		{Memory: 19456, Time: 2, Threads: 1, SaltLen: 0, KeyLen: 32},
	} {
		if s, err := h.Hash("pw"); err == nil || s != "" {
			t.Errorf("%+v.Hash = %q, %v; want an error", h, s, err)
		}
	}
}

// Verify takes the parameters from the string, so a hash from any hasher
// verifies with any other, and with VerifyPassword.
func TestCustomHasher(t *testing.T) {
	h := PasswordHasher{Memory: 64, Time: 3, Threads: 4, SaltLen: 8, KeyLen: 64}
	s := pwMustHash(t, h, "pw")
	if want := "$argon2id$v=19$m=64,t=3,p=4$"; !strings.HasPrefix(s, want) {
		t.Errorf("Hash = %q, want prefix %q", s, want)
	}
	for _, v := range []PasswordHasher{h, DefaultPasswordHasher, {}} {
		if ok, err := v.Verify("pw", s); !ok || err != nil {
			t.Errorf("%+v.Verify = %v, %v", v, ok, err)
		}
	}
	if h.NeedsRehash(s) || !DefaultPasswordHasher.NeedsRehash(s) {
		t.Error("NeedsRehash ignores the hasher's parameters")
	}
}

// The hasher hashes "" like any password. Whether "" means "no change" is the
// caller's decision: the User hook and resourcer/crud keep the stored hash, as
// NocoBase does.
func TestEmptyPassword(t *testing.T) {
	h := pwMustHash(t, DefaultPasswordHasher, "")
	pwWantVerify(t, "", h, true)
	pwWantVerify(t, " ", h, false)
	pwWantVerify(t, "\x00", h, false)
	if !IsPasswordHash(h) {
		t.Error("IsPasswordHash is false for a hash of the empty password")
	}
}

func TestUnicodePasswords(t *testing.T) {
	pws := []string{
		"pässwörd",
		"密码密码密码",
		"🔑🔐🗝️",
		"Ελληνικά ✓",
		"\u202eRTL override",
		"tab\tnewline\nnul\x00end",
		"\xff\xfe not UTF-8", // a Go string may hold any bytes
	}
	for _, pw := range pws {
		h := pwMustHash(t, pwCheap, pw)
		pwWantVerify(t, pw, h, true)
		pwWantVerify(t, pw[:len(pw)-1], h, false)
	}
	// No Unicode normalisation: precomposed and decomposed é differ, as in
	// NocoBase, which hashes the UTF-8 of the string as given.
	nfc, nfd := "caf\u00e9", "cafe\u0301"
	h := pwMustHash(t, pwCheap, nfc)
	pwWantVerify(t, nfc, h, true)
	pwWantVerify(t, nfd, h, false)
}

// pwFuzzPolicy keeps every fuzz run cheap: argon2id up to 1 MiB and 3
// passes, bcrypt up to cost 5. Strings above that are refused unhashed, as
// Verify refuses strings above the real limits.
var pwFuzzPolicy = pwPolicy{
	maxMemory:     1024,
	maxTime:       3,
	maxBcryptCost: 5,
	argon2Key:     argon2.IDKey,
	bcryptCompare: bcrypt.CompareHashAndPassword,
}

func FuzzVerifyPassword(f *testing.F) {
	for _, v := range pwNocoBaseVectors {
		f.Add(v.password, v.hash)
	}
	for _, v := range pwSHA256Vectors {
		f.Add(v.password, v.hash)
	}
	for _, v := range pwBcryptVectors {
		f.Add(v.password, v.hash)
	}
	for _, v := range pwArgon2idVectors {
		f.Add(v.password, v.hash)
	}
	for _, s := range pwMalformed {
		f.Add("password", s)
	}
	for _, s := range pwTooExpensive {
		f.Add("password", s)
	}
	f.Add("pw", pwMustHash(f, pwCheap, "pw"))
	f.Add("pw", pwMustHash(f, PasswordHasher{Memory: 1024, Time: 3, Threads: 2, SaltLen: 8, KeyLen: 8}, "pw"))
	gen, err := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
	if err != nil {
		f.Fatal(err)
	}
	f.Add("pw", string(gen))

	f.Fuzz(func(t *testing.T, password, encoded string) {
		pol := pwGuardedPolicy(t, pwFuzzPolicy)
		start := time.Now()
		ok, err := pwVerify(password, encoded, pol)
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("pwVerify took %v", d)
		}
		if err != nil && (ok || !errors.Is(err, ErrUnknownHashFormat)) {
			t.Errorf("pwVerify = %v, %v: an error must mean false and wrap ErrUnknownHashFormat", ok, err)
		}

		// The public parsers do no hashing, so they run on every input with
		// the real limits.
		p, perr := pwParseArgon2id(encoded, pwDefaultPolicy)
		if IsPasswordHash(encoded) != (perr == nil) {
			t.Errorf("IsPasswordHash disagrees with the parser (%v)", perr)
		}
		if perr == nil {
			if p.memory > pwArgon2MaxMemory || p.time < 1 || p.time > pwArgon2MaxTime || p.threads < 1 ||
				p.memory < 8*uint32(p.threads) || len(p.salt) < pwArgon2MinLen || len(p.salt) > pwArgon2MaxLen ||
				len(p.key) < pwArgon2MinLen || len(p.key) > pwArgon2MaxLen {
				t.Errorf("parser accepted out-of-bounds parameters %+v", p)
			}
			// A parsed string re-encodes to itself: the parser accepts one
			// spelling per hash.
			if re := pwEncodeArgon2id(p.memory, p.time, p.threads, p.salt, p.key); re != encoded {
				t.Errorf("re-encoded %q as %q", encoded, re)
			}
		} else if !DefaultPasswordHasher.NeedsRehash(encoded) {
			t.Error("NeedsRehash is false for a string that is not argon2id")
		}
	})
}
