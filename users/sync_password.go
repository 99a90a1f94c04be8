package users

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/schema"
	"golang.org/x/crypto/argon2"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/internal/jsonval"
)

// The password formats the users resource knows itself; a source picks one
// with its option "password": {"format": …}.
const (
	// PasswordFormatPlain (the default) is a plaintext password: the users
	// resource hashes it with argon2id before the record is stored.
	PasswordFormatPlain = "plain"
	// PasswordFormatSHA256Hex is the reference platform's hex SHA-256 of the
	// password, stored as it is (lowercased): [CheckPassword] verifies it
	// and upgrades it to argon2id at the first sign-in.
	PasswordFormatSHA256Hex = "sha256-hex"
)

// PasswordTransformer turns the "password" a source sends for the record
// uid into what the users table stores, for a source whose passwords are
// already encrypted in a format of its own. Register it under a format
// name in [Options].PasswordTransformers; a source whose options say
// "password": {"format": "<name>"} then uses it.
//
// The result must be a hash [VerifyPassword] knows (argon2id, bcrypt,
// NocoBase's scrypt, hex SHA-256) or a [PasswordMustReset] value; anything
// else fails the record. An error fails the record too: its message names
// the uid, the field and the format, never the error's text, which could
// quote the value.
//
// A transformer must be deterministic (the same uid and value give the
// same result, or every sync sees a changed record and writes the
// password again) and must not keep or log the value. It is called once
// per record carrying a password, one call at a time.
type PasswordTransformer func(uid, value string) (stored string, err error)

// passwordColumn is the user's password hash.
const passwordColumn = "password"

// passwordRedacted stands for a password in plans and failed records.
const passwordRedacted = datasync.Redacted

// The argon2id parameters of a source's plaintext password: OWASP's
// minimum (m=19 MiB, t=2, p=1), with a 16-byte salt and a 32-byte key, as
// DefaultPasswordHasher, so a sign-in finds nothing to upgrade. The salt
// is derived from the source and the uid (see syncSalt), not random: a
// record whose password did not change is then the same record, and a
// re-sync writes nothing.
const (
	syncArgon2Memory  = 19456
	syncArgon2Time    = 2
	syncArgon2Threads = 1
	syncArgon2SaltLen = 16
	syncArgon2KeyLen  = 32
)

// transformedPassword is a record's "password" once Transform has turned it
// into what the users table stores. Its own type tells Transform not to
// transform it again when Manager.Apply replays a plan's records.
type transformedPassword string

// passwordRefused replaces a record's "password" that Transform refused:
// the record fails with Reason, and the value is gone from the record, so
// it is neither stored nor logged. It is stored as {"error": …}.
type passwordRefused struct {
	Reason string `json:"error"`
}

// passwordFunc transforms one value of a record of source with uid: the
// stored form, or why it is refused.
type passwordFunc func(source, uid, value string) (stored, refused string)

var _ datasync.RecordTransformer = (*UsersSyncResource)(nil)

// Transform rewrites the "password" of data's records into what the users
// table stores, in the format of the source's policy (Policy.PasswordFormat:
// plain, sha256-hex or a name in Options.PasswordTransformers), before the
// manager hashes and stores the records: no plaintext password reaches a
// sync record, a plan or a log. A value that does not fit the format is
// replaced by the reason it was refused, and the users resource fails the
// record. A null or empty "password" is no password. An unknown format fails
// the run with an error that wraps datasync.ErrInvalidSource.
//
// The records of data are replaced, never modified: the caller's maps
// keep their values.
func (r *UsersSyncResource) Transform(pol *datasync.Policy, data *datasync.UserData) error {
	fn, err := r.passwordFunc(pol.PasswordFormat)
	if err != nil {
		return err
	}
	var jobs []passwordJob
	cloned := false
	for i, rec := range data.Records {
		raw, ok := rec[passwordColumn]
		if !ok || isTransformed(raw) {
			continue
		}
		if !cloned {
			data.Records, cloned = slices.Clone(data.Records), true
		}
		rec = maps.Clone(rec)
		data.Records[i] = rec
		uid, hasUID := rec.UID()
		s, isText := toString(raw)
		switch {
		case !hasUID, raw == nil, isText && s == "":
			// No uid fails the whole UserData in validation; the value goes
			// before it can be stored or echoed.
			delete(rec, passwordColumn)
		case !isText:
			rec[passwordColumn] = passwordRefused{Reason: fmt.Sprintf("field %q: want a string, got %s", passwordColumn, jsonval.TypeName(raw))}
		default:
			jobs = append(jobs, passwordJob{rec: rec, uid: uid, value: s})
		}
	}
	workers := 1
	if pol.PasswordFormat == "" || pol.PasswordFormat == PasswordFormatPlain {
		// argon2id is the run's only CPU-heavy step: spread it.
		workers = runtime.GOMAXPROCS(0)
	}
	runPasswordJobs(jobs, workers, func(j *passwordJob) {
		j.stored, j.refused = fn(data.SourceName, j.uid, j.value)
	})
	for i := range jobs {
		if j := &jobs[i]; j.refused != "" {
			j.rec[passwordColumn] = passwordRefused{Reason: j.refused}
		} else {
			j.rec[passwordColumn] = transformedPassword(j.stored)
		}
	}
	return nil
}

