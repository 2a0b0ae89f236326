package main

import (
	"compress/gzip"
	"errors"
	"io"
	"os"
	"strings"

	"github.com/tallyhq/tally"
)

// readInput opens the input file path and passes it to read, gunzipped
// when its name ends in .gz, as the bills are read; flag names the input in
// errors. gzip data that ends early or is corrupt (a truncated download or
// copy) is bad input that says so: it said "unexpected EOF" and exited 1.
func readInput(flag, path string, read func(io.Reader) error) error {
	f, err := os.Open(path)
	if err != nil {
		return tally.Errorf(tally.EInvalid, "%s: %v", flag, err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(strings.ToLower(path), ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return tally.Errorf(tally.EInvalid, "%s %s: %v", flag, path, err)
		}
		defer zr.Close()
		r = zr
	}
	return truncated(flag, path, read(r))
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
