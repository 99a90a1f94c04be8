package filterop

import (
	"context"
	"testing"
)

func TestEmptyOperatorsOnPosts(t *testing.T) {
	// Title 4 is ''; status 3 is NULL; score is NULL on 2, 4, 5; meta is
	// {"lang":"en"} on 1 and JSON null (a nil map) on the others; bob
	// and O'Brien (posts 3, 4, 5) have no email.
	runCases(t, context.Background(), []filterCase{
		{"string $empty is '' ", `{"title":{"$empty":true}}`, []int64{4}},
		{"string $empty is NULL", `{"status":{"$empty":true}}`, []int64{3}},
		{"string $notEmpty", `{"title":{"$notEmpty":true}}`, []int64{1, 2, 3, 5}},
		{"string $notEmpty skips NULL", `{"status":{"$notEmpty":true}}`, []int64{1, 2, 4, 5}},
		{"the value is ignored", `{"title":{"$empty":false}}`, []int64{4}},
		{"null value", `{"status":{"$notEmpty":null}}`, []int64{1, 2, 4, 5}},
		{"dotted key", `{"title.$empty":1}`, []int64{4}},
		{"number $empty is NULL", `{"score":{"$empty":true}}`, []int64{2, 4, 5}},
		{"number $notEmpty", `{"score":{"$notEmpty":true}}`, []int64{1, 3}},
		{"zero is not empty", `{"views":{"$empty":true}}`, nil},
		{"bool $empty", `{"published":{"$empty":true}}`, []int64{3, 5}},
		{"time $empty", `{"created_at":{"$empty":true}}`, []int64{4}},
		{"JSON null is empty", `{"meta":{"$empty":true}}`, []int64{2, 3, 4, 5}},
		{"JSON $notEmpty", `{"meta":{"$notEmpty":true}}`, []int64{1}},
		{"through belongs-to", `{"createdBy.email.$empty":true}`, []int64{3, 4, 5}},
		{"through belongs-to, not empty", `{"createdBy":{"email":{"$notEmpty":true}}}`, []int64{1, 2}},
		{"$not of $empty", `{"$not":{"status":{"$empty":true}}}`, []int64{1, 2, 4, 5}},
		{"$not of $notEmpty", `{"$not":{"title":{"$notEmpty":true}}}`, []int64{4}},
		{"$or", `{"$or":[{"title":{"$empty":true}},{"status":{"$empty":true}}]}`, []int64{3, 4}},
	})
}
