package xlsx

import (
	"archive/zip"
	"encoding/xml"
	"fmt"
	"path"
	"strings"
)

// A workbook's parts point at each other: _rels/.rels names the workbook
// part, the workbook lists its sheets by name and relationship id, and the
// workbook's own .rels file maps each id to the sheet's part.
type (
	relationships struct {
		Rels []struct {
			ID     string `xml:"Id,attr"`
			Type   string `xml:"Type,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	workbookSheets struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			// Attrs holds r:id, whose namespace differs between
			// transitional and strict OOXML: it is the one named "id".
			Attrs []xml.Attr `xml:",any,attr"`
		} `xml:"sheets>sheet"`
	}
)

// sheetPart finds the zip entry of the sheet's XML the way excelize does,
// so the completeness check reads the part excelize reads: a workbook
// whose pointers lead nowhere is damaged.
func sheetPart(zr *zip.Reader, sheet string) (*zip.File, error) {
	parts := make(map[string]*zip.File, len(zr.File))
	for _, f := range zr.File {
		parts[strings.ReplaceAll(f.Name, `\`, "/")] = f
	}
	var root relationships
	if err := decodePart(parts, "_rels/.rels", &root); err != nil {
		return nil, err
	}
	book := ""
	for _, r := range root.Rels {
		if strings.HasSuffix(r.Type, "/officeDocument") {
			book = strings.TrimPrefix(r.Target, "/")
			break
		}
	}
	if book == "" {
		return nil, fmt.Errorf("%w: _rels/.rels names no workbook part", ErrDamaged)
	}
	var wb workbookSheets
	if err := decodePart(parts, book, &wb); err != nil {
		return nil, err
	}
	var rels relationships
	if err := decodePart(parts, path.Join(path.Dir(book), "_rels", path.Base(book)+".rels"), &rels); err != nil {
		return nil, err
	}
	for _, s := range wb.Sheets {
		if !strings.EqualFold(s.Name, sheet) {
			continue
		}
		for _, r := range rels.Rels {
			if r.ID == relID(s.Attrs) {
				return part(parts, target(book, r.Target))
			}
		}
	}
	return nil, fmt.Errorf("%w: the workbook does not say which part holds the sheet", ErrDamaged)
}

// target resolves a relationship's Target: absolute from the package root
// when it starts with "/", else relative to the workbook part's folder.
func target(book, t string) string {
	t = strings.ReplaceAll(t, `\`, "/")
	if strings.HasPrefix(t, "/") {
		return strings.TrimPrefix(path.Clean(t), "/")
	}
	return strings.TrimPrefix(path.Join(path.Dir(book), t), "/")
}

func relID(attrs []xml.Attr) string {
	for _, a := range attrs {
		if a.Name.Local == "id" && a.Name.Space != "" {
			return a.Value
		}
	}
	return ""
}

func part(parts map[string]*zip.File, name string) (*zip.File, error) {
	if f, ok := parts[name]; ok {
		return f, nil
	}
	return nil, fmt.Errorf("part %q: %w: it is missing", name, ErrDamaged)
}

// decodePart unmarshals a small part: checkZip has bounded what it unzips to.
func decodePart(parts map[string]*zip.File, name string, v any) error {
	f, err := part(parts, name)
	if err != nil {
		return err
	}
	rc, err := f.Open()
	if err != nil {
		return fmt.Errorf("part %q: %w: %w", name, ErrDamaged, err)
	}
	defer rc.Close()
	if err := xml.NewDecoder(rc).Decode(v); err != nil {
		return fmt.Errorf("part %q: %w: its XML is broken", name, ErrDamaged)
	}
	return nil
}
