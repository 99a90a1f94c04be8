package xlsx_test

import (
	"testing"

	"github.com/gatehouse-dev/gatehouse/datasync/sources/xlsx"
)

func TestDataset(t *testing.T) {
	staff := xlsx.File("/srv/hr/users.xlsx", xlsx.Options{Sheet: "Staff"})
	seen := map[string]string{}
	for name, table := range map[string]*xlsx.Table{
		"staff":       staff,
		"other sheet": xlsx.File("/srv/hr/users.xlsx", xlsx.Options{Sheet: "Contractors"}),
		"first sheet": xlsx.File("/srv/hr/users.xlsx", xlsx.Options{}),
		"other file":  xlsx.File("/srv/finance/users.xlsx", xlsx.Options{Sheet: "Staff"}),
	} {
		if prev, ok := seen[table.Dataset()]; ok {
			t.Errorf("%s and %s share the dataset %q", name, prev, table.Dataset())
		}
		seen[table.Dataset()] = name
	}
	if again := xlsx.File("/srv/hr/users.xlsx", xlsx.Options{Sheet: "Staff"}); again.Dataset() != staff.Dataset() {
		t.Errorf("the same sheet of the same file: %q and %q", again.Dataset(), staff.Dataset())
	}
}