func isTransformed(v any) bool {
	switch v.(type) {
	case transformedPassword, passwordRefused:
		return true
	}
	return false
}

// passwordJob is one record's password to transform.
type passwordJob struct {
	rec             datasync.Record
	uid, value      string
	stored, refused string
}

// runPasswordJobs runs do on every job, on up to workers goroutines.
func runPasswordJobs(jobs []passwordJob, workers int, do func(*passwordJob)) {
	workers = min(workers, len(jobs))
	if workers <= 1 {
		for i := range jobs {
			do(&jobs[i])
		}
		return
	}
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				do(&jobs[i])
			}
		}()
	}
	for i := range jobs {
		next <- i
	}
	close(next)
	wg.Wait()
}

// passwordFunc is the transformation of a password format ("" is plain).
func (r *UsersSyncResource) passwordFunc(format string) (passwordFunc, error) {
	switch format {
	case "", PasswordFormatPlain:
		return r.hashPlain, nil
	case PasswordFormatSHA256Hex:
		return sha256Hex, nil
	}
	if t, ok := r.passwords[format]; ok && t != nil {
		return customPassword(format, t), nil
	}
	return nil, fmt.Errorf("%w: option password.format: %q is not a password format (want %s, %s or a name in users.Options.PasswordTransformers)",
		datasync.ErrInvalidSource, format, PasswordFormatPlain, PasswordFormatSHA256Hex)
}

// hashPlain hashes a plaintext password with argon2id under the salt of
// source and uid, or takes the hash from the memo when the process hashed
// the same password for the same record before.
func (r *UsersSyncResource) hashPlain(source, uid, value string) (string, string) {
	if stored, ok := r.memo.lookup(source, uid, value); ok {
		return stored, ""
	}
	salt := syncSalt(source, uid)
	key := argon2.IDKey([]byte(value), salt, syncArgon2Time, syncArgon2Memory, syncArgon2Threads, syncArgon2KeyLen)
	stored := pwEncodeArgon2id(syncArgon2Memory, syncArgon2Time, syncArgon2Threads, salt, key)
	r.memo.store(source, uid, value, stored)
	return stored, ""
}

// syncSalt is the argon2id salt of a source's record: unique per record
// (a source's uids are), so equal passwords hash differently, and the same
// on every run.
func syncSalt(source, uid string) []byte {
	h := sha256.New()
	h.Write([]byte("gatehouse/users/sync-password\x00"))
	h.Write([]byte(source))
	h.Write([]byte{0})
	h.Write([]byte(uid))
	return h.Sum(nil)[:syncArgon2SaltLen]
}

// sha256Hex takes the reference platform's hex SHA-256 as it is,
// lowercased: Verify reads it in either case, and lowercasing makes two
// spellings of one hash one record.
func sha256Hex(_, _, value string) (string, string) {
	if len(value) != 2*sha256.Size || !pwIsHex(value) {
		return "", fmt.Sprintf("field %q: want %d hexadecimal characters (password format %s)", passwordColumn, 2*sha256.Size, PasswordFormatSHA256Hex)
	}
	return strings.ToLower(value), ""
}

// customPassword wraps a host's transformer: its error and a result no
// verifier knows refuse the record without quoting either.
func customPassword(format string, t PasswordTransformer) passwordFunc {
	return func(_, uid, value string) (string, string) {
		stored, err := t(uid, value)
		switch {
		case err != nil:
			return "", fmt.Sprintf("field %q: the %q password transformer refused it", passwordColumn, format)
		case !PasswordMustReset(stored) && !knownHashFormat(stored):
			return "", fmt.Sprintf("field %q: the %q password transformer gave no hash users can verify", passwordColumn, format)
		}
		return stored, ""
	}
}

