// Package jsonpos says where in a JSON file something is, for the parsers
// of Tally's own JSON files (purchase plans) and of providers' (CUR
// manifests): the line and column of a byte offset, and the offset of each
// value by its path as the file spells it ("items[0].offer.termMonths").
package jsonpos

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
)

// Position is name:line:column of the byte at the 1-based offset off of b
// (encoding/json's offsets count the bytes read up to the error), or name
// for an offset outside b.
func Position(name string, b []byte, off int64) string {
	if off < 1 || off > int64(len(b)) {
		return name
	}
	before := b[:off-1]
	line := 1 + bytes.Count(before, []byte{'\n'})
	col := int(off) - (bytes.LastIndexByte(before, '\n') + 1)
	return fmt.Sprintf("%s:%d:%d", name, line, col)
}

// Offsets returns the 1-based offset of the first byte of every value of
// the JSON document b, by path: "" for the document, "items" for the
// member items of the top-level object, "items[0].offer" below it. Values
// after a syntax error are left out.
func Offsets(b []byte) map[string]int64 {
	out := map[string]int64{}
	dec := json.NewDecoder(bytes.NewReader(b))
	_ = walk(dec, b, "", out)
	return out
}

// walk reads the value at path from dec, recording its offset and those of
// the values it holds in out.
func walk(dec *json.Decoder, b []byte, path string, out map[string]int64) error {
	out[path] = valueStart(b, dec.InputOffset())
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('{'):
		for dec.More() {
			key, err := dec.Token()
			if err != nil {
				return err
			}
			k, _ := key.(string)
			if path != "" {
				k = path + "." + k
			}
			if err := walk(dec, b, k, out); err != nil {
				return err
			}
		}
	case json.Delim('['):
		for i := 0; dec.More(); i++ {
			if err := walk(dec, b, path+"["+strconv.Itoa(i)+"]", out); err != nil {
				return err
			}
		}
	default:
		return nil
	}
	_, err = dec.Token() // the closing delimiter
	return err
}

// valueStart returns the 1-based offset of the first byte at or after the
// 0-based offset off that is not space or a separator (the decoder's
// offset is before them).
func valueStart(b []byte, off int64) int64 {
	for off < int64(len(b)) && bytes.IndexByte([]byte(" \t\r\n:,"), b[off]) >= 0 {
		off++
	}
	return off + 1
}

// Kind names a Go type as the JSON value it decodes from: "a string",
// "a whole number", "an array", …
func Kind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "a JSON object"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return fmt.Sprintf("a %s", t.Kind())
}
