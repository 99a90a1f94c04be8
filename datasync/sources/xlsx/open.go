package xlsx

import (
	"archive/zip"
	"context"
	"fmt"
	"os"

	"github.com/xuri/excelize/v2"

	"github.com/gatehouse-dev/gatehouse/datasync"
)

// openWorkbook opens the workbook in fd, at path, twice over: as a zip
// directory, which checkZip guards and the completeness check reads the
// sheet from, and through excelize, which only opens by path. So that both
// are the same file, a workbook renamed over path in between is refused
// as a read to retry.
func openWorkbook(fd *os.File, path string) (*zip.Reader, *excelize.File, error) {
	before, err := fd.Stat()
	if err != nil {
		return nil, nil, err
	}
	zr, zerr := zip.NewReader(fd, before.Size())
	if zerr == nil {
		if err := checkZip(zr); err != nil {
			return nil, nil, err
		}
	}
	// A file that is not a zip is left to excelize, which knows encrypted
	// workbooks.
	f, err := excelize.OpenFile(path)
	if err != nil {
		return nil, nil, openCause(path, err)
	}
	if zerr != nil {
		f.Close()
		return nil, nil, fmt.Errorf("%w: not a zip file: %w", ErrDamaged, zerr)
	}
	if after, err := os.Stat(path); err != nil || !os.SameFile(before, after) {
		f.Close()
		return nil, nil, incomplete(fmt.Errorf("the file was replaced while it was opened"))
	}
	return zr, f, nil
}

// sheetRows is the number of the sheet's last row, read from its part in
// zr; an error matches ErrDamaged and datasync.ErrIncomplete.
func sheetRows(ctx context.Context, zr *zip.Reader, sheet string) (int, error) {
	part, err := sheetPart(zr, sheet)
	if err != nil {
		return 0, incomplete(err)
	}
	last, err := sheetEnd(ctx, part)
	if err != nil {
		return 0, incomplete(err)
	}
	return last, nil
}

// incomplete marks err as a read that stopped short, so a sync run that
// meets it fails and deletes nobody.
func incomplete(err error) error { return fmt.Errorf("%w (%w)", err, datasync.ErrIncomplete) }
