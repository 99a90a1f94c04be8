package csv_test

import (
	"context"
	"fmt"
	"log"

	"github.com/gatehouse-dev/gatehouse/datasync"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/csv"
	"github.com/gatehouse-dev/gatehouse/datasync/sources/tabular"
)

// ExampleFile reads testdata/users.csv (Excel's "CSV UTF-8", with a BOM)
// through a tabular source: the departments of its paths come first,
// parents before children, then the users, Ada's two rows merged into one
// record with two memberships.
func ExampleFile() {
	src, err := tabular.NewSource(csv.File("testdata/users.csv", csv.Options{}), tabular.Options{
		Mapping: tabular.Mapping{
			UID: "uid", Username: "username", Nickname: "nickname",
			Email: "email", Phone: "phone", DepartmentPath: "dept",
		},
		MatchKey: "email",
	})
	if err != nil {
		log.Fatal(err)
	}
	err = src.Pull(context.Background(), func(d datasync.UserData) error {
		fmt.Printf("%s: %d records\n", d.DataType, len(d.Records))
		for _, rec := range d.Records {
			uid, _ := rec.UID()
			if d.DataType == datasync.DataTypeDepartment {
				fmt.Printf("  %s (parent %q)\n", uid, rec.ParentUID())
				continue
			}
			depts, err := rec.Departments()
			if err != nil {
				return err
			}
			fmt.Printf("  %s %s, departments: %d\n", uid, rec["username"], len(depts))
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// department: 4 records
	//   Engineering (parent "")
	//   Research (parent "")
	//   Engineering/Compilers (parent "Engineering")
	//   Research/Cryptography (parent "Research")
	// user: 3 records
	//   e1 ada, departments: 2
	//   e2 grace, departments: 1
	//   e3 alan, departments: 1
}
