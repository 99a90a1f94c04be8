package sqlrows

import (
	"math"
	"testing"
	"time"
)

func TestCellText(t *testing.T) {
	cases := []struct {
		in       any
		want     string
		null, ok bool
	}{
		{nil, "", true, true},
		{"Ada", "Ada", false, true},
		{[]byte("1234.50"), "1234.50", false, true},
		{int64(-42), "-42", false, true},
		{float64(13800000000), "13800000000", false, true},
		{float64(1e21), "1000000000000000000000", false, true},
		{3.25, "3.25", false, true},
		{0.30000000000000004, "0.30000000000000004", false, true},
		{1e-7, "1e-07", false, true},
		{math.Inf(-1), "-Inf", false, true},
		{math.NaN(), "NaN", false, true},
		{true, "true", false, true},
		{false, "false", false, true},
		{time.Date(2024, 3, 1, 9, 30, 0, 0, time.UTC), "2024-03-01T09:30:00Z", false, true},
		{time.Date(2024, 3, 1, 9, 30, 0, 500_000_000, time.FixedZone("", 3600)), "2024-03-01T09:30:00.5+01:00", false, true},
		{int32(7), "", false, false},
	}
	for _, c := range cases {
		text, null, ok := cellText(c.in)
		if text != c.want || null != c.null || ok != c.ok {
			t.Errorf("cellText(%T %v) = %q, %v, %v; want %q, %v, %v", c.in, c.in, text, null, ok, c.want, c.null, c.ok)
		}
	}
}
