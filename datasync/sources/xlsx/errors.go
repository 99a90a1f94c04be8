package xlsx

import (
	"errors"
	"fmt"
)

var (
	// ErrNoHeader is wrapped by Open's error for a sheet with no header
	// row: no rows, or blank rows only.
	ErrNoHeader = errors.New("xlsx: no header row")
	// ErrSheetNotFound is wrapped by Open's error when the workbook has no
	// sheet of the name [Options.Sheet] gives (or no sheet at all).
	ErrSheetNotFound = errors.New("xlsx: sheet not found")
	// ErrEncrypted is wrapped by Open's error for a password-protected
	// workbook: it cannot be read without the password, which a sync
	// source has no business holding; save an unprotected copy instead.
	ErrEncrypted = errors.New("xlsx: the workbook is password-protected")
	// ErrDamaged is wrapped by Open's error for a workbook whose zip
	// directory declares sizes its content cannot have, or whose parts do
	// not lead to the sheet; and by the error of Open or of Rows.Next for
	// a sheet whose XML is cut off or broken, which also matches
	// datasync.ErrIncomplete (see the package doc, "Damaged sheets").
	ErrDamaged = errors.New("xlsx: the workbook is damaged")
	// ErrTooLarge is wrapped by Open's error for a workbook that would
	// unzip to more than 4 GiB, or to a part of more than 256 MiB that
	// would be held in memory: a zip bomb rather than a user list.
	ErrTooLarge = errors.New("xlsx: the workbook unzips too large")
)

// OpenError is a workbook that could not be opened or read: missing,
// encrypted, not a zip file, a damaged part, a sheet without a header.
// File is the workbook's base name, with the sheet once it is known
// ("users.xlsx[Staff]"); the error never quotes the workbook's content.
type OpenError struct {
	File string
	Err  error
}

func (e *OpenError) Error() string { return fmt.Sprintf("xlsx: %s: %v", e.File, e.Err) }

// Unwrap returns the cause, so errors.Is finds ErrEncrypted, ErrNoHeader,
// ErrSheetNotFound or the file system's error.
func (e *OpenError) Unwrap() error { return e.Err }
