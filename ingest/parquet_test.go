package ingest_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/ingest"
)

// parquetRow has a column of each kind the bill readers convert: text,
// optional text (definition levels), repeated text (repetition levels),
// DOUBLE, DECIMAL, TIMESTAMP and DATE.
type parquetRow struct {
	Account string    `parquet:"account"`
	Tag     *string   `parquet:"tag,optional"`
	Labels  []string  `parquet:"labels,list"`
	Cost    float64   `parquet:"cost"`
	Exact   int64     `parquet:"exact,decimal(6:18)"`
	Start   time.Time `parquet:"start,timestamp(millisecond)"`
	Day     int32     `parquet:"day,date"`
}

func writeParquet(tb testing.TB, opts ...parquet.WriterOption) []byte {
	tb.Helper()
	return writeParquetRows(tb, 40, opts...)
}

// writeParquetRows writes n rows of parquetRow: one in three has a tag and
// two labels, the others neither.
func writeParquetRows(tb testing.TB, n int, opts ...parquet.WriterOption) []byte {
	tb.Helper()
	tag := "team=a"
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	var rows []parquetRow
	for i := range n {
		r := parquetRow{Account: "111", Cost: 0.25 * float64(i), Exact: int64(i) * 1_000_001, Start: start.Add(time.Duration(i) * time.Hour), Day: 20513}
		if i%3 == 0 {
			r.Tag = &tag
			r.Labels = []string{"a", "b"}
		}
		rows = append(rows, r)
	}
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[parquetRow](&buf, append([]parquet.WriterOption{parquet.PageBufferSize(256)}, opts...)...)
	if _, err := w.Write(rows); err != nil {
		tb.Fatal(err)
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// readParquet opens b as Parquet and converts every value of every column
// through EachRow and through EachRowOf: the rows as text (column=value,
// in column order) and each reader's error. A file that does not open
// returns its error twice.
func readParquet(t *testing.T, b []byte) (rows [2][]string, errs [2]error) {
	return readParquetAt(t, filepath.Join(t.TempDir(), "bill.parquet"), b)
}

// readParquetAt is readParquet with b written to p, replacing what p held.
func readParquetAt(t *testing.T, p string, b []byte) (rows [2][]string, errs [2]error) {
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	in, err := ingest.OpenInput(p, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	pf, err := ingest.OpenParquet(in)
	if err != nil {
		return rows, [2]error{err, err}
	}
	byIndex := map[int]*ingest.Column{}
	var all []int
	for _, c := range pf.Columns() {
		byIndex[c.Index] = c
		all = append(all, c.Index)
	}
	slices.Sort(all)
	convert := func(k int) func(int64, parquet.Row) error {
		return func(_ int64, row parquet.Row) error {
			var text []string
			for _, v := range row {
				c := byIndex[v.Column()]
				if c == nil {
					continue
				}
				s := c.String(v)
				if m, err := c.Money(v, tally.Currency("USD")); err == nil && c.Path == "exact" {
					s = m.String()
				}
				_, _ = c.Float(v)
				_, _ = c.Time(v)
				text = append(text, c.Path+"="+s)
			}
			rows[k] = append(rows[k], strings.Join(text, " "))
			return nil
		}
	}
	errs[0] = pf.EachRow(context.Background(), convert(0))
	errs[1] = pf.EachRowOf(context.Background(), all, convert(1))
	return rows, errs
}

func TestParquetRows(t *testing.T) {
	rows, errs := readParquet(t, writeParquet(t))
	if errs[0] != nil || errs[1] != nil {
		t.Fatal(errs)
	}
	if len(rows[0]) != 40 || !slices.Equal(rows[0], rows[1]) {
		t.Fatalf("EachRow read %d rows, EachRowOf %d; differ: %v", len(rows[0]), len(rows[1]), !slices.Equal(rows[0], rows[1]))
	}
	for i, want := range map[int]string{
		0: "account=111 tag=team=a labels.list.element=a labels.list.element=b cost=0 exact=0 USD start=2026-03-01T00:00:00Z day=2026-03-01",
		7: "account=111 tag= labels.list.element= cost=1.75 exact=7.000007 USD start=2026-03-01T07:00:00Z day=2026-03-01",
	} {
		if rows[0][i] != want {
			t.Errorf("row %d:\n got %s\nwant %s", i, rows[0][i], want)
		}
	}
}

// A page parquet-go dereferences nil on is an error naming the file, the
// row group and, where the reader knows it, the row and column; not a
// panic, and without Go's runtime error, which says nothing of the file
// (it is kept for debugging: errors.As finds it). The file is
// corrupt-page.parquet (found by fuzzing) with its chunk's value count
// (67, the sum of its pages') and size set so that the page headers pass
// checkChunk: the page is another column's, whose levels parquet-go
// trusts.
func TestCorruptParquetIsAnError(t *testing.T) {
	b, err := os.ReadFile("testdata/panic-page.parquet")
	if err != nil {
		t.Fatal(err)
	}
	_, errs := readParquet(t, b)
	for k, want := range []string{
		"bill.parquet: read row group 0: corrupt Parquet data",
		"bill.parquet: read row group 0, row 3: column product.key_value.value: corrupt Parquet data",
	} {
		err := errs[k]
		if err == nil || !strings.HasSuffix(err.Error(), want) {
			t.Errorf("reader %d: %v\nwant %s", k, err, want)
		}
		var re runtime.Error
		if !errors.Is(err, ingest.ErrCorruptParquet) || !errors.As(err, &re) {
			t.Errorf("reader %d: %v is not ingest.ErrCorruptParquet wrapping the runtime error", k, err)
		}
	}
}

// FuzzParquetFile reads arbitrary bytes as Parquet the way the FOCUS, CUR
// 2.0 and GCP readers do: every column, converted, through EachRow and
// EachRowOf. It must return an error, never panic.
//
// Its seed is a small well-formed file, three rows of every kind of
// column; the corrupt files fuzzing found are read by the tests above,
// which want their errors. Every input is written to the same file: a
// directory an input took a quarter of the time.
func FuzzParquetFile(f *testing.F) {
	f.Add(writeParquetRows(f, 3))
	p := filepath.Join(f.TempDir(), "bill.parquet")
	f.Fuzz(func(t *testing.T, b []byte) {
		readParquetAt(t, p, b)
	})
}

// A trailer claiming a footer longer than the file is rejected before
// parquet-go allocates the footer (2 GiB for this 3 KB file).
func TestParquetTrailer(t *testing.T) {
	good := writeParquet(t)
	huge := slices.Clone(good)
	huge[len(huge)-5] = 0x7f // the footer length's high byte
	for name, c := range map[string]struct {
		b    []byte
		want string
	}{
		"footer longer than the file": {huge, "not a Parquet file: the trailer claims a footer of 21"},
		"no magic at the end":         {good[:len(good)-1], `not a Parquet file: no "PAR1" at the end`},
		"too short":                   {good[:11], "not a Parquet file: 11 bytes, too short for Parquet"},
	} {
		_, errs := readParquet(t, c.b)
		if errs[0] == nil || !strings.Contains(errs[0].Error(), c.want) {
			t.Errorf("%s: got %v, want %q", name, errs[0], c.want)
		}
	}
}

// Page headers that claim more than their chunk holds are rejected before
// parquet-go allocates what they claim (2.9 GB for the compressed size,
// 17 GB for the number of values of a byte-array page).
func TestParquetPageHeaders(t *testing.T) {
	corrupt, err := os.ReadFile("testdata/corrupt-page.parquet")
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		b    []byte
		want string
	}{
		"compressed size": {withPageHeader(t, writeParquet(t), func(h *format.PageHeader) { h.CompressedPageSize = 1<<31 - 1 }),
			"column account: page at byte 4: claims 2147483647 bytes, "},
		"values": {withPageHeader(t, writeParquet(t), func(h *format.PageHeader) { h.DataPageHeaderV2.V.NumValues = 1<<31 - 1 }),
			"column account: page at byte 4: claims 2147483647 values, the chunk has 40 left"},
		"a chunk running into the next": {corrupt,
			"column product.key_value.value: page at byte 3082: claims 3 values, the chunk has 0 left"},
	} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, errs := readParquet(t, c.b)
		runtime.ReadMemStats(&after)
		for k, err := range errs {
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: reader %d: got %v, want %q", name, k, err, c.want)
			}
		}
		if mb := (after.TotalAlloc - before.TotalAlloc) >> 20; mb > 64 {
			t.Errorf("%s: allocated %d MiB reading a %d-byte file", name, mb, len(c.b))
		}
	}
}

