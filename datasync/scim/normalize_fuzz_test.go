package scim

import (
	"errors"
	"testing"
)

// FuzzNormalize feeds arbitrary JSON bodies to Normalize, then projects
// what it accepts: no panic, every refusal an *Error 400, and the stored
// form accepted again as it is (it is a fixed point).
func FuzzNormalize(f *testing.F) {
	f.Add(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a","active":"False"}`)
	f.Add(servedUser)
	f.Add(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a","emails":[{"primary":true},{"primary":"TRUE"}]}`)
	f.Add(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a","name":{"givenName":"x"},"name.familyName":"y",` +
		`"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager":"m","x509Certificates":[{"value":"QUJD"}]}`)
	f.Add(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"g","members":[{"value":"u","display":"d"}]}`)
	f.Fuzz(func(t *testing.T, body string) {
		var m map[string]any
		if decodeJSON(body, &m) != nil || m == nil {
			return
		}
		for _, rt := range []*ResourceType{UserResource, GroupResource} {
			res, _, err := Normalize(rt, m)
			if err != nil {
				var se *Error
				if !errors.As(err, &se) || se.Status != 400 || se.ScimType == "" {
					t.Fatalf("Normalize: %v is not a typed 400", err)
				}
				continue
			}
			again, _, err := Normalize(rt, res)
			if err != nil {
				t.Fatalf("stored form %v refused: %v", res, err)
			}
			if len(again) != len(res) {
				t.Fatalf("stored form not a fixed point: %v → %v", res, again)
			}
			Project(rt, res, nil, nil)
		}
	})
}
