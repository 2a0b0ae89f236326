package ingest

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/format"

	"github.com/tallyhq/tally"
)

// ParquetFile is a Parquet input read row by row with bounded memory (a
// page per column at a time), whatever its row group sizes.
type ParquetFile struct {
	name string
	in   io.ReaderAt
	size int64
	f    *parquet.File
	cols map[string]*Column
}

// OpenParquet opens in as Parquet.
func OpenParquet(in *Input) (*ParquetFile, error) {
	if err := checkTrailer(in, in.Size); err != nil {
		return nil, FileError(in.Name, fmt.Errorf("not a Parquet file: %w", err))
	}
	f, err := decoded(func() (*parquet.File, error) {
		return parquet.OpenFile(in, in.Size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true), parquet.ReadBufferSize(64<<10))
	})
	if err != nil {
		return nil, FileError(in.Name, fmt.Errorf("not a Parquet file: %w", err))
	}
	cols, err := columnsOf(f.Schema())
	if err != nil {
		return nil, FileError(in.Name, fmt.Errorf("read schema: %w", err))
	}
	if len(cols) == 0 { // no values to read, whatever number of rows it claims
		return nil, FileError(in.Name, errors.New("read schema: no columns"))
	}
	return &ParquetFile{name: in.Name, in: in, size: in.Size, f: f, cols: cols}, nil
}

// checkTrailer checks a Parquet file's last 8 bytes (the footer's length,
// then "PAR1") before parquet-go reads the footer: it allocates whatever
// length the trailer claims, 2 GiB for a corrupt 3 KB file.
func checkTrailer(r io.ReaderAt, size int64) error {
	const magic, least = "PAR1", 12 // magic, footer length, magic
	if size < least {
		return fmt.Errorf("%d bytes, too short for Parquet", size)
	}
	var b [8]byte
	if _, err := r.ReadAt(b[:], size-8); err != nil {
		return fmt.Errorf("read trailer: %w", err)
	}
	if string(b[4:]) != magic {
		return fmt.Errorf("no %q at the end", magic)
	}
	if n := int64(binary.LittleEndian.Uint32(b[:4])); n > size-least {
		return fmt.Errorf("the trailer claims a footer of %d bytes in a file of %d", n, size)
	}
	return nil
}

// Column is a leaf column of a Parquet schema, with what is needed to
// convert its values.
type Column struct {
	Path     string // dotted path, e.g. "line_item_unblended_cost" or "product.key_value.key"
	Index    int
	Repeated bool
	kind     parquet.Kind
	scale    int32         // DECIMAL scale
	decimal  bool          //
	unit     time.Duration // TIMESTAMP unit; 0 if not a timestamp
	date     bool          // DATE (days since epoch)
}

// Columns lists the file's leaf columns by dotted path.
func (p *ParquetFile) Columns() map[string]*Column { return p.cols }

// columnsOf reads the leaf columns of schema s. parquet-go panics on some
// corrupt schemas (a leaf annotated LIST has no kind): that is an error
// naming the column.
func columnsOf(s *parquet.Schema) (map[string]*Column, error) {
	cols := map[string]*Column{}
	for _, path := range s.Columns() {
		leaf, ok := s.Lookup(path...)
		if !ok {
			continue
		}
		c, err := decoded(func() (*Column, error) { return columnOf(path, leaf), nil })
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", strings.Join(path, "."), err)
		}
		cols[c.Path] = c
	}
	return cols, nil
}

// columnOf describes one leaf column.
func columnOf(path []string, leaf parquet.LeafColumn) *Column {
	c := &Column{Path: strings.Join(path, "."), Index: leaf.ColumnIndex, Repeated: leaf.MaxRepetitionLevel > 0}
	t := leaf.Node.Type()
	c.kind = t.Kind()
	if lt := t.LogicalType(); lt != nil && lt.Value != nil {
		switch v := lt.Value.(type) {
		case *format.TimestampType:
			if v.Unit.Value != nil {
				c.unit = v.Unit.Value.Duration()
			}
		case *format.DecimalType:
			c.decimal, c.scale = true, v.Scale
		case *format.DateType:
			c.date = true
		}
	} else if ct := t.ConvertedType(); ct != nil {
		switch *ct {
		case deprecated.TimestampMillis:
			c.unit = time.Millisecond
		case deprecated.TimestampMicros:
			c.unit = time.Microsecond
		case deprecated.Decimal:
			c.decimal = true
			if se := leafScale(leaf.Node); se >= 0 {
				c.scale = se
			}
		case deprecated.Date:
			c.date = true
		}
	}
	return c
}