// Page headers whose claims are consistent with their chunk's metadata but
// not with the file are rejected too: an uncompressed size parquet-go
// allocates before decompressing (2.5 GiB for a 291-byte file), the
// decoded length a Snappy block or ZSTD frame claims (8 GiB and 2 GiB), and a number of values that the chunk's metadata,
// edited along with the page, repeats (73 MiB for a 294-byte file).
func TestParquetPageClaims(t *testing.T) {
	snappy := writeParquet(t, parquet.Compression(&parquet.Snappy))
	zstd := writeParquet(t, parquet.Compression(&parquet.Zstd))
	values := func(b []byte, n int32, rows int64) []byte {
		b = withPageHeader(t, b, func(h *format.PageHeader) { h.DataPageHeaderV2.V.NumValues = n })
		return withFooter(t, b, func(md *format.FileMetaData) {
			md.RowGroups[0].Columns[0].MetaData.NumValues = int64(n)
			if rows > 0 {
				md.RowGroups[0].NumRows, md.NumRows = rows, rows
			}
		})
	}
	for name, c := range map[string]struct {
		b    []byte
		want string
	}{
		"uncompressed size, Snappy": {withPageHeader(t, snappy, func(h *format.PageHeader) { h.UncompressedPageSize = 1 << 30 }),
			"column account: page at byte 4: claims 1073741824 bytes uncompressed, more than the 67108864 a page may have"},
		"uncompressed size, ZSTD": {withPageHeader(t, zstd, func(h *format.PageHeader) { h.UncompressedPageSize = 1 << 30 }),
			"column account: page at byte 4: claims 1073741824 bytes uncompressed, more than the 67108864 a page may have"},
		"uncompressed size past Snappy's ratio": {withPageHeader(t, snappy, func(h *format.PageHeader) { h.UncompressedPageSize = 32 << 20 }),
			"column account: page at byte 4: claims 33554432 bytes uncompressed from 29 compressed, more than SNAPPY expands to"},
		"Snappy block length": {withPageBody(t, snappy, func(body []byte) []byte {
			_, n := binary.Uvarint(body)
			return slices.Concat(binary.AppendUvarint(nil, 1<<32-1), body[n:])
		}), "column account: page at byte 4: its Snappy block claims 4294967295 bytes, the page "},
		"ZSTD frame content size": {withPageBody(t, zstd, func(body []byte) []byte {
			frame := []byte{0x28, 0xb5, 0x2f, 0xfd, 0xc0, 0x50} // 8-byte content size, a window descriptor
			frame = binary.LittleEndian.AppendUint64(frame, 1<<31)
			return append(frame, 1|3<<3, 0, 0, 'a', 'b', 'c') // the last block: 3 raw bytes
		}), "column account: page at byte 4: its ZSTD frame claims 2147483648 bytes, the page "},
		"values, chunk and page": {values(snappy, 1<<24, 0),
			"column account: the chunk claims 16777216 values, its row group has 40 rows"},
		"values, chunk, page and rows": {values(snappy, 1<<25, 1<<25),
			"column account: page at byte 4: claims 33554432 values, more than the 16777216 a page may have"},
	} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, errs := readParquet(t, c.b)
		runtime.ReadMemStats(&after)
		for k, err := range errs {
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "bill.parquet: read row group 0: ") {
				t.Errorf("%s: reader %d: got %v, want %q", name, k, err, c.want)
			}
		}
		if mb := (after.TotalAlloc - before.TotalAlloc) >> 20; mb > 16 {
			t.Errorf("%s: allocated %d MiB reading a %d-byte file", name, mb, len(c.b))
		}
	}
}

