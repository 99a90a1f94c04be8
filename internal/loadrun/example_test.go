package loadrun_test

import (
	"fmt"

	"github.com/gatehouse-dev/gatehouse/internal/loadrun"
)

// ErrorText is how a load report shows the requests that failed.
func ExampleErrorText() {
	fmt.Println(loadrun.ErrorText(nil))
	fmt.Println(loadrun.ErrorText(map[int]int64{503: 2, 409: 1}))
	// Output:
	// none
	// 409×1 503×2
}
