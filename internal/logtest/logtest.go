// Package logtest holds what tests use to read logs written from other
// goroutines (a server's handlers, a shipper, a scheduler).
package logtest

import (
	"bytes"
	"sync"
)

// Buffer is a bytes.Buffer a logger's goroutines may write to while a test
// reads it.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write implements io.Writer.
func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns what was written so far.
func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