// A repeated column may have more values than its row group has rows, and
// a file's real page sizes pass whatever its codec.
func TestParquetPageClaimsAllowRealFiles(t *testing.T) {
	for _, codec := range []compress.Codec{&parquet.Uncompressed, &parquet.Snappy, &parquet.Gzip, &parquet.Zstd, &parquet.Lz4Raw, &parquet.Brotli} {
		rows, errs := readParquet(t, writeParquet(t, parquet.Compression(codec)))
		if errs[0] != nil || errs[1] != nil || len(rows[0]) != 40 {
			t.Errorf("%v: %d rows, %v", codec, len(rows[0]), errs)
		}
	}
}

// withPageBody returns b with the body of the first page of its first
// column chunk replaced by edit's result; the page's header says its new
// length.
func withPageBody(tb testing.TB, b []byte, edit func(body []byte) []byte) []byte {
	tb.Helper()
	off, h, n := firstPage(tb, b)
	body := b[off+n : off+n+int64(h.CompressedPageSize)]
	nb := edit(slices.Clone(body))
	h.CompressedPageSize = int32(len(nb))
	var proto thrift.CompactProtocol
	enc, err := thrift.Marshal(&proto, h)
	if err != nil {
		tb.Fatal(err)
	}
	return spliced(tb, b, off, off+n+int64(len(body)), slices.Concat(enc, nb))
}

