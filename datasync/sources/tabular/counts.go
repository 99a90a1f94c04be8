package tabular

import "strings"

// rowCounts numbers the user uids of a table and counts each user's rows.
// The map is written once per uid, with a copy of it: counting goes
// through the slices, because a map assignment with an existing string
// key stores the new key, which would pin the line the current row was
// cut from.
type rowCounts struct {
	index map[string]int32
	rows  []int32 // rows of each user (first pass)
	seen  []int32 // rows of each user seen in the second pass
}

func newRowCounts() *rowCounts { return &rowCounts{index: make(map[string]int32)} }

// add counts a row of uid (first pass).
func (c *rowCounts) add(uid string) {
	if i, ok := c.index[uid]; ok {
		c.rows[i]++
		return
	}
	c.index[strings.Clone(uid)] = int32(len(c.rows))
	c.rows = append(c.rows, 1)
}

// userRow is where a row stands among its user's rows (second pass).
type userRow struct {
	user        int32 // the user's number
	first, last bool
}

// take counts a row of uid in the second pass. It is not ok for a row the
// first pass did not have: an unknown uid, or one row too many.
func (c *rowCounts) take(uid string) (userRow, bool) {
	if c.seen == nil {
		c.seen = make([]int32, len(c.rows))
	}
	i, ok := c.index[uid]
	if !ok || c.seen[i] == c.rows[i] {
		return userRow{}, false
	}
	c.seen[i]++
	return userRow{user: i, first: c.seen[i] == 1, last: c.seen[i] == c.rows[i]}, true
}
