package demo

import (
	"bufio"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"sync"
)

// sink writes the output files under a root directory and records their
// size and checksum.
type sink struct {
	root  string
	mu    sync.Mutex
	files []File
}

// create writes the file rel (slash-separated) with fn, gzip-compressing
// what fn writes when gz is set.
func (s *sink) create(rel, kind string, gz bool, fn func(w io.Writer) error) error {
	p := filepath.Join(s.root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("create %s: %w", rel, err)
	}
	f, err := os.Create(p)
	if err != nil {
		return fmt.Errorf("create %s: %w", rel, err)
	}
	h := sha256.New()
	cw := &countWriter{w: io.MultiWriter(f, h)}
	bw := bufioPool.Get().(*bufio.Writer)
	defer bufioPool.Put(bw)
	bw.Reset(cw)
	var w io.Writer = bw
	var zw *gzip.Writer
	if gz {
		zw = gzipPool.Get().(*gzip.Writer)
		zw.Reset(bw)
		w = zw
	}
	err = fn(w)
	if zw != nil {
		if cerr := zw.Close(); err == nil {
			err = cerr
		}
		gzipPool.Put(zw)
	}
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", rel, err)
	}
	s.record(File{Path: rel, Kind: kind, Bytes: cw.n, SHA256: hex.EncodeToString(h.Sum(nil))})
	return nil
}

var bufioPool = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 1<<16) }}

// write writes body to rel.
func (s *sink) write(rel, kind string, body []byte) error {
	p := filepath.Join(s.root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("create %s: %w", rel, err)
	}
	if err := os.WriteFile(p, body, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", rel, err)
	}
	sum := sha256.Sum256(body)
	s.record(File{Path: rel, Kind: kind, Bytes: int64(len(body)), SHA256: hex.EncodeToString(sum[:])})
	return nil
}

func (s *sink) record(f File) {
	s.mu.Lock()
	s.files = append(s.files, f)
	s.mu.Unlock()
}

// sorted returns the recorded files by path.
func (s *sink) sorted() []File {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := append([]File(nil), s.files...)
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func join(elem ...string) string { return path.Join(elem...) }
