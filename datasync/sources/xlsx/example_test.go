package xlsx_test

import (
	"context"
	"fmt"
	"io"
	"log"

	"github.com/gatehouse-dev/gatehouse/datasync/sources/xlsx"
)

// A pass over the sample workbook: the phone, typed as a number in Excel,
// comes out as written, and Grace's empty phone cell as "".
func ExampleFile() {
	t := xlsx.File("testdata/users.xlsx", xlsx.Options{}) // the first sheet, "Users"
	rows, err := t.Open(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	defer rows.Close()
	fmt.Println(t.Name(), rows.Header())
	for {
		line, cells, err := rows.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%d %q\n", line, cells)
	}
	// Output:
	// users.xlsx[Users] [uid name email phone department]
	// 2 ["e1" "Ada Lovelace" "ada@example.com" "13800000000" "R&D"]
	// 3 ["e1" "Ada Lovelace" "ada@example.com" "13800000000" "Sales"]
	// 4 ["e2" "Grace Hopper" "grace@example.com" "" "R&D"]
}
