package focus

import (
	"context"
	"io"
	"strings"

	"github.com/parquet-go/parquet-go"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/ingest"
)

// Parser reads FOCUS files: .csv, .csv.gz and .parquet.
type Parser struct{}

// Parse implements ingest.Parser.
func (Parser) Parse(ctx context.Context, in *ingest.Input, emit ingest.Emit) error {
	return formats.Parse(ctx, in, emit)
}

var formats = ingest.Formats{Stream: map[string]func(context.Context, string, io.Reader, ingest.Emit) error{".csv": ParseCSV}, Parquet: parseParquet}

// ParseCSV reads FOCUS CSV from r; file names it in errors.
func ParseCSV(ctx context.Context, file string, r io.Reader, emit ingest.Emit) error {
	var m *mapping
	var l tally.CostLine
	return ingest.EachCSV(ctx, file, r, emit, func(header []string) (err error) {
		m, err = newMapping(file, header)
		return err
	}, func(line int64, rec []string) error {
		if bad := m.line(file, line, rec, &l); bad != nil {
			return emit(line, nil, bad)
		}
		return emit(line, &l, nil)
	})
}

// parseParquet reads FOCUS Parquet: flat columns as in CSV, Tags either a
// JSON string or a map<string,string>.
func parseParquet(ctx context.Context, in *ingest.Input, emit ingest.Emit) error {
	pf, err := ingest.OpenParquet(in)
	if err != nil {
		return err
	}
	cols := pf.Columns()
	var header []string
	byIndex := map[int]int{} // parquet column index → record position
	var conv []*ingest.Column
	var tagKey, tagValue = -1, -1
	for path, c := range cols {
		if c.Repeated {
			if strings.HasPrefix(path, "Tags.") {
				if strings.HasSuffix(path, ".key") {
					tagKey = c.Index
				} else if strings.HasSuffix(path, ".value") {
					tagValue = c.Index
				}
			}
			continue
		}
		byIndex[c.Index] = len(header)
		header = append(header, path)
		conv = append(conv, c)
	}
	m, err := newMapping(in.Name, header)
	if err != nil {
		return err
	}
	rec := make([]string, len(header))
	var l tally.CostLine
	return pf.EachRow(ctx, func(n int64, row parquet.Row) error {
		for i := range rec {
			rec[i] = ""
		}
		var keys, values []string
		for _, v := range row {
			ci := v.Column()
			if pos, ok := byIndex[ci]; ok {
				rec[pos] = conv[pos].String(v)
			} else if ci == tagKey && !v.IsNull() {
				keys = append(keys, string(v.ByteArray()))
			} else if ci == tagValue && !v.IsNull() {
				values = append(values, string(v.ByteArray()))
			} else if ci == tagValue && len(values) < len(keys) { // a tag without a value
				values = append(values, "")
			}
		}
		if bad := m.line(in.Name, n, rec, &l); bad != nil {
			return emit(n, nil, bad)
		}
		if len(keys) > 0 && len(keys) == len(values) {
			l.Tags = make(map[string]string, len(keys))
			for i, k := range keys {
				l.Tags[k] = values[i]
			}
		}
		return emit(n, &l, nil)
	})
}
