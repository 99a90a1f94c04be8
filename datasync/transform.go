package datasync

// RecordTransformer is an optional interface of a Resource that rewrites
// the records it accepts before the manager hashes and stores them: the
// users resource turns a source's password into what may be stored (see
// Policy.PasswordFormat), so that no plaintext password reaches a sync
// record, a plan or a log. Transform runs once per UserData, before
// validation, and must be deterministic: the same input gives the same
// record, or every run would see a change.
type RecordTransformer interface {
	Transform(pol *Policy, data *UserData) error
}

// transform hands data to every resource that accepts its type and
// rewrites records.
func (m *Manager) transform(pol *Policy, data *UserData) error {
	for _, res := range *m.resources.Load() {
		t, ok := res.(RecordTransformer)
		if !ok || !acceptsType(res, data.DataType) {
			continue
		}
		if err := t.Transform(pol, data); err != nil {
			return err
		}
	}
	return nil
}

func acceptsType(res Resource, dt DataType) bool {
	for _, a := range res.Accepts() {
		if a == dt {
			return true
		}
	}
	return false
}
