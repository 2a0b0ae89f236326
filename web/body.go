package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/jsonpos"
)

// decodeBody decodes r's JSON body, at most limit bytes, into v. what names
// the body in errors ("token body"), shape says what it should hold. A body
// over the limit is ETooLarge; one that is not v's shape (not JSON, a field
// of another type, an unknown field, more after the object) is EInvalid,
// told in JSON's terms: encoding/json's errors name Go's types ("Go struct
// field createTokenRequest.name of type string"), and unknown fields were
// ignored, so a typo saved a setting's default.
func decodeBody(w http.ResponseWriter, r *http.Request, limit int64, v any, what, shape string) error {
	var raw bytes.Buffer
	dec := json.NewDecoder(io.TeeReader(http.MaxBytesReader(w, r.Body, limit), &raw))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		return tally.Errorf(tally.EInvalid, "%s: more after the JSON object: want one %s", what, shape)
	}
	if err == nil && holdsNUL(raw.Bytes()) {
		return tally.Errorf(tally.EInvalid, "%s: a string holds a NUL character (\\u0000), which no text Tally stores can", what)
	}
	if err == nil {
		return nil
	}
	var tooLarge *http.MaxBytesError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &tooLarge):
		return tally.Errorf(tally.ETooLarge, "%s: larger than %d bytes", what, tooLarge.Limit)
	case errors.As(err, &typeErr) && typeErr.Field != "":
		return tally.Errorf(tally.EInvalid, "%s: field %q: want %s, got %s", what, typeErr.Field, jsonpos.Kind(typeErr.Type), article(typeErr.Value))
	case errors.As(err, &typeErr):
		return tally.Errorf(tally.EInvalid, "%s: want %s, got %s", what, shape, article(typeErr.Value))
	}
	if field, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return tally.Errorf(tally.EInvalid, "%s: unknown field %s: want %s", what, field, shape)
	}
	return tally.Errorf(tally.EInvalid, "%s: not JSON (%v): want %s", what, err, shape)
}

// article puts "a" or "an" before a JSON value's kind as encoding/json
// names it ("number", "array", "object"; "number 1.5" for a value out of
// a whole number's range).
func article(kind string) string {
	if strings.HasPrefix(kind, "a") || strings.HasPrefix(kind, "o") {
		return "an " + kind
	}
	return "a " + kind
}

// holdsNUL reports whether JSON text js escapes a NUL character (\u0000)
// in a string: a backslash an even number of backslashes follow (none
// escaping it) before u0000. (A raw NUL is no JSON.)
func holdsNUL(js []byte) bool {
	for i := 0; ; i++ {
		j := bytes.Index(js[i:], []byte(`u0000`))
		if j < 0 {
			return false
		}
		i += j
		n := 0 // backslashes before the u
		for k := i - 1; k >= 0 && js[k] == '\\'; k-- {
			n++
		}
		if n%2 == 1 {
			return true
		}
	}
}
