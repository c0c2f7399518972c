// Command releasecheck checks the modules of a release against each other
// and packs them into a file-system module proxy, laid out as a module
// proxy serves them once they are tagged (https://go.dev/ref/mod#goproxy-protocol),
// so that a fresh module can install them with GOPROXY=file://DIR.
//
//	releasecheck -src TREE -proxy DIR -time RFC3339 MODDIR=VERSION...
//
// TREE holds the repository's files as committed (git archive); each
// MODDIR=VERSION names a module's directory in it ("." for the root
// module) and the version the release gives it. It fails, naming every
// problem, when:
//   - a go.mod anywhere in TREE has a replace directive (the go command
//     ignores them in a dependency, so they only hide problems);
//   - a module's path is not the root module's path joined with its
//     directory, which the tag MODDIR/VERSION depends on;
//   - a version is not a canonical semantic version valid for its path;
//   - a released module requires a module of this repository at another
//     version than the one released with it, or one that is not released;
//   - go.work uses other directories than the released ones, or replaces
//     anything but a released module's release version with its own
//     directory (the stand-in for a version not yet published).
//
// Then it writes each module's .info, .mod and .zip files and version list
// (the zip made by golang.org/x/mod/zip, as the go command makes it), and
// prints the tag to push and the go.sum lines of the module as packed.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
	"golang.org/x/mod/sumdb/dirhash"
	"golang.org/x/mod/zip"
)

// release is one module as released: its directory in the tree ("." for
// the root), its module path and its version.
type release struct {
	dir, path, version string
	gomod              []byte
	file               *modfile.File
}

// tag is the Git tag that publishes the module: VERSION for the root
// module, MODDIR/VERSION for one in a subdirectory.
func (r *release) tag() string {
	if r.dir == "." {
		return r.version
	}
	return r.dir + "/" + r.version
}

func main() {
	src := flag.String("src", "", "the repository's files as committed")
	proxy := flag.String("proxy", "", "directory to write the module proxy to")
	stamp := flag.String("time", "", "the release time (RFC 3339) for the .info files")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: releasecheck -src TREE -proxy DIR -time RFC3339 MODDIR=VERSION...")
		flag.PrintDefaults()
	}
	flag.Parse()
	when, err := time.Parse(time.RFC3339, *stamp)
	if *src == "" || *proxy == "" || err != nil || flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	rels, err := load(*src, flag.Args())
	if err == nil {
		err = check(*src, rels)
	}
	if err == nil {
		err = pack(*src, *proxy, when.UTC(), rels)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "releasecheck:", err)
		os.Exit(1)
	}
}

// load reads the go.mod of each MODDIR=VERSION argument.
func load(src string, args []string) ([]*release, error) {
	var rels []*release
	for _, arg := range args {
		dir, version, ok := strings.Cut(arg, "=")
		if !ok {
			return nil, fmt.Errorf("%q: want MODDIR=VERSION", arg)
		}
		dir = path.Clean(filepath.ToSlash(dir))
		name := path.Join(dir, "go.mod")
		data, err := os.ReadFile(filepath.Join(src, filepath.FromSlash(name)))
		if err != nil {
			return nil, err
		}
		f, err := modfile.Parse(name, data, nil)
		if err != nil {
			return nil, err
		}
		if f.Module == nil {
			return nil, fmt.Errorf("%s: no module line", name)
		}
		rels = append(rels, &release{dir: dir, path: f.Module.Mod.Path, version: version, gomod: data, file: f})
	}
	if rels[0].dir != "." {
		return nil, errors.New("the root module (.) comes first in the release")
	}
	return rels, nil
}

