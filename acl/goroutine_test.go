package acl

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"testing"
)

// stopCalls end a test or benchmark; they must run on its own goroutine
// (testing.T.FailNow's doc), or the test goes on running while it fails.
var stopCalls = map[string]bool{"Fatal": true, "Fatalf": true, "FailNow": true, "Skip": true, "Skipf": true, "SkipNow": true}

// TestNoFatalOutsideTestGoroutine reads this package's tests: a goroutine
// they start (go func, or RunParallel's body) reports with Error or through
// a channel, and never calls Fatal, FailNow or Skip, nor hands the test's
// t or b to a helper that might. go vet sees the direct calls only.
func TestNoFatalOutsideTestGoroutine(t *testing.T) {
	files, err := filepath.Glob("*_test.go")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 10 {
		t.Fatalf("found %d test files", len(files))
	}
	fset := token.NewFileSet()
	bodies := 0
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, body := range goroutineBodies(f) {
			bodies++
			for _, pos := range stopsIn(body) {
				t.Errorf("%s: may stop the test from a goroutine other than its own", fset.Position(pos))
			}
		}
	}
	if bodies == 0 {
		t.Error("found no goroutine bodies: the check checks nothing")
	}
}

// goroutineBodies are the function literals a file runs on other
// goroutines: go statements and RunParallel's argument.
func goroutineBodies(f *ast.File) []*ast.BlockStmt {
	var out []*ast.BlockStmt
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.GoStmt:
			if lit, ok := n.Call.Fun.(*ast.FuncLit); ok {
				out = append(out, lit.Body)
			}
		case *ast.CallExpr:
			if sel, ok := n.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "RunParallel" && len(n.Args) == 1 {
				if lit, ok := n.Args[0].(*ast.FuncLit); ok {
					out = append(out, lit.Body)
				}
			}
		}
		return true
	})
	return out
}

// stopsIn finds the calls in body that may stop a test: a stop call, or a
// call handed the test's t, b or tb.
func stopsIn(body *ast.BlockStmt) []token.Pos {
	var out []token.Pos
	ast.Inspect(body, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		if sel, ok := call.Fun.(*ast.SelectorExpr); ok && stopCalls[sel.Sel.Name] {
			out = append(out, call.Pos())
		}
		for _, arg := range call.Args {
			if id, ok := arg.(*ast.Ident); ok && (id.Name == "t" || id.Name == "b" || id.Name == "tb") {
				out = append(out, call.Pos())
			}
		}
		return true
	})
	return out
}
