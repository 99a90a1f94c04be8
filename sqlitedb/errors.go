package sqlitedb

import "errors"

var (
	// ErrDSN is returned (wrapped) by [Open] for a DSN it cannot read or one
	// that asks for two incompatible things, such as mode=memory on a file VFS.
	ErrDSN = errors.New("sqlitedb: invalid DSN")
	// ErrInvalidOptions is returned (wrapped) by [Open] for option values
	// that can never work, such as a negative pool size.
	ErrInvalidOptions = errors.New("sqlitedb: invalid options")
)