// check reports every way in which the modules cannot be released together.
func check(src string, rels []*release) error {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	root := rels[0].path
	byPath := map[string]*release{}
	byDir := map[string]*release{}
	for _, r := range rels {
		if want := path.Join(root, r.dir); r.path != want {
			fail("%s/go.mod: module %s: in directory %s the tag %s needs module path %s", r.dir, r.path, r.dir, r.tag(), want)
		}
		if !semver.IsValid(r.version) || semver.Canonical(r.version) != r.version {
			fail("%s: version %q is not a canonical semantic version (vMAJOR.MINOR.PATCH)", r.path, r.version)
		} else if err := module.Check(r.path, r.version); err != nil {
			fail("%v", err)
		}
		byPath[r.path], byDir[r.dir] = r, r
	}

	// A replace directive in any go.mod, released or not.
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != src && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") || strings.HasPrefix(d.Name(), "_")) {
			return filepath.SkipDir
		}
		if d.IsDir() || d.Name() != "go.mod" {
			return nil
		}
		rel, _ := filepath.Rel(src, p)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		f, err := modfile.Parse(filepath.ToSlash(rel), data, nil)
		if err != nil {
			return err
		}
		for _, r := range f.Replace {
			fail("%s:%d: replace %s: no go.mod may replace (the go command ignores it in a dependency; go.work is for development)",
				filepath.ToSlash(rel), r.Syntax.Start.Line, r.Old.Path)
		}
		return nil
	})
	if err != nil {
		return err
	}

	// Requirements between this repository's modules.
	for _, r := range rels {
		for _, req := range r.file.Require {
			p := req.Mod.Path
			if p != root && !strings.HasPrefix(p, root+"/") {
				continue
			}
			switch dep, ok := byPath[p]; {
			case !ok:
				fail("%s/go.mod requires %s %s, which is not in the release", r.dir, p, req.Mod.Version)
			case req.Mod.Version != dep.version:
				fail("%s/go.mod requires %s %s, but the release has %s %s", r.dir, p, req.Mod.Version, p, dep.version)
			}
		}
	}

	// go.work: the released modules, and nothing else.
	if data, err := os.ReadFile(filepath.Join(src, "go.work")); err == nil {
		w, err := modfile.ParseWork("go.work", data, nil)
		if err != nil {
			return err
		}
		used := map[string]bool{}
		for _, u := range w.Use {
			dir := path.Clean(u.Path)
			used[dir] = true
			if byDir[dir] == nil {
				fail("go.work uses %s, which is not released: the workspace must build what the release builds", u.Path)
			}
		}
		for _, r := range rels {
			if !used[r.dir] {
				fail("go.work does not use %s", r.dir)
			}
		}
		for _, rep := range w.Replace {
			r := byPath[rep.Old.Path]
			if r == nil || rep.Old.Version != r.version || rep.New.Version != "" || path.Clean(rep.New.Path) != r.dir {
				fail("go.work:%d: replace %s => %s: go.work may only stand in for a release version of a released module with the module's own directory",
					rep.Syntax.Start.Line, strings.TrimSpace(rep.Old.Path+" "+rep.Old.Version), strings.TrimSpace(rep.New.Path+" "+rep.New.Version))
			}
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return errors.Join(errs...)
}

// pack writes each module into the proxy and prints its tag and the go.sum
// lines of the module as packed: the hashes the public proxy will serve
// for a tag of the same files.
func pack(src, proxy string, when time.Time, rels []*release) error {
	for _, r := range rels {
		m := module.Version{Path: r.path, Version: r.version}
		esc, err := module.EscapePath(r.path)
		if err != nil {
			return err
		}
		dir := filepath.Join(proxy, filepath.FromSlash(esc), "@v")
		if err := os.MkdirAll(dir, 0o777); err != nil {
			return err
		}
		moddir := filepath.Join(src, filepath.FromSlash(r.dir))
		if err := inheritLicense(src, moddir); err != nil {
			return err
		}
		base := filepath.Join(dir, r.version)
		if err := writeZip(base+".zip", m, moddir); err != nil {
			return err
		}
		info, _ := json.Marshal(struct {
			Version string
			Time    time.Time
		}{r.version, when})
		for name, data := range map[string][]byte{
			base + ".info":             info,
			base + ".mod":              r.gomod,
			filepath.Join(dir, "list"): []byte(r.version + "\n"),
		} {
			if err := os.WriteFile(name, data, 0o666); err != nil {
				return err
			}
		}
		h1, err := dirhash.HashZip(base+".zip", dirhash.Hash1)
		if err != nil {
			return err
		}
		modh1, err := dirhash.Hash1([]string{"go.mod"}, func(string) (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(r.gomod)), nil
		})
		if err != nil {
			return err
		}
		fmt.Printf("%s %s\ttag %s\n\t%s %s %s\n\t%s %s/go.mod %s\n",
			r.path, r.version, r.tag(), r.path, r.version, h1, r.path, r.version, modh1)
	}
	return nil
}

// writeZip makes the module zip of dir and checks it as the go command
// would on download.
func writeZip(name string, m module.Version, dir string) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if err := zip.CreateFromDir(f, m, dir); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	cf, err := zip.CheckZip(m, name)
	if err != nil {
		return err
	}
	return cf.Err()
}

// inheritLicense copies the repository's LICENSE into a module in a
// subdirectory that has none, as the go command does when it makes the
// zip of such a module from a tag.
func inheritLicense(src, moddir string) error {
	if moddir == src {
		return nil
	}
	if _, err := os.Stat(filepath.Join(moddir, "LICENSE")); err == nil {
		return nil
	}
	data, err := os.ReadFile(filepath.Join(src, "LICENSE"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	} else if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(moddir, "LICENSE"), data, 0o666)
}
