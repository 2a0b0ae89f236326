package ingest

import (
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
)

// File is one input of a run: a local file, possibly fetched from S3 first.
type File struct {
	Name string // what errors and ingest_runs name it: the path or s3:// URL
	Path string // the local file to read
	// Report names the report (export) the file is part of, when a source
	// delivers several side by side, as AWS CUR does; "" when unknown. A run
	// rejects a line of one billing period found in two reports (see Run).
	Report string
}

// Input is an open file as a Parser sees it. Reader streams and hashes the
// bytes; ReaderAt gives random access (Parquet). Both count bytes for
// progress.
type Input struct {
	Name string
	Size int64

	f      *os.File
	h      hash.Hash
	read   int64         // bytes consumed through Reader
	seen   *atomic.Int64 // progress counter shared by the run
	atRead int64         // bytes read through ReaderAt, capped at Size for progress
}

// OpenInput opens path for parsing under name. seen, if not nil, is
// advanced with the bytes read.
func OpenInput(name, path string, seen *atomic.Int64) (*Input, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("stat %s: %w", name, err)
	}
	if seen == nil {
		seen = new(atomic.Int64)
	}
	return &Input{Name: name, Size: st.Size(), f: f, h: sha256.New(), seen: seen}, nil
}

// Read reads the file sequentially, hashing what it reads.
func (in *Input) Read(p []byte) (int, error) {
	n, err := in.f.Read(p)
	if n > 0 {
		in.h.Write(p[:n])
		in.read += int64(n)
		if in.atRead == 0 {
			in.seen.Add(int64(n))
		}
	}
	return n, err
}

// ReadAt reads at an offset (it does not affect Read or the checksum).
func (in *Input) ReadAt(p []byte, off int64) (int, error) {
	n, err := in.f.ReadAt(p, off)
	if n > 0 && in.read == 0 && in.atRead < in.Size {
		add := int64(n)
		if in.atRead+add > in.Size {
			add = in.Size - in.atRead
		}
		in.atRead += add
		in.seen.Add(add)
	}
	return n, err
}

// Finish reads what the parser did not (so the checksum covers the whole
// file), closes it and returns the SHA-256 in hex.
func (in *Input) Finish() (string, error) {
	defer in.f.Close()
	if in.read < in.Size {
		if _, err := in.f.Seek(in.read, io.SeekStart); err != nil {
			return "", fmt.Errorf("checksum %s: %w", in.Name, err)
		}
		if _, err := io.Copy(in.h, in.f); err != nil {
			return "", fmt.Errorf("checksum %s: %w", in.Name, err)
		}
	}
	if in.atRead < in.Size && in.read < in.Size {
		in.seen.Add(in.Size - in.atRead - in.read)
	}
	return hex.EncodeToString(in.h.Sum(nil)), nil
}

// Close closes the file without finishing the checksum.
func (in *Input) Close() error { return in.f.Close() }

// Decompress returns r, gunzipped when name ends in .gz.
func Decompress(name string, r io.Reader) (io.Reader, func() error, error) {
	if !strings.HasSuffix(strings.ToLower(name), ".gz") {
		return r, func() error { return nil }, nil
	}
	z, err := gzip.NewReader(r)
	if err != nil {
		return nil, nil, FileError(name, fmt.Errorf("not a gzip file: %w", err))
	}
	return gunzipped{z}, z.Close, nil
}

// ErrTruncated is compressed input that ends before its compressed data
// does: a file cut short by an interrupted download or copy.
var ErrTruncated = errors.New("the gzip data ends early: the file is truncated")

// gunzipped reads a gzip stream, calling its early end ErrTruncated
// (gzip.Reader says io.ErrUnexpectedEOF).
type gunzipped struct{ z *gzip.Reader }

func (g gunzipped) Read(p []byte) (int, error) {
	n, err := g.z.Read(p)
	if errors.Is(err, io.ErrUnexpectedEOF) {
		err = ErrTruncated
	}
	return n, err
}

// TrimCompression returns name without a .gz suffix, for format detection.
func TrimCompression(name string) string {
	l := strings.ToLower(name)
	if strings.HasSuffix(l, ".gz") {
		return l[:len(l)-3]
	}
	return l
}

// IsDataFile reports whether name looks like a bill data file with one of
// exts (".csv", ".parquet", …), possibly gzipped. Export manifests
// (…Manifest.json) are not data files.
func IsDataFile(name string, exts ...string) bool {
	n := TrimCompression(name)
	if strings.HasSuffix(n, "manifest.json") {
		return false
	}
	for _, ext := range exts {
		if strings.HasSuffix(n, ext) {
			return true
		}
	}
	return false
}

// ListFiles returns path if it is a file, or the data files with one of
// exts under a directory, sorted.
func ListFiles(path string, exts ...string) ([]File, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("list input files: %w", err)
	}
	if !st.IsDir() {
		return []File{{Name: path, Path: path}}, nil
	}
	var files []File
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && IsDataFile(d.Name(), exts...) {
			files = append(files, File{Name: p, Path: p})
		}
		return nil
	})
	return files, err
}

// Formats picks a reader by file extension: Stream readers get the
// (gunzipped) bytes, Parquet reads the Input through its ReaderAt.
type Formats struct {
	Stream  map[string]func(ctx context.Context, file string, r io.Reader, emit Emit) error // by extension, e.g. ".csv"
	Parquet func(ctx context.Context, in *Input, emit Emit) error                           // nil: no Parquet
}

// Parse reads in with the reader its extension names.
func (fs Formats) Parse(ctx context.Context, in *Input, emit Emit) error {
	name := TrimCompression(in.Name)
	if fs.Parquet != nil && strings.HasSuffix(name, ".parquet") {
		return fs.Parquet(ctx, in, emit)
	}
	var want []string
	for ext, read := range fs.Stream {
		want = append(want, ext)
		if strings.HasSuffix(name, ext) {
			r, closeFn, err := Decompress(in.Name, in)
			if err != nil {
				return err
			}
			defer closeFn()
			return read(ctx, in.Name, r, emit)
		}
	}
	if fs.Parquet != nil {
		want = append(want, ".parquet")
	}
	sort.Strings(want)
	return FileError(in.Name, fmt.Errorf("want %s (optionally .gz): %w", strings.Join(want, ", "), ErrUnknownFormat))
}
