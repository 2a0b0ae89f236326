package awscur

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/parquet-go/parquet-go"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/ingest"
)

// Parser reads CUR data files: Parquet (CUR 2.0 or legacy), CSV and
// gzipped CSV (legacy "lineItem/…" headers or CUR 2.0 snake_case).
type Parser struct{}

// Parse implements ingest.Parser.
func (Parser) Parse(ctx context.Context, in *ingest.Input, emit ingest.Emit) error {
	return formats.Parse(ctx, in, emit)
}

var formats = ingest.Formats{Stream: map[string]func(context.Context, string, io.Reader, ingest.Emit) error{".csv": ParseCSV}, Parquet: parseParquet}

func checkRequired(file string, present *[nFields]bool, cols *columns, header []string) error {
	var missing []string
	for _, f := range required {
		if !present[f] {
			missing = append(missing, cols[f])
		}
	}
	if len(missing) > 0 {
		return ingest.MissingColumns(file, missing, header, "aws-cur")
	}
	return nil
}

// ParseCSV reads CUR CSV from r; file names it in errors, and errors name
// its columns as its header does.
func ParseCSV(ctx context.Context, file string, r io.Reader, emit ingest.Emit) error {
	var present [nFields]bool
	var colField []field
	tagCols := map[int]string{}
	jsonTags, jsonProduct := -1, -1
	needProduct := false
	cols := new(columns)
	emit = emit.Renamed(cols.focus)
	r2 := &row{file: file, present: &present, names: cols}
	var l tally.CostLine
	header := func(header []string) error {
		*cols = *newColumns(slices.ContainsFunc(header, func(h string) bool { return strings.Contains(h, "/") }))
		colField = make([]field, len(header))
		for i, h := range header {
			colField[i] = -1
			switch {
			case strings.HasPrefix(h, "resourceTags/"):
				tagCols[i] = strings.TrimPrefix(h, "resourceTags/")
			case strings.HasPrefix(h, "resource_tags_"):
				tagCols[i] = strings.TrimPrefix(h, "resource_tags_")
			case h == "resource_tags":
				jsonTags = i
			case h == "product":
				jsonProduct = i
			default:
				if f, ok := byName[snake(h)]; ok {
					colField[i] = f
					present[f], cols[f] = true, h
				}
			}
		}
		needProduct = jsonProduct >= 0 && (!present[fProductName] || !present[fRegionCode] || !present[fInstanceType] || !present[fSku])
		if jsonProduct >= 0 {
			for _, f := range productMapFields {
				present[f] = true
			}
		}
		return checkRequired(file, &present, cols, header)
	}
	return ingest.EachCSV(ctx, file, r, emit, header, func(line int64, rec []string) error {
		r2.reset()
		r2.n = line
		for i, v := range rec {
			if f := colField[i]; f >= 0 {
				r2.s[f] = v
			}
		}
		for i, k := range tagCols {
			if v := rec[i]; v != "" {
				if r2.tags == nil {
					r2.tags = map[string]string{}
				}
				r2.tags[k] = v
			}
		}
		var bad *ingest.LineError
		var err error
		if jsonTags >= 0 {
			if r2.tags, err = jsonMap(rec[jsonTags]); err != nil {
				bad = &ingest.LineError{File: file, Line: line, Column: "resource_tags", Value: rec[jsonTags], Reason: err.Error()}
			}
		}
		if needProduct && bad == nil {
			p, err := jsonMap(rec[jsonProduct])
			if err != nil {
				bad = &ingest.LineError{File: file, Line: line, Column: "product", Value: rec[jsonProduct], Reason: err.Error()}
			}
			for k, v := range p {
				if f, ok := byName["product_"+k]; ok && r2.s[f] == "" {
					r2.s[f] = v
				}
			}
		}
		if bad == nil {
			bad = r2.build(&l)
		}
		if bad != nil {
			return emit(line, nil, bad)
		}
		return emit(line, &l, nil)
	})
}

// productMapFields are the fields a CUR 2.0 product map may carry.
var productMapFields = []field{fProductName, fRegionCode, fRegion, fInstanceType, fSku, fServiceCode, fProductFamily}

// jsonMap reads a map column that a CSV export wrote as a JSON object.
func jsonMap(s string) (map[string]string, error) {
	s = strings.TrimSpace(s)
	if ingest.IsNull(s) || s == "{}" {
		return nil, nil
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, errors.New("not a JSON object of strings")
	}
	return m, nil
}