// spliced returns b with its bytes from..to, inside its first column chunk,
// replaced by with; the footer's sizes and offsets move with them, so the
// file is valid but for what the new bytes claim.
func spliced(tb testing.TB, b []byte, from, to int64, with []byte) []byte {
	tb.Helper()
	delta := int64(len(with)) - (to - from)
	move := func(off *int64) {
		if *off > from {
			*off += delta
		}
	}
	out := slices.Concat(b[:from], with, b[to:])
	return withFooter(tb, out, func(md *format.FileMetaData) {
		for gi := range md.RowGroups {
			rg := &md.RowGroups[gi]
			move(&rg.FileOffset)
			for ci := range rg.Columns {
				c := &rg.Columns[ci]
				for _, off := range []*int64{&c.FileOffset, &c.OffsetIndexOffset, &c.ColumnIndexOffset,
					&c.MetaData.DataPageOffset, &c.MetaData.IndexPageOffset, &c.MetaData.DictionaryPageOffset, &c.MetaData.BloomFilterOffset} {
					move(off)
				}
			}
		}
		md.RowGroups[0].Columns[0].MetaData.TotalCompressedSize += delta
		md.RowGroups[0].TotalCompressedSize += delta
	})
}

// firstPage decodes the first page header of b's first column chunk: its
// offset, the header and the header's length.
func firstPage(tb testing.TB, b []byte) (int64, *format.PageHeader, int64) {
	tb.Helper()
	f, err := parquet.OpenFile(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		tb.Fatal(err)
	}
	md := f.Metadata().RowGroups[0].Columns[0].MetaData
	off := md.DataPageOffset
	if md.DictionaryPageOffset != 0 {
		off = md.DictionaryPageOffset
	}
	var proto thrift.CompactProtocol
	r := proto.NewReaderFromBytes(b[off:])
	var h format.PageHeader
	if err := thrift.NewDecoder(r).Decode(&h); err != nil {
		tb.Fatal(err)
	}
	if !h.DataPageHeaderV2.Valid {
		tb.Fatalf("the first page is a %v, want a data page v2", h.Type)
	}
	h.CRC = 0
	return off, &h, int64(r.BytesRead())
}

// withPageHeader returns b with the first page header of its first column
// chunk edited (and its checksum dropped).
func withPageHeader(tb testing.TB, b []byte, edit func(*format.PageHeader)) []byte {
	tb.Helper()
	off, h, n := firstPage(tb, b)
	edit(h)
	var proto thrift.CompactProtocol
	enc, err := thrift.Marshal(&proto, h)
	if err != nil {
		tb.Fatal(err)
	}
	return spliced(tb, b, off, off+n, enc)
}

