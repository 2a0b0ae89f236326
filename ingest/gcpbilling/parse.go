package gcpbilling

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/parquet-go/parquet-go"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/ingest"
)

// Parser reads GCP billing export files: .json/.ndjson/.jsonl, .csv and
// .parquet, each optionally gzipped (Parquet is not).
type Parser struct{}

// Parse implements ingest.Parser.
func (Parser) Parse(ctx context.Context, in *ingest.Input, emit ingest.Emit) error {
	return formats.Parse(ctx, in, emit.Renamed(exportColumn))
}

// exportColumns are the export's fields of the FOCUS columns a run's own
// checks of a line name (see ingest.Emit.Renamed).
var exportColumns = map[string]string{"BillingAccountId": "billing_account_id", "BillingCurrency": "currency",
	"BillingPeriodStart": "invoice.month", "ChargePeriodStart": "usage_start_time"}

func exportColumn(focus string) string { return exportColumns[focus] }

var formats = ingest.Formats{Stream: map[string]func(context.Context, string, io.Reader, ingest.Emit) error{
	".csv": ParseCSV, ".json": ParseNDJSON, ".ndjson": ParseNDJSON, ".jsonl": ParseNDJSON}, Parquet: parseParquet}

// ParseForAmortizer implements ingest.FirstReader: of a JSON export it
// reads only the lines that may be commitment fees or usage a commitment
// covered (see mayAmortize), most of the first reading's time being the
// decoding of the others.
func (Parser) ParseForAmortizer(ctx context.Context, in *ingest.Input, emit ingest.Emit) error {
	return amortizerFormats.Parse(ctx, in, emit.Renamed(exportColumn))
}

var amortizerFormats = ingest.Formats{Stream: map[string]func(context.Context, string, io.Reader, ingest.Emit) error{
	".csv": ParseCSV, ".json": parseAmortizerNDJSON, ".ndjson": parseAmortizerNDJSON, ".jsonl": parseAmortizerNDJSON}, Parquet: parseParquet}

func parseAmortizerNDJSON(ctx context.Context, file string, r io.Reader, emit ingest.Emit) error {
	return parseNDJSON(ctx, file, r, emit, mayAmortize)
}

// ParseNDJSON reads newline-delimited JSON, one export row per line.
func ParseNDJSON(ctx context.Context, file string, r io.Reader, emit ingest.Emit) error {
	return parseNDJSON(ctx, file, r, emit, nil)
}

// parseNDJSON reads newline-delimited JSON: the lines keep (when not nil)
// keeps, the others only counted.
func parseNDJSON(ctx context.Context, file string, r io.Reader, emit ingest.Emit, keep func(line []byte) bool) error {
	// Export rows are a few kilobytes; a longer line is gathered below, up
	// to ingest.MaxRecordBytes. A larger buffer costs every file: 1 MiB
	// was most of the time parsing a small one took.
	br := bufio.NewReaderSize(r, 64<<10)
	ingest.SkipBOM(br)
	var l tally.CostLine
	var n int64
	for {
		if n&1023 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		b, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) { // a line longer than the buffer
			var long []byte
			long = append(long, b...)
			for errors.Is(err, bufio.ErrBufferFull) {
				b, err = br.ReadSlice('\n')
				long = append(long, b...)
				if len(long) > ingest.MaxRecordBytes {
					return &ingest.LineError{File: file, Line: n + 1, Reason: fmt.Sprintf("line longer than %d MiB", ingest.MaxRecordBytes>>20)}
				}
			}
			b = long
		}
		if len(b) == 0 && errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil && !errors.Is(err, io.EOF) { // the input failed: say how far it was read
			return &ingest.LineError{File: file, Line: n + 1, Reason: err.Error(), Err: err}
		}
		n++
		if t := bytes.TrimSpace(b); len(t) > 0 && (keep == nil || keep(t)) {
			var row Row
			if jerr := decodeRow(t, &row); jerr != nil {
				if e := emit(n, nil, jsonError(file, n, t, jerr)); e != nil {
					return e
				}
			} else if bad := row.build(file, n, &l); bad != nil {
				if e := emit(n, nil, bad); e != nil {
					return e
				}
			} else if e := emit(n, &l, nil); e != nil {
				return e
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
	}
}

// jsonError describes the error err of decoding line n, b, as a Row: the
// field and value of a value of the wrong type, the byte of a syntax error.
func jsonError(file string, n int64, b []byte, err error) *ingest.LineError {
	le := &ingest.LineError{File: file, Line: n}
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		le.Column = te.Field
		var fields map[string]json.RawMessage
		if json.Unmarshal(b, &fields) == nil {
			top, _, _ := strings.Cut(te.Field, ".")
			v := fields[top]
			var s string
			if json.Unmarshal(v, &s) == nil {
				v = []byte(s)
			}
			le.Value = string(v)
		}
		want := map[reflect.Kind]string{reflect.String: "text", reflect.Slice: "an array", reflect.Struct: "an object"}[te.Type.Kind()]
		if te.Type == reflect.TypeFor[Number]() {
			want = "a number"
		}
		if want == "" {
			want = te.Type.String()
		}
		le.Reason = fmt.Sprintf("a JSON %s, want %s", te.Value, want)
	case errors.As(err, &se):
		le.Reason = fmt.Sprintf("not JSON: %v at byte %d", strings.TrimPrefix(se.Error(), "json: "), se.Offset)
	default:
		le.Reason = "not a JSON export row: " + strings.TrimPrefix(err.Error(), "json: ")
	}
	return le
}

