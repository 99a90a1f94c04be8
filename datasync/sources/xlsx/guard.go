package xlsx

import (
	"archive/zip"
	"fmt"
	"strings"
)

const (
	// deflateRatio is the most Deflate can expand: 258 bytes per 2-bit
	// code, about 1032 to 1. A part that claims more than that over its
	// compressed size has a damaged directory entry.
	deflateRatio = 1032
	// maxUnzipped bounds the whole workbook unzipped. Excel's largest
	// sheet, 1,048,576 rows of a few columns, is well under it.
	maxUnzipped = 4 << 30
	// maxInMemoryPart bounds each part excelize unzips into memory: all
	// but the sheets and the shared strings, which it streams from
	// temporary files. Styles, themes and the workbook part are kilobytes.
	maxInMemoryPart = 256 << 20
)

// checkZip reads the workbook's zip directory, not its content, and
// refuses what would make excelize allocate the sizes it declares. excelize
// sizes its buffer from an entry's declared size and falls back to memory
// when a part cannot be unzipped to a file, so one flipped byte in a
// directory entry made it allocate 3.7 GB for a 6 kB upload (found by
// FuzzFile).
func checkZip(zr *zip.Reader) error {
	var total uint64
	for _, f := range zr.File {
		size := f.UncompressedSize64
		if f.Method == zip.Store && size != f.CompressedSize64 ||
			size/deflateRatio > f.CompressedSize64 {
			return fmt.Errorf("part %q: %w: it claims %d bytes unzipped from %d", f.Name, ErrDamaged, size, f.CompressedSize64)
		}
		if size > maxInMemoryPart && !streamed(f.Name) {
			return fmt.Errorf("part %q: %w: %d bytes unzipped", f.Name, ErrTooLarge, size)
		}
		if total += size; total > maxUnzipped {
			return fmt.Errorf("%w: more than %d bytes unzipped", ErrTooLarge, uint64(maxUnzipped))
		}
	}
	return nil
}

// streamed reports whether excelize unzips the part to a temporary file
// when it is large, rather than into memory.
func streamed(name string) bool {
	name = strings.ToLower(strings.ReplaceAll(name, `\`, "/"))
	return strings.HasPrefix(name, "xl/worksheets/sheet") || name == "xl/sharedstrings.xml"
}
