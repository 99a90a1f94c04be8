package xlsx

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"
)

// oleMagic starts an OLE compound file. An .xlsx is a zip file; Excel
// wraps it in an OLE file when it encrypts it, and the old .xls format is
// one too.
var oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// encryptionInfo is the name, in the UTF-16LE of an OLE directory, of the
// stream an encrypted workbook keeps its key data in (MS-OFFCRYPTO 2.3.4).
var encryptionInfo = utf16le("EncryptionInfo")

// openCause says why excelize could not open the workbook at path. Without
// a password excelize decrypts an encrypted workbook with an empty one and
// reports the garbage as "not a valid zip file", so an OLE file is looked
// at here: with an EncryptionInfo stream it is ErrEncrypted.
func openCause(path string, err error) error {
	if errors.Is(err, excelize.ErrWorkbookPassword) {
		return ErrEncrypted
	}
	f, ferr := os.Open(path)
	if ferr != nil {
		return err
	}
	defer f.Close()
	head := make([]byte, len(oleMagic))
	if _, ferr := io.ReadFull(f, head); ferr != nil || !bytes.Equal(head, oleMagic) {
		return err
	}
	rest, ferr := io.ReadAll(f)
	if ferr == nil && bytes.Contains(rest, encryptionInfo) {
		return ErrEncrypted
	}
	return fmt.Errorf("an OLE compound file (an .xls workbook?), not .xlsx: %w", err)
}

func utf16le(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return b
}
