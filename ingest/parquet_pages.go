package ingest

import (
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

// checkChunk walks the page headers of a column chunk before parquet-go
// reads it. parquet-go allocates what a header claims before it finds out
// the page is not there: a buffer of the page's compressed size (2 GiB for
// a header of a corrupt 13 KB file), and level and offset buffers for its
// number of values (17 GB for a byte-array page that claims 2³¹ values).
// Each page must lie within the chunk, the chunk within the file, and no
// page may hold more values than the chunk's metadata gives the chunk.
func checkChunk(r io.ReaderAt, size int64, md *format.ColumnMetaData) error {
	start := md.DataPageOffset
	if md.DictionaryPageOffset != 0 {
		start = md.DictionaryPageOffset // where parquet-go starts reading
	}
	end := start + md.TotalCompressedSize
	if start < 0 || md.TotalCompressedSize < 0 || end > size || end < start {
		return fmt.Errorf("the chunk claims bytes %d to %d of a file of %d", start, end, size)
	}
	if md.NumValues < 0 {
		return fmt.Errorf("the chunk claims %d values", md.NumValues)
	}
	var values int64 // in data pages so far
	for off := start; off < end; {
		h, n, err := pageHeader(r, off, end)
		if err != nil {
			return fmt.Errorf("page header at byte %d: %w", off, err)
		}
		if err := checkPage(h, end-off-n, md.NumValues-values); err != nil {
			return fmt.Errorf("page at byte %d: %w", off, err)
		}
		if h.Type == format.DataPage || h.Type == format.DataPageV2 {
			values += int64(pageValues(h))
		}
		off += n + int64(h.CompressedPageSize)
	}
	return nil
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

// checkPage checks a page header against the bytes left in its chunk after
// the header and the values the chunk has left.
func checkPage(h *format.PageHeader, left, values int64) error {
	switch {
	case h.CompressedPageSize < 0 || int64(h.CompressedPageSize) > left:
		return fmt.Errorf("claims %d bytes, %d are left in the chunk", h.CompressedPageSize, left)
	case h.UncompressedPageSize < 0:
		return fmt.Errorf("claims %d bytes uncompressed", h.UncompressedPageSize)
	}
	if n := int64(pageValues(h)); n < 0 || n > values {
		return fmt.Errorf("claims %d values, the chunk has %d left", n, values)
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
