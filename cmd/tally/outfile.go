package main

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Files and directories the CLI writes hold cost data (reports, plans,
// patches with prices in their comments, CI verdicts): they are created
// readable by their owner only, whatever the umask lets through. A file that
// exists already keeps its mode (the owner chose it); writeFileAtomic
// replaces it with a 0600 one.
const (
	outputFileMode fs.FileMode = 0o600
	outputDirMode  fs.FileMode = 0o700
)

// createOutput creates or truncates the output file path.
func createOutput(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, outputFileMode)
}

// writeOutput writes data to the output file path.
func writeOutput(path string, data []byte) error {
	return os.WriteFile(path, data, outputFileMode)
}

// mkdirOutput creates the output directory dir, given by flag, and any
// missing parents; an error names the flag: "--out D: mkdir …: not a
// directory".
func mkdirOutput(flag, dir string) error {
	if err := os.MkdirAll(dir, outputDirMode); err != nil {
		return fmt.Errorf("%s %s: %w", flag, dir, err)
	}
	return nil
}

// writeFileAtomic writes path through a temporary file beside it, renamed
// into place, so a failure leaves nothing half-written. Errors name path,
// not the temporary file (it said "open /x/t.csv.tmp: no such file or
// directory" for -o /x/t.csv).
func writeFileAtomic(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, fileCause(err))
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, fileCause(err))
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, fileCause(err))
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, fileCause(err))
	}
	return nil
}

// writeGzipped writes path as writeFileAtomic does, gzip-compressed when
// its name ends in .gz.
func writeGzipped(path string, write func(io.Writer) error) error {
	return writeFileAtomic(path, func(w io.Writer) error {
		if !strings.HasSuffix(path, ".gz") {
			return write(w)
		}
		zw, _ := gzip.NewWriterLevel(w, gzip.BestCompression)
		zw.ModTime = time.Unix(0, 0) // reproducible bytes
		if err := write(zw); err != nil {
			return err
		}
		return zw.Close()
	})
}

// fileCause returns the cause of an error of an operation on a file (the
// temporary file's name left out), or err.
func fileCause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}