// setters fill a Row from a flattened column (nested names joined by "_").
var setters = map[string]func(r *Row, v string) error{
	"billing_account_id":            func(r *Row, v string) error { r.BillingAccountID = v; return nil },
	"service_id":                    func(r *Row, v string) error { r.Service.ID = v; return nil },
	"service_description":           func(r *Row, v string) error { r.Service.Description = v; return nil },
	"sku_id":                        func(r *Row, v string) error { r.Sku.ID = v; return nil },
	"sku_description":               func(r *Row, v string) error { r.Sku.Description = v; return nil },
	"usage_start_time":              func(r *Row, v string) error { r.UsageStartTime = v; return nil },
	"usage_end_time":                func(r *Row, v string) error { r.UsageEndTime = v; return nil },
	"project_id":                    func(r *Row, v string) error { r.Project.ID = v; return nil },
	"project_number":                func(r *Row, v string) error { r.Project.Number = v; return nil },
	"project_name":                  func(r *Row, v string) error { r.Project.Name = v; return nil },
	"location_location":             func(r *Row, v string) error { r.Location.Location = v; return nil },
	"location_country":              func(r *Row, v string) error { r.Location.Country = v; return nil },
	"location_region":               func(r *Row, v string) error { r.Location.Region = v; return nil },
	"location_zone":                 func(r *Row, v string) error { r.Location.Zone = v; return nil },
	"resource_name":                 func(r *Row, v string) error { r.Resource.Name = v; return nil },
	"resource_global_name":          func(r *Row, v string) error { r.Resource.GlobalName = v; return nil },
	"cost":                          func(r *Row, v string) error { r.Cost = Number(v); return nil },
	"currency":                      func(r *Row, v string) error { r.Currency = v; return nil },
	"usage_amount":                  func(r *Row, v string) error { r.Usage.Amount = Number(v); return nil },
	"usage_unit":                    func(r *Row, v string) error { r.Usage.Unit = v; return nil },
	"usage_amount_in_pricing_units": func(r *Row, v string) error { r.Usage.AmountInPricingUnits = Number(v); return nil },
	"usage_pricing_unit":            func(r *Row, v string) error { r.Usage.PricingUnit = v; return nil },
	"invoice_month":                 func(r *Row, v string) error { r.Invoice.Month = v; return nil },
	"cost_type":                     func(r *Row, v string) error { r.CostType = v; return nil },
	"cost_at_list":                  func(r *Row, v string) error { r.CostAtList = Number(v); return nil },
	"consumption_model_id":          func(r *Row, v string) error { r.ConsumptionModel.ID = v; return nil },
	"consumption_model_description": func(r *Row, v string) error { r.ConsumptionModel.Description = v; return nil },
	"subscription_instance_id":      func(r *Row, v string) error { r.Subscription.InstanceID = v; return nil },
	"labels": func(r *Row, v string) (err error) {
		r.Labels, err = parseLabels(v)
		return err
	},
	"credits": func(r *Row, v string) error {
		v = strings.TrimSpace(v)
		if ingest.IsNull(v) || v == "[]" {
			return nil
		}
		if err := json.Unmarshal([]byte(v), &r.Credits); err != nil {
			return errors.New("not a JSON array of credits")
		}
		return nil
	},
}

func normalize(col string) string {
	return strings.ToLower(strings.ReplaceAll(strings.TrimSpace(col), ".", "_"))
}

var requiredCols = []string{"billing_account_id", "usage_start_time", "cost", "currency"}