// A file whose schema has no columns is an error: for it parquet-go read
// no rows and no end of them, and EachRow asked again forever (this 47-byte
// file claims 2⁴⁰ rows, and EachRowOf called fn for each).
func TestParquetNoColumns(t *testing.T) {
	md := format.FileMetaData{Version: 1, Schema: []format.SchemaElement{{Name: "root"}},
		NumRows: 1 << 40, RowGroups: []format.RowGroup{{NumRows: 1 << 40}}}
	var proto thrift.CompactProtocol
	enc, err := thrift.Marshal(&proto, &md)
	if err != nil {
		t.Fatal(err)
	}
	b := slices.Concat([]byte("PAR1"), enc, binary.LittleEndian.AppendUint32(nil, uint32(len(enc))), []byte("PAR1"))
	p := filepath.Join(t.TempDir(), "bill.parquet")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	in, err := ingest.OpenInput(p, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	// Not readParquet: with the file open, it would not return.
	_, err = ingest.OpenParquet(in)
	if want := "bill.parquet: read schema: no columns"; err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("%d-byte file: got %v, want %q", len(b), err, want)
	}
}

// Reading a row group allocates for the rows and values it has, not for
// those the readers' buffers could hold: EachRow asked parquet-go for 256
// rows, and for each row past a column's end parquet-go tries another
// page (a page header allocated, 255 times a column at the end of a row
// group of one row: 42 MiB for this 79 KB file); EachRowOf allocated 512
// values a column chunk (10 MiB).
func TestParquetRowGroupEnds(t *testing.T) {
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	var rows []parquetRow
	for i := range 64 {
		rows = append(rows, parquetRow{Account: "111", Cost: float64(i), Start: start.Add(time.Duration(i) * time.Hour), Day: 20513})
	}
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[parquetRow](&buf, parquet.MaxRowsPerRowGroup(1))
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "bill.parquet")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	in, err := ingest.OpenInput(p, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	pf, err := ingest.OpenParquet(in)
	if err != nil {
		t.Fatal(err)
	}
	var all []int
	for _, c := range pf.Columns() {
		all = append(all, c.Index)
	}
	slices.Sort(all)
	for name, read := range map[string]func(func(int64, parquet.Row) error) error{
		"EachRow":   func(fn func(int64, parquet.Row) error) error { return pf.EachRow(context.Background(), fn) },
		"EachRowOf": func(fn func(int64, parquet.Row) error) error { return pf.EachRowOf(context.Background(), all, fn) },
	} {
		const runs = 4
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range runs {
			var n int64
			if err := read(func(int64, parquet.Row) error { n++; return nil }); err != nil || n != 64 {
				t.Fatalf("%s: %d rows, %v", name, n, err)
			}
		}
		runtime.ReadMemStats(&after)
		if mb := float64(after.TotalAlloc-before.TotalAlloc) / runs / (1 << 20); mb > 6 {
			t.Errorf("%s: %.1f MiB allocated reading a %d-byte file of %d one-row row groups", name, mb, buf.Len(), len(rows))
		}
	}
}

// A leaf column annotated LIST makes parquet-go panic when asked its kind:
// the file is an error naming the column.
func TestParquetCorruptSchema(t *testing.T) {
	b := withFooter(t, writeParquet(t), func(md *format.FileMetaData) {
		for i, e := range md.Schema {
			if e.Name == "account" {
				md.Schema[i].LogicalType = format.LogicalType{Value: &format.ListType{}}
			}
		}
	})
	_, errs := readParquet(t, b)
	want := "bill.parquet: read schema: column account: corrupt Parquet data: "
	if errs[0] == nil || !strings.Contains(errs[0].Error(), want) {
		t.Errorf("got %v, want %q", errs[0], want)
	}
}

// withFooter returns b with its footer's metadata edited.
func withFooter(tb testing.TB, b []byte, edit func(*format.FileMetaData)) []byte {
	tb.Helper()
	n := int(binary.LittleEndian.Uint32(b[len(b)-8:]))
	var md format.FileMetaData
	var proto thrift.CompactProtocol
	if err := thrift.Unmarshal(&proto, b[len(b)-8-n:len(b)-8], &md); err != nil {
		tb.Fatal(err)
	}
	edit(&md)
	enc, err := thrift.Marshal(&proto, &md)
	if err != nil {
		tb.Fatal(err)
	}
	return slices.Concat(b[:len(b)-8-n], enc, binary.LittleEndian.AppendUint32(nil, uint32(len(enc))), []byte("PAR1"))
}
