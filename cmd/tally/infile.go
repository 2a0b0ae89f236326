package main

import (
	"compress/gzip"
	"errors"
	"io"
	"os"
	"strings"

	"github.com/tallyhq/tally"
)

// readInput reads the input file path of flag with parse, gunzipped when
// its name ends in .gz, as the bills are read. parse's errors that wrap
// bad (its format's sentinel) are bad input, and so is gzip data that ends
// early or is corrupt (a truncated download or copy), which the error says:
// it said "unexpected EOF" and exited 1.
func readInput[T any](flag, path string, bad error, parse func(r io.Reader, name string) (T, error)) (T, error) {
	var v T
	f, err := os.Open(path)
	if err != nil {
		return v, tally.Errorf(tally.EInvalid, "%s: %v", flag, err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(strings.ToLower(path), ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return v, tally.Errorf(tally.EInvalid, "%s %s: %v", flag, path, err)
		}
		defer zr.Close()
		r = zr
	}
	v, err = parse(r, path)
	if errors.Is(err, bad) {
		return v, tally.Errorf(tally.EInvalid, "%w", err)
	}
	return v, truncated(flag, path, err)
}

// truncated returns err, or for gzip data that ends early or is corrupt an
// error saying so.
func truncated(flag, path string, err error) error {
	for _, cause := range []error{io.ErrUnexpectedEOF, gzip.ErrChecksum, gzip.ErrHeader} {
		if errors.Is(err, cause) {
			return tally.Errorf(tally.EInvalid, "%s %s: the gzip data ends early or is corrupt (a truncated copy?): %v", flag, path, cause)
		}
	}
	return err
}
