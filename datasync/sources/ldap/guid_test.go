package ldap

import "testing"

func TestGUIDString(t *testing.T) {
	// The bytes AD stores for {3f2504e0-4f89-11d3-9a0c-0305e82c3301}: the
	// first three groups little-endian.
	raw := []byte{0xe0, 0x04, 0x25, 0x3f, 0x89, 0x4f, 0xd3, 0x11, 0x9a, 0x0c, 0x03, 0x05, 0xe8, 0x2c, 0x33, 0x01}
	cases := []struct {
		in   []byte
		want string
		ok   bool
	}{
		{raw, "3f2504e0-4f89-11d3-9a0c-0305e82c3301", true},
		{raw[:15], "", false},
		{nil, "", false},
	}
	for _, c := range cases {
		got, ok := guidString(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("guidString(%x) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}