// leafScale digs the legacy DECIMAL scale out of a node, or -1.
func leafScale(n parquet.Node) int32 {
	if lt := n.Type().LogicalType(); lt != nil {
		if d, ok := lt.Value.(*format.DecimalType); ok {
			return d.Scale
		}
	}
	return -1
}

// NumRows is the number of rows in the file.
func (p *ParquetFile) NumRows() int64 { return p.f.NumRows() }

// EachRow calls fn with every row (1-based row number and the row's values,
// ordered by column index; repeated columns have several). The row's memory
// is reused after fn returns.
func (p *ParquetFile) EachRow(ctx context.Context, fn func(n int64, row parquet.Row) error) error {
	buf := make([]parquet.Row, 256)
	var n int64
	for gi, rg := range p.f.RowGroups() {
		if err := p.checkChunks(gi, nil); err != nil {
			return err
		}
		rows := rg.Rows()
		left := rg.NumRows()
		for {
			if err := ctx.Err(); err != nil {
				rows.Close()
				return err
			}
			// No more rows than the row group has left, one to see its end:
			// for every row asked past a column's end parquet-go tries to
			// read another page (255 page headers a column at the end of a
			// row group of one row).
			want := buf[:min(max(left, 1), int64(len(buf)))]
			k, err := decoded(func() (int, error) { return rows.ReadRows(want) })
			left -= int64(k)
			if k == 0 && err == nil {
				err = io.ErrNoProgress
			}
			for i := 0; i < k; i++ {
				n++
				if ferr := fn(n, buf[i]); ferr != nil {
					rows.Close()
					return ferr
				}
			}
			if err != nil {
				rows.Close()
				if errors.Is(err, io.EOF) {
					break
				}
				return FileError(p.name, fmt.Errorf("read row group %d: %w", gi, err))
			}
		}
	}
	return nil
}

// String converts a value to text: strings as they are, numbers in their
// shortest decimal form, timestamps as RFC 3339. A null is "".
func (c *Column) String(v parquet.Value) string {
	if v.IsNull() {
		return ""
	}
	switch {
	case c.unit != 0 || c.kind == parquet.Int96:
		t, _ := c.Time(v)
		return t.Format(time.RFC3339Nano)
	case c.decimal:
		return c.decimalString(v)
	case c.date:
		return time.Unix(int64(v.Int32())*86400, 0).UTC().Format(time.DateOnly)
	}
	switch c.kind {
	case parquet.ByteArray, parquet.FixedLenByteArray:
		return string(v.ByteArray())
	case parquet.Double:
		return strconv.FormatFloat(v.Double(), 'g', -1, 64)
	case parquet.Float:
		return strconv.FormatFloat(float64(v.Float()), 'g', -1, 32)
	case parquet.Int32:
		return strconv.FormatInt(int64(v.Int32()), 10)
	case parquet.Int64:
		return strconv.FormatInt(v.Int64(), 10)
	case parquet.Boolean:
		return strconv.FormatBool(v.Boolean())
	}
	return v.String()
}

func (c *Column) decimalString(v parquet.Value) string {
	var digits string
	switch c.kind {
	case parquet.Int32:
		digits = strconv.FormatInt(int64(v.Int32()), 10)
	case parquet.Int64:
		digits = strconv.FormatInt(v.Int64(), 10)
	default: // big-endian two's complement
		b := v.ByteArray()
		z := new(big.Int).SetBytes(b)
		if len(b) > 0 && b[0]&0x80 != 0 {
			z.Sub(z, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
		}
		digits = z.String()
	}
	if c.scale <= 0 {
		return digits
	}
	neg := strings.HasPrefix(digits, "-")
	digits = strings.TrimPrefix(digits, "-")
	for len(digits) <= int(c.scale) {
		digits = "0" + digits
	}
	s := digits[:len(digits)-int(c.scale)] + "." + digits[len(digits)-int(c.scale):]
	if neg {
		s = "-" + s
	}
	return s
}

// Money converts a cost value (DOUBLE, FLOAT, DECIMAL, integer or decimal
// text) exactly; a null is zero. A value beyond MaxLineCost is an error.
func (c *Column) Money(v parquet.Value, cur tally.Currency) (tally.Money, error) {
	if v.IsNull() {
		return tally.Zero(cur), nil
	}
	if !c.decimal {
		switch c.kind {
		case parquet.Double:
			return MoneyFloat(v.Double(), cur)
		case parquet.Float:
			if f := float64(v.Float()); math.IsNaN(f) || math.IsInf(f, 0) {
				return tally.Money{}, errNotFinite
			}
		}
	}
	return Money(c.String(v), cur) // a FLOAT's shortest float32 decimal
}

// Float converts a quantity value; a null is zero.
func (c *Column) Float(v parquet.Value) (float64, error) {
	if v.IsNull() {
		return 0, nil
	}
	switch {
	case c.decimal:
		return Float(c.decimalString(v))
	case c.kind == parquet.Double:
		f := v.Double()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return 0, fmt.Errorf("not a finite number")
		}
		return f, nil
	case c.kind == parquet.Float:
		return float64(v.Float()), nil
	case c.kind == parquet.Int32:
		return float64(v.Int32()), nil
	case c.kind == parquet.Int64:
		return float64(v.Int64()), nil
	}
	return Float(c.String(v))
}

