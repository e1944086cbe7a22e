package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/cobra/doc"
)

//go:generate env MCPTRIAGE_UPDATE_MAN=1 go test -run TestManPages .

// manDir holds the man pages generated from the command tree.
const manDir = "../../docs/man"

// manDate is the date the pages carry; set it when the pages change.
var manDate = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

// The man pages are the command tree's help, generated: a flag or a help
// text changed without `go generate ./cmd/mcptriage` fails here.
func TestManPages(t *testing.T) {
	io, _, _, _ := testIO()
	root := newRootCmd(&factory{IO: io, Version: devVersion})
	root.DisableAutoGenTag = true
	dir := t.TempDir()
	header := &doc.GenManHeader{Title: "MCPTRIAGE", Section: "1", Source: "mcptriage", Manual: "mcptriage manual", Date: &manDate}
	if err := doc.GenManTree(root, header, dir); err != nil {
		t.Fatal(err)
	}
	if os.Getenv("MCPTRIAGE_UPDATE_MAN") != "" {
		os.RemoveAll(manDir)
		if err := os.CopyFS(manDir, os.DirFS(dir)); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, _ := filepath.Glob(filepath.Join(dir, "*.1"))
	have, _ := filepath.Glob(filepath.Join(manDir, "*.1"))
	if len(want) == 0 || len(want) != len(have) {
		t.Errorf("docs/man has %d pages, the command tree makes %d: run go generate ./cmd/mcptriage", len(have), len(want))
	}
	for _, p := range want {
		gen, _ := os.ReadFile(p)
		cur, err := os.ReadFile(filepath.Join(manDir, filepath.Base(p)))
		if err != nil {
			t.Errorf("%s is missing: run go generate ./cmd/mcptriage", filepath.Base(p))
			continue
		}
		if diff := cmp.Diff(string(cur), string(gen)); diff != "" {
			t.Errorf("%s is stale: run go generate ./cmd/mcptriage (-docs/man +generated):\n%s", filepath.Base(p), diff)
		}
	}
}
