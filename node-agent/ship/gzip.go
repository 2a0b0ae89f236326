package ship

import (
	"bytes"
	"compress/gzip"
	"sync"
)

// gzipWriters reuses compressors: a new gzip.Writer allocates about 1 MB of
// deflate state, and the agent compresses one profile per container per
// interval plus each batch. BestSpeed: the agent's CPU budget matters more
// than a few percent of upload size.
var gzipWriters = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
	return zw
}}

// compress writes data gzip-compressed to buf.
func compress(buf *bytes.Buffer, write func(*gzip.Writer) error) error {
	zw := gzipWriters.Get().(*gzip.Writer)
	defer gzipWriters.Put(zw)
	zw.Reset(buf)
	if err := write(zw); err != nil {
		return err
	}
	return zw.Close()
}
