package ingest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// maxPageHeader is the largest page header checkChunk reads (Arrow's limit
// too): headers are tens of bytes, or a few kilobytes with long min/max
// statistics.
const maxPageHeader = 16 << 20

// Bounds on what a page header may claim. parquet-go allocates a page's
// uncompressed size before it decompresses the page, and level, offset and
// index buffers for its number of values before it decodes them, so these
// bound what one page can make it allocate whatever the file claims.
const (
	// maxPageSize caps a page's uncompressed size. Writers cut pages at
	// about 1 MiB (parquet-mr, Arrow, parquet-go: 256 KiB) and dictionary
	// pages at 1 MiB; a page holds more only when one value is that large,
	// and no billing field is. 64 MiB leaves a margin of 64 over the
	// defaults.
	maxPageSize = 64 << 20
	// maxPageValues caps the values of one page: a page's buffers cost
	// about 6 bytes a value (levels, offsets or dictionary indexes), so a
	// page costs at most about 100 MiB whatever its header claims.
	// Writers cut pages at 20,000 rows (parquet-mr since 1.11, Arrow, Rust)
	// or at about 1 MiB of encoded data; only a run-length encoded column
	// (nulls, one repeated value) can pack more into a page, up to the
	// rows of its row group, and a bill's row groups are far below 2²⁴
	// rows in one page of one column.
	maxPageValues = 1 << 24
	// maxValuesPerRow is the average number of values a repeated column
	// may have per row of its row group. The repeated columns the bill
	// readers use are maps and lists per line (CUR 2.0 product has about
	// a hundred attributes, resource tags at most 50 user tags plus AWS's,
	// GCP labels at most 64, credits a few); 1,024 is ten times the
	// largest.
	maxValuesPerRow = 1024
)

// maxRatio is the most a codec can expand its input: the uncompressed size
// of a page of that codec is at most maxRatio times its compressed size
// (plus a few bytes of header). Snappy's densest element is a 3-byte copy
// of 64 bytes (21.3×); LZ4 spends a byte per 255 bytes of match length
// (255×); DEFLATE at most 258 bytes per 2 bits (1,032×). ZSTD and Brotli
// can expand a few bytes into a whole block (over 30,000×): only
// maxPageSize bounds them.
var maxRatio = map[format.CompressionCodec]int64{
	format.Snappy: 22,
	format.Lz4:    256,
	format.Lz4Raw: 256,
	format.Gzip:   1032,
}

// checkChunk walks the page headers of a column chunk before parquet-go
// reads it. parquet-go allocates what a header claims before it finds out
// the page is not there: a buffer of the page's compressed size (2 GiB for
// a header of a corrupt 13 KB file), a buffer of its uncompressed size
// (1 GiB for a 291-byte file), and level and offset buffers for its number
// of values (17 GB for a byte-array page that claims 2³¹ values). Each page
// must lie within the chunk, the chunk within the file, no page may hold
// more values than the chunk's metadata gives the chunk, and the chunk no
// more than its row group's rows allow: one value a row for a column that
// is not repeated, maxValuesPerRow for one that is. rows is the row group's
// number of rows.
func checkChunk(r io.ReaderAt, size int64, md *format.ColumnMetaData, rows int64, repeated bool) error {
	start := md.DataPageOffset
	if md.DictionaryPageOffset != 0 {
		start = md.DictionaryPageOffset // where parquet-go starts reading
	}
	end := start + md.TotalCompressedSize
	if start < 0 || md.TotalCompressedSize < 0 || end > size || end < start {
		return fmt.Errorf("the chunk claims bytes %d to %d of a file of %d", start, end, size)
	}
	perRow := int64(1)
	if repeated {
		perRow = maxValuesPerRow
	}
	switch {
	case md.NumValues < 0:
		return fmt.Errorf("the chunk claims %d values", md.NumValues)
	case rows < 0 || md.NumValues/perRow > rows: // not NumValues > perRow*rows: rows may be huge
		return fmt.Errorf("the chunk claims %d values, its row group has %d rows", md.NumValues, rows)
	}
	var values int64 // in data pages so far
	for off := start; off < end; {
		h, n, err := pageHeader(r, off, end)
		if err != nil {
			return fmt.Errorf("page header at byte %d: %w", off, err)
		}
		if err := checkPage(h, md.Codec, end-off-n, md.NumValues-values); err != nil {
			return fmt.Errorf("page at byte %d: %w", off, err)
		}
		if err := checkBody(r, md.Codec, h, off+n); err != nil {
			return fmt.Errorf("page at byte %d: %w", off, err)
		}
		if h.Type == format.DataPage || h.Type == format.DataPageV2 {
			values += int64(pageValues(h))
		}
		off += n + int64(h.CompressedPageSize)
	}
	return nil
}

