package scim_test

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/gatehouse-dev/gatehouse/datasync/scim"
)

// A user as Microsoft Entra ID sends it: a string boolean, an enterprise
// attribute written flat, a read-only meta. Normalize gives the stored
// form and the password apart.
func ExampleNormalize() {
	body := `{
		"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
		"UserName": "alice@contoso.com",
		"active": "False",
		"emails": [{"value": "alice@contoso.com", "type": "work", "primary": true}],
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "Research",
		"meta": {"resourceType": "User"},
		"password": "t0p-secret"
	}`
	dec := json.NewDecoder(strings.NewReader(body))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		panic(err)
	}
	res, password, err := scim.Normalize(scim.UserResource, m)
	if err != nil {
		panic(err)
	}
	out, _ := json.MarshalIndent(res, "", "  ")
	fmt.Println(string(out))
	fmt.Println("password given:", password != "")

	m["active"] = "maybe"
	_, _, err = scim.Normalize(scim.UserResource, m)
	fmt.Println(err)
	// Output:
	// {
	//   "active": false,
	//   "emails": [
	//     {
	//       "primary": true,
	//       "type": "work",
	//       "value": "alice@contoso.com"
	//     }
	//   ],
	//   "schemas": [
	//     "urn:ietf:params:scim:schemas:core:2.0:User",
	//     "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	//   ],
	//   "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
	//     "department": "Research"
	//   },
	//   "userName": "alice@contoso.com"
	// }
	// password given: true
	// scim: 400 invalidValue: active: want a boolean, got a string "maybe"
}

// Serving a user with ?attributes=userName,emails.value: id is always
// served, password never.
func ExampleProject() {
	res := map[string]any{
		"schemas":  []any{scim.UserSchemaURN},
		"id":       "2819c223",
		"userName": "bjensen",
		"active":   true,
		"emails":   []any{map[string]any{"value": "bjensen@example.com", "type": "work"}},
	}
	attrs, err := scim.ParseAttributeList(scim.UserResource, "userName,emails.value")
	if err != nil {
		panic(err)
	}
	out, _ := json.Marshal(scim.Project(scim.UserResource, res, attrs, nil))
	fmt.Println(string(out))

	_, err = scim.ParseAttributeList(scim.UserResource, "userName,nickname.x")
	fmt.Println(err)
	// Output:
	// {"emails":[{"value":"bjensen@example.com"}],"id":"2819c223","schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen"}
	// scim: 400 invalidValue: nickname.x: unknown attribute
}