// knownHashFormat reports whether Verify can check encoded (without
// checking a password, which would run the hash).
func knownHashFormat(encoded string) bool {
	switch {
	case len(encoded) > pwMaxEncodedLen:
		return false
	case strings.HasPrefix(encoded, "$argon2id$"):
		return IsPasswordHash(encoded)
	case strings.HasPrefix(encoded, "$2a$"), strings.HasPrefix(encoded, "$2b$"), strings.HasPrefix(encoded, "$2y$"):
		return len(encoded) == 60
	}
	return len(encoded) == pwHex64Len && pwIsHex(encoded)
}

// passwordMemo remembers, per source record, the hash of the password it
// last had, so that a long-running process re-syncing unchanged records
// does not run argon2id (tens of milliseconds) for each of them. It keeps
// an HMAC of the password under a random key of the process, never the
// password, and nothing of it outlives the process.
type passwordMemo struct {
	mu      sync.Mutex
	key     []byte
	entries map[string]memoEntry // source NUL uid → entry
}

type memoEntry struct {
	mac    [sha256.Size]byte
	stored string
}

// memoMax bounds the memo: past it, it starts again empty.
const memoMax = 1 << 20

func newPasswordMemo() *passwordMemo {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil // no memo: every password is hashed
	}
	return &passwordMemo{key: key, entries: map[string]memoEntry{}}
}

func (m *passwordMemo) mac(value string) [sha256.Size]byte {
	h := hmac.New(sha256.New, m.key)
	h.Write([]byte(value))
	var out [sha256.Size]byte
	h.Sum(out[:0])
	return out
}

func (m *passwordMemo) lookup(source, uid, value string) (string, bool) {
	if m == nil {
		return "", false
	}
	mac := m.mac(value)
	m.mu.Lock()
	e, ok := m.entries[source+"\x00"+uid]
	m.mu.Unlock()
	if !ok || !hmac.Equal(e.mac[:], mac[:]) {
		return "", false
	}
	return e.stored, true
}

func (m *passwordMemo) store(source, uid, value, stored string) {
	if m == nil {
		return
	}
	mac := m.mac(value)
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.entries) >= memoMax {
		clear(m.entries)
	}
	m.entries[source+"\x00"+uid] = memoEntry{mac: mac, stored: stored}
}

// recordPassword reads a transformed record's "password": the value to
// store (has), or why it was refused.
func recordPassword(rec datasync.Record) (stored string, has bool, refused string) {
	switch v := rec[passwordColumn].(type) {
	case nil:
		return "", false, ""
	case transformedPassword:
		return string(v), true, ""
	case passwordRefused:
		return "", false, v.Reason
	}
	// Only a record the manager did not hand to Transform has another
	// value: it could be plaintext, which is never stored.
	return "", false, fmt.Sprintf("field %q: the value was not transformed (sync users through a datasync.Manager)", passwordColumn)
}

// passwordChanged reports whether the record writes its password to an
// existing user: always when it adopts the user (the first sync of that
// user), else when the source owns passwords and the value differs from
// the one of the record's previous sync, or that sync failed. The users
// row is not compared: a sign-in may have upgraded its hash since.
func (p *userPlanner) passwordChanged(ur *userRecord, adopts bool) bool {
	if !ur.hasPassword {
		return false
	}
	if adopts {
		return true
	}
	if !p.batch.Policy().Owns(passwordColumn) {
		return false
	}
	if ur.rec.LastFailed {
		return true
	}
	last, _ := ur.rec.LastMetaData[passwordColumn].(string)
	return last != ur.password
}

// redactPassword returns rec with its password, if any, redacted: the
// record of a failure goes back to the caller and into logs.
func redactPassword(rec datasync.Record) datasync.Record {
	if _, ok := rec[passwordColumn]; !ok {
		return rec
	}
	rec = maps.Clone(rec)
	rec[passwordColumn] = passwordRedacted
	return rec
}

// mustResetPrefix starts a password that no verifier accepts and that
// tells sign-in the user must set one (see PasswordMustReset).
const mustResetPrefix = "!reset:"

// newMustResetPassword is the password of a user a source creates without
// one: random, so no two users share it, and cheap (no key derivation).
func newMustResetPassword() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("users: sync: a random password: %w", err)
	}
	return mustResetPrefix + hex.EncodeToString(b), nil
}

// keepSyncedPassword makes the user's password its stored one, so that the
// model hook writes it as it is: a sync hands it a stored form already,
// which may not look like a hash to the hook (hex SHA-256, a must-reset
// value).
func (u *User) keepSyncedPassword() { u.storedPassword = u.Password }

