package datasync

import (
	"fmt"
	"strconv"
)

// validate checks data as a whole before anything is written, with
// NocoBase's messages (push's checks, then updateOrCreate's uid check),
// and returns every uid with its record's index. Where NocoBase prints a
// whole record we print its index: messages end up in logs and task rows,
// records hold personal data.
func (m *Manager) validate(data *UserData) (map[string]int, error) {
	if err := m.validateHeader(data); err != nil {
		return nil, err
	}
	uids := make(map[string]int, len(data.Records))
	var missing []int
	for i, rec := range data.Records {
		uid, ok := rec.UID()
		if !ok {
			missing = append(missing, i)
			continue
		}
		if first, dup := uids[uid]; dup {
			return nil, &DataError{
				Message: fmt.Sprintf("uid %q appears twice: records[%d] and records[%d]", uid, first, i),
				Records: []int{first, i},
			}
		}
		uids[uid] = i
	}
	if len(missing) > 0 {
		msg := "record must has uid, error record: records[" + strconv.Itoa(missing[0]) + "]"
		if n := len(missing) - 1; n > 0 {
			msg += " (and " + strconv.Itoa(n) + " more)"
		}
		return nil, &DataError{Message: msg, Records: missing}
	}
	return uids, nil
}

// validateHeader checks everything but the records' contents, in
// NocoBase's order.
func (m *Manager) validateHeader(data *UserData) error {
	switch {
	case data.DataType == "":
		return &DataError{Message: "dataType for user data synchronize is required"}
	case data.DataType != DataTypeUser && data.DataType != DataTypeDepartment:
		return &DataError{Message: "dataType must be user or department"}
	case data.Records == nil:
		return &DataError{Message: "records for user data synchronize is required"}
	case len(data.Records) == 0:
		return &DataError{Message: "records must have at least one piece of data"}
	case !m.Supports(data.DataType):
		return &DataError{Message: "dataType " + string(data.DataType) + " is not supported"}
	case data.SourceName == "":
		return &DataError{Message: "sourceName for user data synchronize is required"}
	}
	return nil
}