func checkRequired(file string, have map[string]bool, header []string) error {
	var missing []string
	for _, c := range requiredCols {
		if !have[c] {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return ingest.MissingColumns(file, missing, header, "gcp-billing")
	}
	return nil
}

// ParseCSV reads a CSV export: nested fields flattened (service.description
// or service_description), credits and labels as JSON text.
func ParseCSV(ctx context.Context, file string, r io.Reader, emit ingest.Emit) error {
	var cols, header []string
	var l tally.CostLine
	return ingest.EachCSV(ctx, file, r, emit, func(h []string) error {
		header = h
		cols = make([]string, len(h))
		have := map[string]bool{}
		for i, c := range h {
			cols[i] = normalize(c)
			have[cols[i]] = true
		}
		return checkRequired(file, have, h)
	}, func(line int64, rec []string) error {
		var row Row
		for i, v := range rec {
			if set := setters[cols[i]]; set != nil {
				if err := set(&row, ingest.Str(v)); err != nil {
					return emit(line, nil, &ingest.LineError{File: file, Line: line, Column: header[i], Value: v, Reason: err.Error()})
				}
			}
		}
		if bad := row.build(file, line, &l); bad != nil {
			return emit(line, nil, bad)
		}
		return emit(line, &l, nil)
	})
}

// parseParquet reads a Parquet export: nested structs as dotted leaf paths;
// credits and labels as repeated groups (any list encoding).
func parseParquet(ctx context.Context, in *ingest.Input, emit ingest.Emit) error {
	pf, err := ingest.OpenParquet(in)
	if err != nil {
		return err
	}
	type leaf struct {
		col   *ingest.Column
		flat  string // setter name for a non-repeated leaf
		group string // "credits", "labels", "project_labels" for repeated leaves
		field string // last path element of a repeated leaf
	}
	cols := pf.Columns()
	maxIdx := 0
	for _, c := range cols {
		maxIdx = max(maxIdx, c.Index)
	}
	leaves := make([]leaf, maxIdx+1)
	have := map[string]bool{}
	for path, c := range cols {
		parts := strings.Split(path, ".")
		if c.Repeated {
			g := parts[0]
			if g == "project" && len(parts) > 1 && parts[1] == "labels" {
				g = "project_labels"
			}
			leaves[c.Index] = leaf{col: c, group: g, field: parts[len(parts)-1]}
			have[g] = true
			continue
		}
		name := strings.Join(parts, "_")
		leaves[c.Index] = leaf{col: c, flat: name}
		have[name] = true
	}
	if err := checkRequired(in.Name, have, slices.Collect(maps.Keys(cols))); err != nil {
		return err
	}
	var l tally.CostLine
	credit := map[string][]string{}
	var labelKeys, labelValues []string
	return pf.EachRow(ctx, func(n int64, pr parquet.Row) error {
		var row Row
		clear(credit)
		labelKeys, labelValues = labelKeys[:0], labelValues[:0]
		anyCredit := false
		for _, v := range pr {
			lf := &leaves[v.Column()]
			if lf.col == nil {
				continue
			}
			if lf.flat != "" {
				if set := setters[lf.flat]; set != nil && !v.IsNull() {
					if err := set(&row, lf.col.String(v)); err != nil {
						return emit(n, nil, &ingest.LineError{File: in.Name, Line: n, Column: lf.col.Path, Value: lf.col.String(v), Reason: err.Error()})
					}
				}
				continue
			}
			s := lf.col.String(v)
			switch lf.group {
			case "credits":
				credit[lf.field] = append(credit[lf.field], s)
				anyCredit = anyCredit || !v.IsNull()
			case "labels":
				if lf.field == "key" && !v.IsNull() {
					labelKeys = append(labelKeys, s)
				} else if lf.field == "value" && !v.IsNull() {
					labelValues = append(labelValues, s)
				} else if lf.field == "value" && len(labelValues) < len(labelKeys) { // a label without a value
					labelValues = append(labelValues, "")
				}
			}
		}
		if anyCredit {
			k := len(credit["amount"])
			row.Credits = make([]Credit, k)
			at := func(f string, i int) string {
				if i < len(credit[f]) {
					return credit[f][i]
				}
				return ""
			}
			for i := range row.Credits {
				row.Credits[i] = Credit{Name: at("name", i), Amount: Number(at("amount", i)), FullName: at("full_name", i), ID: at("id", i), Type: at("type", i)}
			}
		}
		if len(labelKeys) == len(labelValues) {
			for i, k := range labelKeys {
				row.Labels = append(row.Labels, Label{Key: k, Value: labelValues[i]})
			}
		}
		if bad := row.build(in.Name, n, &l); bad != nil {
			return emit(n, nil, bad)
		}
		return emit(n, &l, nil)
	})
}