// Time converts a timestamp value (INT64 TIMESTAMP in ms/us/ns, INT96,
// DATE, or text); a null is the zero time.
func (c *Column) Time(v parquet.Value) (time.Time, error) {
	if v.IsNull() {
		return time.Time{}, nil
	}
	switch {
	case c.kind == parquet.Int96:
		i := v.Int96()
		nanos := int64(uint64(i[1])<<32 | uint64(i[0]))
		day := int64(i[2])
		return time.Unix((day-2440588)*86400, nanos).UTC(), nil
	case c.unit != 0 && c.kind == parquet.Int64:
		n := v.Int64()
		switch c.unit {
		case time.Millisecond:
			return time.UnixMilli(n).UTC(), nil
		case time.Microsecond:
			return time.UnixMicro(n).UTC(), nil
		}
		return time.Unix(0, n).UTC(), nil
	case c.date:
		return time.Unix(int64(v.Int32())*86400, 0).UTC(), nil
	case c.kind == parquet.ByteArray:
		return Time(string(v.ByteArray()))
	}
	return time.Time{}, fmt.Errorf("not a timestamp column (%v)", c.kind)
}

// Interner turns repeated byte strings (account ids, regions, line item
// types, dictionary-encoded columns) into shared Go strings, so that
// millions of rows do not allocate a copy of each. It caches at most max
// distinct values; past that it allocates like string(b).
type Interner struct {
	m   map[string]string
	max int
}

// NewInterner returns an Interner caching up to max values.
func NewInterner(max int) *Interner { return &Interner{m: make(map[string]string), max: max} }

// String returns b as a string, shared with earlier equal values.
func (in *Interner) String(b []byte) string {
	if s, ok := in.m[string(b)]; ok { // no allocation for the lookup
		return s
	}
	s := string(b)
	if len(in.m) < in.max {
		in.m[s] = s
	}
	return s
}

// StringOf is String for a value of this column: byte arrays are interned,
// other kinds are converted as Column.String does.
func (c *Column) StringOf(v parquet.Value, in *Interner) string {
	if !v.IsNull() && c.unit == 0 && !c.decimal && !c.date && (c.kind == parquet.ByteArray || c.kind == parquet.FixedLenByteArray) {
		return in.String(v.ByteArray())
	}
	return c.String(v)
}

// colCursor reads one column chunk's values page by page.
type colCursor struct {
	col   string // the column's dotted path, for errors
	pages parquet.Pages
	vals  parquet.ValueReader
	page  parquet.Page
	buf   []parquet.Value
	i, n  int
}

// fill makes at least one value available; false at the end of the chunk.
func (c *colCursor) fill() (bool, error) {
	for c.i >= c.n {
		if c.vals != nil {
			n, err := decoded(func() (int, error) { return c.vals.ReadValues(c.buf[:cap(c.buf)]) })
			c.buf, c.i, c.n = c.buf[:n], 0, n
			if n > 0 {
				return true, nil
			}
			if err != nil && !errors.Is(err, io.EOF) {
				return false, fmt.Errorf("column %s: %w", c.col, err)
			}
			// Not parquet.Release: values of this page may still sit in the
			// row being assembled; the page's memory must not be reused.
			c.vals, c.page = nil, nil
			continue
		}
		p, err := decoded(c.pages.ReadPage)
		if errors.Is(err, io.EOF) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("column %s: %w", c.col, err)
		}
		c.page, c.vals = p, p.Values()
	}
	return true, nil
}

