package main

import (
	"io/fs"
	"os"
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

// mkdirOutput creates the output directory dir and any missing parents.
func mkdirOutput(dir string) error {
	return os.MkdirAll(dir, outputDirMode)
}