// setSyncedPassword sets the password column of the new user v (a model
// struct) to stored, as its stored form.
func setSyncedPassword(f *syncFields, v reflect.Value, stored string) {
	fl := f.table.FieldMap[passwordColumn]
	if fl == nil || fl.IndirectType.Kind() != reflect.String {
		return
	}
	val := reflect.ValueOf(stored).Convert(fl.IndirectType)
	if fl.IsPtr {
		p := reflect.New(fl.IndirectType)
		p.Elem().Set(val)
		val = p
	}
	fl.Value(v).Set(val)
	if k, ok := v.Addr().Interface().(interface{ keepSyncedPassword() }); ok {
		k.keepSyncedPassword()
	}
}

// createPasswords returns the password of each planned create: the
// record's stored form when its plan says it has one, else a must-reset
// value.
func createPasswords(creates []datasync.RecordChange, records map[string]*datasync.BatchRecord) ([]string, error) {
	out := make([]string, len(creates))
	for i, ch := range creates {
		var err error
		if out[i], err = plannedPassword(ch, records); err != nil {
			return nil, err
		}
		if out[i] == "" {
			if out[i], err = newMustResetPassword(); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// plannedPassword is the stored password a planned change writes ("" for
// none): the plan only says that it writes one, the record has it.
func plannedPassword(ch datasync.RecordChange, records map[string]*datasync.BatchRecord) (string, error) {
	if _, ok := ch.Values[passwordColumn]; !ok {
		return "", nil
	}
	rec := records[ch.UID]
	if rec == nil {
		return "", fmt.Errorf("users: sync: the plan writes the password of uid %q, which is not in the batch", ch.UID)
	}
	stored, has, _ := recordPassword(rec.MetaData)
	if !has {
		return "", fmt.Errorf("users: sync: the plan writes the password of uid %q, whose record has none", ch.UID)
	}
	return stored, nil
}

// userPassword is a password to write to an existing user.
type userPassword struct {
	pk     int64
	stored string
}

// splitPasswords takes the password writes out of planned updates: they go
// to their own statement (writeSyncedPasswords), since the password is no
// column the bulk update writes.
func splitPasswords(updates []datasync.RecordChange, records map[string]*datasync.BatchRecord) ([]datasync.RecordChange, []userPassword, error) {
	var pws []userPassword
	out := updates
	for i, ch := range updates {
		stored, err := plannedPassword(ch, records)
		if err != nil {
			return nil, nil, err
		}
		if stored == "" {
			continue
		}
		pk, err := strconv.ParseInt(ch.PK, 10, 64)
		if err != nil {
			return nil, nil, fmt.Errorf("users: sync: update uid %q: primary key %q: %w", ch.UID, ch.PK, err)
		}
		pws = append(pws, userPassword{pk: pk, stored: stored})
		if len(pws) == 1 {
			out = slices.Clone(updates) // the plan stays as planned
		}
		out[i].Values = maps.Clone(ch.Values)
		delete(out[i].Values, passwordColumn)
	}
	return out, pws, nil
}

// writeSyncedPasswords sets the passwords of existing users in one
// statement, with passwordChangeTz (sessions issued before end, as after
// the user's own password change) and updatedAt. It goes around the model
// hook, which would hash a stored form that does not look like a hash.
func writeSyncedPasswords(ctx context.Context, tx bun.IDB, f *syncFields, pws []userPassword) error {
	if len(pws) == 0 || f.table.FieldMap[passwordColumn] == nil {
		return nil
	}
	rows := make([]schema.QueryWithArgs, len(pws))
	for i, pw := range pws {
		rows[i] = bun.SafeQuery("(?, ?)", pw.pk, pw.stored)
	}
	now := time.Now()
	sets := []schema.QueryWithArgs{bun.SafeQuery("? = _pw.pw", bun.Ident(passwordColumn))}
	if f.table.FieldMap["passwordChangeTz"] != nil {
		sets = append(sets, bun.SafeQuery("? = ?", bun.Ident("passwordChangeTz"), now.UnixMilli()))
	}
	if f.table.FieldMap["updatedAt"] != nil {
		sets = append(sets, bun.SafeQuery("? = ?", bun.Ident("updatedAt"), now.UTC()))
	}
	res, err := tx.NewRaw("WITH _pw (pk, pw) AS (VALUES ?) UPDATE ? SET ? FROM _pw WHERE ?.? = _pw.pk",
		bun.List(rows), bun.Ident(f.table.Name), bun.List(sets), bun.Ident(f.table.Name), bun.Ident(f.pk.Name)).Exec(ctx)
	if err != nil {
		return fmt.Errorf("users: sync: set the password of %d users: %w", len(pws), err)
	}
	if n, err := res.RowsAffected(); err == nil && n != int64(len(pws)) {
		return fmt.Errorf("users: sync: set the password of %d users, not %d: the directory changed during the run", n, len(pws))
	}
	return nil
}
