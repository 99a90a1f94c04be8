// Package xlsx reads a sheet of an Excel workbook (.xlsx) as a
// [tabular.Table], so a user list kept in Excel syncs like a CSV file.
//
//	t := xlsx.File("hr/users.xlsx", xlsx.Options{Sheet: "Staff"})
//	src, err := tabular.NewSource(t, tabular.Options{
//		Mapping: tabular.Mapping{UID: "employee no", Nickname: "name", Email: "email", Department: "department"},
//	})
//
// # Rows and lines
//
// The header is the first row with a non-empty cell; rows above it are
// ignored, and so are empty cells to the right of its last name. Each
// later row is cut to the header's width: a short row is padded with "",
// and a row with a value right of the header's last column is a
// [tabular.RowError]. Blank rows are skipped. A row's line is its row
// number in Excel, so an error points at the row a person sees.
//
// # Numbers and dates
//
// Cells come out as Excel shows them under their number format, not as
// stored. For text this makes no difference. A number in the General
// format, the format of a number typed into a fresh sheet, comes out in
// full: a phone 13800000000 or an employee number 12345678901234 is
// "13800000000" and "12345678901234", never "1.38E+10" — Excel stores 15
// significant digits, and so many are written out. A date comes out as its
// format shows it ("2024-03-01" under yyyy-mm-dd), where the stored value
// would be a day count (45352) nobody wrote; TRUE and FALSE likewise. The
// price is that a number column a person formatted as scientific or with
// fixed decimals comes out that way ("1.38E+10", "7.00"): format id and
// phone columns as Text or General. Numbers longer than 15 digits, such
// as 18-digit ids, cannot survive as numbers in Excel at all: they must be
// typed as text.
//
// # Files
//
// Each pass opens the workbook afresh and its Close releases it: no
// descriptor stays open on the file, and the temporary files excelize
// writes for large sheets are removed. The sheet is decoded as it is read
// (excelize's row iterator), not loaded whole: excelize unzips the parts
// of a workbook up to 16 MB into memory and larger ones, such as a big
// sheet or its shared strings, into temporary files it reads from, so a
// million-row sheet costs disk, not memory. An upload is untrusted input:
// before excelize reads a workbook its zip directory is checked, and one
// that declares sizes its content cannot have ([ErrDamaged]) or that would
// unzip past 4 GiB ([ErrTooLarge]) is refused, since excelize allocates
// what a part declares. An encrypted workbook is refused too
// ([ErrEncrypted]): save an unprotected copy for the sync.
//
// # Damaged sheets
//
// A sheet cut off or broken part-way, by an upload that stopped or a disk
// that filled, must not read as a shorter list: a sync would delete
// everyone after the break. excelize's row iterator ends quietly at such a
// break, so each pass first reads the sheet's XML through on its own, in
// constant memory, and requires it to be well formed up to the end of the
// worksheet, with its rows in ascending order; the pass then also checks
// that excelize's rows ran up to the last row that XML has. A sheet that
// fails either check is an [OpenError] matching [ErrDamaged] and
// [datasync.ErrIncomplete], which fails the sync run and deletes nobody.
// The error names the workbook, the sheet and the part, never a cell. The
// price is a second decode of the sheet, paid before its first row.
package xlsx
