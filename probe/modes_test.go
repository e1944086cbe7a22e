package probe

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/mcptriage/mcptriage/rules"
)

// catalogueConsts reads rules/modes.go: each Mode constant's name and id.
func catalogueConsts(t *testing.T) map[string]rules.Mode {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), filepath.Join("..", "rules", "modes.go"), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]rules.Mode{}
	ast.Inspect(f, func(n ast.Node) bool {
		if vs, ok := n.(*ast.ValueSpec); ok && len(vs.Values) == len(vs.Names) {
			for i, name := range vs.Names {
				if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
					v, _ := strconv.Unquote(lit.Value)
					out[name.Name] = rules.Mode(v)
				}
			}
		}
		return true
	})
	if len(out) < len(rules.Catalogue) {
		t.Fatalf("read %d mode constants from rules/modes.go, the catalogue has %d", len(out), len(rules.Catalogue))
	}
	return out
}

// Every mode the probe's code names is a rules.Mode constant, listed in
// Modes, in the catalogue, and explained (by its rule or by Explain);
// no mode id is written as a bare string.
func TestEveryModeTheProbeNamesIsKnownAndExplained(t *testing.T) {
	consts := catalogueConsts(t)
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	named := map[rules.Mode]string{} // mode → where first named
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.SelectorExpr:
				if pkg, ok := n.X.(*ast.Ident); ok && pkg.Name == "rules" {
					if m, ok := consts[n.Sel.Name]; ok {
						if _, seen := named[m]; !seen {
							named[m] = fset.Position(n.Pos()).String()
						}
					}
				}
			case *ast.BasicLit:
				if v, err := strconv.Unquote(n.Value); n.Kind == token.STRING && err == nil && rules.KnownMode(v) {
					t.Errorf("%s: mode %q as a bare string; use its rules.Mode constant", fset.Position(n.Pos()), v)
				}
			}
			return true
		})
	}
	if len(named) < 25 {
		t.Fatalf("found only %d modes in the probe's code: is the scan broken?", len(named))
	}
	for m, where := range named {
		if !slices.Contains(Modes, m) {
			t.Errorf("%s: %s is named but not listed in Modes", where, m)
		}
	}
	for _, m := range Modes {
		if _, ok := named[m]; !ok {
			t.Errorf("Modes lists %s, which no check predicts", m)
		}
		if !rules.KnownMode(string(m)) {
			t.Errorf("%s is not a mode of the catalogue", m)
		}
		_, explained := Explain(m)
		hasRule := rules.ByID(string(m)) != nil
		switch {
		case !hasRule && !explained:
			t.Errorf("%s has no rule and no explanation: 'mcptriage rules %s' could not explain it", m, m)
		case hasRule && explained:
			t.Errorf("%s has a rule and an explanation of the probe's: the rule's is the one shown", m)
		}
		if fixFor(m) == "" {
			t.Errorf("%s has no fix", m)
		}
	}
	for _, m := range Explained() {
		e, _ := Explain(m)
		if !slices.Contains(Modes, m) || e.Doc == "" || e.Fix == "" || e.Side == "" {
			t.Errorf("the explanation of %s: not predicted, or a field empty: %+v", m, e)
		}
	}
	if len(Explained()) != len(explanations) {
		t.Errorf("%d explanations, %d of them for catalogue modes", len(explanations), len(Explained()))
	}
}