// checkBody checks the length the compressed body of page h at off (after
// its header) claims for its decoded form against the page's uncompressed
// size. The Snappy and ZSTD decoders allocate what the body claims (up to
// 4 GiB for Snappy, 64 GiB for ZSTD) when it is more than the buffer
// parquet-go gives them: 8 GiB for a 2 KB file.
func checkBody(r io.ReaderAt, codec format.CompressionCodec, h *format.PageHeader, off int64) error {
	if codec != format.Snappy && codec != format.Zstd {
		return nil
	}
	body, size := int64(h.CompressedPageSize), int64(h.UncompressedPageSize)
	if v := h.DataPageHeaderV2; v.Valid { // levels first, not compressed
		if v.V.IsCompressed.Valid && !v.V.IsCompressed.V {
			return nil
		}
		levels := int64(v.V.DefinitionLevelsByteLength) + int64(v.V.RepetitionLevelsByteLength)
		off, body, size = off+levels, body-levels, size-levels
	}
	if body <= 0 {
		return nil
	}
	buf := make([]byte, min(18, body)) // a ZSTD frame header's most
	k, err := r.ReadAt(buf, off)
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	buf = buf[:k]
	if codec == format.Snappy {
		n, w := binary.Uvarint(buf)
		switch {
		case w <= 0:
			return errors.New("no Snappy block length")
		case n > uint64(max(size, 0)):
			return fmt.Errorf("its Snappy block claims %d bytes, the page %d", n, size)
		}
		return nil
	}
	if n, ok := zstdContentSize(buf); ok && n > uint64(max(size, 0)) {
		return fmt.Errorf("its ZSTD frame claims %d bytes, the page %d", n, size)
	}
	return nil
}

// zstdContentSize reads the content size from the header of the ZSTD frame
// at the start of b (RFC 8878, 3.1.1.1), if the header has one. Only the
// first frame is checked: writers put one frame in a page.
func zstdContentSize(b []byte) (uint64, bool) {
	if len(b) < 5 || binary.LittleEndian.Uint32(b) != 0xFD2FB528 {
		return 0, false
	}
	fhd := b[4]
	single := fhd>>5&1 == 1
	at := 5 + []int{0, 1, 2, 4}[fhd&3] // dictionary ID
	if !single {
		at++ // window descriptor
	}
	size := []int{0, 2, 4, 8}[fhd>>6]
	if size == 0 && single {
		size = 1
	}
	if size == 0 || len(b) < at+size {
		return 0, false
	}
	var n uint64
	for i := size - 1; i >= 0; i-- { // little-endian
		n = n<<8 | uint64(b[at+i])
	}
	if size == 2 {
		n += 256
	}
	return n, true
}

// pageHeader decodes the page header at off (before end) and returns it
// with its length. It reads a window that grows until the header fits, so
// that a corrupt length inside a header (statistics are byte strings)
// cannot claim more than the bytes there are.
func pageHeader(r io.ReaderAt, off, end int64) (*format.PageHeader, int64, error) {
	var proto thrift.CompactProtocol
	for window := int64(256); ; window *= 4 {
		n := min(window, end-off, maxPageHeader)
		buf := make([]byte, n)
		if _, err := r.ReadAt(buf, off); err != nil && !errors.Is(err, io.EOF) {
			return nil, 0, err
		}
		h := new(format.PageHeader)
		br := proto.NewReaderFromBytes(buf)
		err := thrift.NewDecoder(br).Decode(h)
		switch {
		case err == nil:
			return h, int64(br.BytesRead()), nil
		case !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF):
			return nil, 0, err
		case n < window:
			return nil, 0, fmt.Errorf("%w: no complete header in %d bytes", io.ErrUnexpectedEOF, n)
		}
	}
}

// checkPage checks a page header of a chunk compressed with codec against
// the bytes left in its chunk after the header and the values the chunk
// has left.
func checkPage(h *format.PageHeader, codec format.CompressionCodec, left, values int64) error {
	size, compressed := int64(h.UncompressedPageSize), int64(h.CompressedPageSize)
	switch {
	case compressed < 0 || compressed > left:
		return fmt.Errorf("claims %d bytes, %d are left in the chunk", compressed, left)
	case size < 0 || size > maxPageSize:
		return fmt.Errorf("claims %d bytes uncompressed, more than the %d a page may have", size, maxPageSize)
	}
	const header = 16 // a codec's own header: Snappy's length, a gzip header
	if r, ok := maxRatio[codec]; ok && size > r*compressed+header {
		return fmt.Errorf("claims %d bytes uncompressed from %d compressed, more than %v expands to", size, compressed, codec)
	}
	switch n := int64(pageValues(h)); {
	case n < 0 || n > values:
		return fmt.Errorf("claims %d values, the chunk has %d left", n, values)
	case n > maxPageValues:
		return fmt.Errorf("claims %d values, more than the %d a page may have", n, maxPageValues)
	}
	if v := h.DataPageHeaderV2; v.Valid {
		levels := int64(v.V.DefinitionLevelsByteLength) + int64(v.V.RepetitionLevelsByteLength)
		switch {
		case v.V.DefinitionLevelsByteLength < 0 || v.V.RepetitionLevelsByteLength < 0 || levels > int64(h.CompressedPageSize):
			return fmt.Errorf("claims %d + %d bytes of levels in a page of %d", v.V.RepetitionLevelsByteLength, v.V.DefinitionLevelsByteLength, h.CompressedPageSize)
		case v.V.NumNulls < 0 || v.V.NumNulls > v.V.NumValues || v.V.NumRows < 0 || v.V.NumRows > v.V.NumValues:
			return fmt.Errorf("claims %d nulls and %d rows in %d values", v.V.NumNulls, v.V.NumRows, v.V.NumValues)
		}
	}
	return nil
}

// pageValues is the number of values a page header claims (dictionary
// entries for a dictionary page: never more than the chunk's values).
func pageValues(h *format.PageHeader) int32 {
	switch {
	case h.DataPageHeader.Valid:
		return h.DataPageHeader.V.NumValues
	case h.DataPageHeaderV2.Valid:
		return h.DataPageHeaderV2.V.NumValues
	case h.DictionaryPageHeader.Valid:
		return h.DictionaryPageHeader.V.NumValues
	}
	return 0
}