// checkChunks checks the page headers of row group gi's column chunks at
// indexes cols (all of them if cols is nil) before parquet-go reads them.
func (p *ParquetFile) checkChunks(gi int, cols []int) error {
	rg := &p.f.Metadata().RowGroups[gi]
	chunks := rg.Columns
	if cols == nil {
		cols = make([]int, len(chunks))
		for i := range cols {
			cols[i] = i
		}
	}
	paths := p.f.Schema().Columns()
	for _, ci := range cols {
		if ci >= len(chunks) || ci >= len(paths) {
			return FileError(p.name, fmt.Errorf("read row group %d: %d column chunks for %d columns", gi, len(chunks), len(paths)))
		}
		path := strings.Join(paths[ci], ".")
		repeated := p.cols[path] == nil || p.cols[path].Repeated
		if err := checkChunk(p.in, p.size, &chunks[ci].MetaData, rg.NumRows, repeated); err != nil {
			return FileError(p.name, fmt.Errorf("read row group %d: column %s: %w", gi, path, err))
		}
	}
	return nil
}

// decoded calls read, a parquet-go call that decodes the file's bytes, and
// returns a panic in it as ErrCorruptParquet. parquet-go trusts some of a
// file's metadata (FuzzParseParquet found a data page whose level lengths
// make it dereference nil), and a corrupt bill must fail with its file's
// name, not take the process down with it. A panic with parquet-go's own
// message is said after ErrCorruptParquet; a Go runtime error ("invalid
// memory address or nil pointer dereference") says nothing of the file
// and is only wrapped (see corruptError).
func decoded[T any](read func() (T, error)) (v T, err error) {
	defer func() {
		r := recover()
		switch re, _ := r.(runtime.Error); {
		case re != nil:
			err = &corruptError{cause: re}
		case r != nil:
			err = fmt.Errorf("%w: %v", ErrCorruptParquet, r)
		}
	}()
	return read()
}

// corruptError is ErrCorruptParquet caused by a Go runtime error in
// parquet-go. Its message is ErrCorruptParquet's; errors.As finds the
// runtime error, for debugging.
type corruptError struct{ cause runtime.Error }

func (e *corruptError) Error() string   { return ErrCorruptParquet.Error() }
func (e *corruptError) Unwrap() []error { return []error{ErrCorruptParquet, e.cause} }

// EachRowOf is EachRow reading only the columns at indexes cols: the
// others are never decoded, which matters for wide files (CUR 2.0 has
// over a hundred columns).
func (p *ParquetFile) EachRowOf(ctx context.Context, cols []int, fn func(n int64, row parquet.Row) error) error {
	var n int64
	row := make(parquet.Row, 0, 2*len(cols))
	paths := p.f.Schema().Columns()
	for gi, rg := range p.f.RowGroups() {
		if err := p.checkChunks(gi, cols); err != nil {
			return err
		}
		chunks := rg.ColumnChunks()
		cursors := make([]*colCursor, len(cols))
		closeAll := func() {
			for _, c := range cursors {
				if c != nil {
					c.pages.Close()
				}
			}
		}
		for i, ci := range cols {
			// A page's values at a time, up to 512: no more than the chunk
			// has (checkChunks checked its pages hold no more).
			size := min(max(p.f.Metadata().RowGroups[gi].Columns[ci].MetaData.NumValues, 1), 512)
			cursors[i] = &colCursor{col: strings.Join(paths[ci], "."), pages: chunks[ci].Pages(), buf: make([]parquet.Value, 0, size)}
		}
		bad := func(err error) error {
			closeAll()
			return FileError(p.name, fmt.Errorf("read row group %d, row %d: %w", gi, n+1, err))
		}
		for r := int64(0); r < rg.NumRows(); r++ {
			if r&1023 == 0 && ctx.Err() != nil {
				closeAll()
				return ctx.Err()
			}
			row = row[:0]
			for _, c := range cursors {
				ok, err := c.fill()
				if err != nil {
					return bad(err)
				}
				if !ok {
					return bad(fmt.Errorf("column %s ends before row %d", c.col, r))
				}
				row = append(row, c.buf[c.i])
				c.i++
				for { // the rest of a repeated column's values for this row
					ok, err := c.fill()
					if err != nil {
						return bad(err)
					}
					if !ok || c.buf[c.i].RepetitionLevel() == 0 {
						break
					}
					row = append(row, c.buf[c.i])
					c.i++
				}
			}
			n++
			if err := fn(n, row); err != nil {
				closeAll()
				return err
			}
		}
		closeAll()
	}
	return nil
}
