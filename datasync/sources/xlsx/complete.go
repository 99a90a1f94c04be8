package xlsx

import (
	"archive/zip"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// sheetEnd reads the sheet's part to its end and returns the number of its
// last row, which is how many rows excelize's iterator yields from a
// whole part (it yields absent rows too). excelize ignores its XML
// decoder's errors, so a part cut off or broken after row N ends its
// iterator after row N as if the sheet ended there; comparing with this
// count is how a pass tells. The pass streams tokens in constant memory and
// requires what a complete part has: well-formed XML up to the end of the
// <worksheet> root, a closed <sheetData>, and rows in ascending order.
// Excel repairs a sheet whose rows are out of order; excelize silently
// merges such a row's cells into the row before, so it is damaged here.
// A million-row sheet takes seconds, so ctx is checked between rows.
func sheetEnd(ctx context.Context, f *zip.File) (last int, err error) {
	rc, err := f.Open()
	if err != nil {
		return 0, fmt.Errorf("part %q: %w: %w", f.Name, ErrDamaged, err)
	}
	defer rc.Close()
	d := xml.NewDecoder(rc)
	var (
		open              []xml.Name // the elements open at this point
		closedData, ended bool
	)
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, brokenPart(f.Name, d.InputOffset(), err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			open = append(open, t.Name)
			if t.Name.Local == "row" && len(open) == 3 && open[1].Local == "sheetData" {
				if last, err = nextRow(last, t.Attr); err != nil {
					return 0, fmt.Errorf("part %q: %w: %w", f.Name, ErrDamaged, err)
				}
				if err := ctx.Err(); err != nil {
					return 0, fmt.Errorf("part %q: checked up to row %d: %w", f.Name, last, err)
				}
			}
		case xml.EndElement:
			if len(open) == 0 || open[len(open)-1] != t.Name {
				return 0, fmt.Errorf("part %q: %w: an end tag at byte %d closes no open element", f.Name, ErrDamaged, d.InputOffset())
			}
			open = open[:len(open)-1]
			closedData = closedData || len(open) == 1 && t.Name.Local == "sheetData"
			ended = ended || len(open) == 0 && t.Name.Local == "worksheet"
		}
	}
	if !closedData || !ended {
		return 0, fmt.Errorf("part %q: %w: it ends before </sheetData> and </worksheet>", f.Name, ErrDamaged)
	}
	return last, nil
}

// nextRow is the number of the <row> after row prev, as excelize numbers
// it: its r attribute, or prev+1 without one.
func nextRow(prev int, attrs []xml.Attr) (int, error) {
	n := prev + 1
	for _, a := range attrs {
		if a.Name.Local == "r" {
			if r, err := strconv.Atoi(a.Value); err == nil && r != 0 {
				n = r
			}
		}
	}
	if n <= prev {
		return 0, fmt.Errorf("row %d comes after row %d", n, prev)
	}
	return n, nil
}

// brokenPart says where the part's XML broke, not how: encoding/xml's
// messages quote text of the part, which may be a cell's personal data.
func brokenPart(name string, offset int64, err error) error {
	if _, ok := errors.AsType[*xml.SyntaxError](err); ok {
		return fmt.Errorf("part %q: %w: its XML breaks off or is broken at byte %d", name, ErrDamaged, offset)
	}
	return fmt.Errorf("part %q: %w: %w", name, ErrDamaged, err)
}