// parseParquet reads CUR Parquet. Map columns (product, resource_tags) are
// read from their key/value leaves; legacy CUR Parquet's flat
// resource_tags_* columns become tags too.
func parseParquet(ctx context.Context, in *ingest.Input, emit ingest.Emit) error {
	pf, err := ingest.OpenParquet(in)
	if err != nil {
		return err
	}
	var present [nFields]bool
	var cols [nFields]*ingest.Column
	maxIdx := 0
	for _, c := range pf.Columns() {
		if c.Index > maxIdx {
			maxIdx = c.Index
		}
	}
	const (
		kNone = iota
		kField
		kTagKey
		kTagValue
		kProductKey
		kProductValue
		kFlatTag
	)
	kind := make([]uint8, maxIdx+1)
	fieldOf := make([]field, maxIdx+1)
	flatTag := map[int]string{}
	colByIndex := make([]*ingest.Column, maxIdx+1)
	for path, c := range pf.Columns() {
		colByIndex[c.Index] = c
		first, _, _ := strings.Cut(path, ".")
		switch {
		case c.Repeated && first == "resource_tags" && strings.HasSuffix(path, ".key"):
			kind[c.Index] = kTagKey
		case c.Repeated && first == "resource_tags" && strings.HasSuffix(path, ".value"):
			kind[c.Index] = kTagValue
		case c.Repeated && first == "product" && strings.HasSuffix(path, ".key"):
			kind[c.Index] = kProductKey
		case c.Repeated && first == "product" && strings.HasSuffix(path, ".value"):
			kind[c.Index] = kProductValue
		case !c.Repeated && strings.HasPrefix(path, "resource_tags_"):
			kind[c.Index] = kFlatTag
			flatTag[c.Index] = strings.TrimPrefix(path, "resource_tags_")
		case !c.Repeated:
			if f, ok := byName[path]; ok {
				kind[c.Index], fieldOf[c.Index] = kField, f
				present[f], cols[f] = true, c
			}
		}
	}
	hasProductMap := false
	for _, k := range kind {
		if k == kProductKey {
			hasProductMap = true
		}
	}
	if hasProductMap {
		for _, f := range productMapFields {
			present[f] = true
		}
	}
	colNames := newColumns(false) // Parquet columns are CUR 2.0's, legacy CUR's too
	if err := checkRequired(in.Name, &present, colNames, slices.Collect(maps.Keys(pf.Columns()))); err != nil {
		return err
	}
	emit = emit.Renamed(colNames.focus)
	r := &row{file: in.Name, present: &present, cols: &cols, names: colNames}
	var l tally.CostLine
	var tagKeys, tagValues, prodKeys, prodValues []string
	var needed []int
	for ci, k := range kind {
		if k != kNone {
			needed = append(needed, ci)
		}
	}
	return pf.EachRowOf(ctx, needed, func(n int64, pr parquet.Row) error {
		r.reset()
		r.n = n
		tagKeys, tagValues, prodKeys, prodValues = tagKeys[:0], tagValues[:0], prodKeys[:0], prodValues[:0]
		for _, v := range pr {
			ci := v.Column()
			switch kind[ci] {
			case kField:
				f := fieldOf[ci]
				r.v[f], r.typed[f] = v, !v.IsNull()
			case kTagKey:
				if !v.IsNull() {
					tagKeys = append(tagKeys, string(v.ByteArray()))
				}
			case kTagValue:
				if !v.IsNull() {
					tagValues = append(tagValues, string(v.ByteArray()))
				} else if len(tagValues) < len(tagKeys) {
					tagValues = append(tagValues, "")
				}
			case kProductKey:
				if !v.IsNull() {
					prodKeys = append(prodKeys, string(v.ByteArray()))
				}
			case kProductValue:
				if !v.IsNull() {
					prodValues = append(prodValues, string(v.ByteArray()))
				} else if len(prodValues) < len(prodKeys) {
					prodValues = append(prodValues, "")
				}
			case kFlatTag:
				if !v.IsNull() {
					if s := colByIndex[ci].String(v); s != "" {
						if r.tags == nil {
							r.tags = map[string]string{}
						}
						r.tags[flatTag[ci]] = s
					}
				}
			}
		}
		if len(tagKeys) > 0 {
			if len(tagKeys) != len(tagValues) {
				return emit(n, nil, &ingest.LineError{File: in.Name, Line: n, Column: "resource_tags", Reason: "map keys and values differ in number"})
			}
			if r.tags == nil {
				r.tags = make(map[string]string, len(tagKeys))
			}
			for i, k := range tagKeys {
				r.tags[k] = tagValues[i]
			}
		}
		if len(prodKeys) == len(prodValues) {
			for i, k := range prodKeys {
				if f, ok := byName["product_"+k]; ok && !r.typed[f] && r.s[f] == "" {
					r.s[f] = prodValues[i]
				}
			}
		}
		if bad := r.build(&l); bad != nil {
			return emit(n, nil, bad)
		}
		return emit(n, &l, nil)
	})
}
