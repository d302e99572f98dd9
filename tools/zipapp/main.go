// Command zipapp writes a zip archive of files under a directory, keeping
// their Unix permission bits, for scripts/package.sh: Azure's zip deploy
// and run-from-package take a zip, and a fresh machine may have no `zip`.
//
// Usage:
//
//	go run ./tools/zipapp -C DIR -o OUT.zip PATH...
//
// Each PATH (a file or a directory, relative to DIR) is added with its
// path inside DIR; directories are walked in lexical order.
package main

import (
	"archive/zip"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

func main() {
	dir := flag.String("C", ".", "directory the paths are relative to")
	out := flag.String("o", "", "zip file to write (required)")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: zipapp -C DIR -o OUT.zip PATH...\nexample: go run ./tools/zipapp -C dist/app -o dist/vendorflow-app.zip host.json vendorflow onboard")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *out == "" || flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := write(*out, *dir, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "zipapp:", err)
		os.Exit(1)
	}
}

func write(out, dir string, paths []string) (err error) {
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			_ = os.Remove(out)
		}
	}()
	zw := zip.NewWriter(f)
	root := os.DirFS(dir)
	for _, p := range paths {
		if err := fs.WalkDir(root, filepath.ToSlash(p), func(name string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				return nil
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			if !info.Mode().IsRegular() {
				return fmt.Errorf("%s is not a regular file", name)
			}
			return add(zw, root, name, info)
		}); err != nil {
			return err
		}
	}
	return zw.Close()
}

func add(zw *zip.Writer, root fs.FS, name string, info fs.FileInfo) error {
	h, err := zip.FileInfoHeader(info)
	if err != nil {
		return err
	}
	h.Name, h.Method = name, zip.Deflate
	w, err := zw.CreateHeader(h)
	if err != nil {
		return err
	}
	src, err := root.Open(name)
	if err != nil {
		return err
	}
	_, err = io.Copy(w, src)
	return errors.Join(err, src.Close())
}
