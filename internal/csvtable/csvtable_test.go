package csvtable

import (
	"errors"
	"io"
	"strings"
	"testing"
)

var errBad = errors.New("bad table")

func TestOpenErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", "t.csv: bad table: empty file, want a header a,b"},
		{"a\n", `t.csv:1: bad table: missing column "b" (want a,b)`},
		{"a,B,A\n", `t.csv:1: bad table: column "a" appears twice`},
		{"a,b\"x\n", `t.csv:1: bad table: byte 4 of the line: bare " in non-quoted-field`},
	} {
		_, err := Open(strings.NewReader(c.in), "t.csv", errBad, []string{"a", "b"}, "a,b")
		if err == nil || !errors.Is(err, errBad) || err.Error() != c.want {
			t.Errorf("%q: err = %v, want %q wrapping errBad", c.in, err, c.want)
		}
	}
}

func TestRows(t *testing.T) {
	in := "\ufeff B , a ,extra\n# a comment\n x ,1,\n\"y\nz\",2,\n"
	r, err := Open(strings.NewReader(in), "t.csv", errBad, []string{"a", "b"}, "a,b")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for {
		row, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, row.Field("a")+"|"+row.Field("b")+"|"+row.Field("missing"))
		if row.Field("a") == "2" {
			err := row.Bad("b", "two lines")
			if want := `t.csv:4: bad table: column b: value "y\nz": two lines`; !errors.Is(err, errBad) || err.Error() != want {
				t.Errorf("Bad = %v, want %q", err, want)
			}
		}
	}
	if want := []string{"1|x|", "2|y\nz|"}; strings.Join(got, ";") != strings.Join(want, ";") {
		t.Errorf("rows = %q, want %q", got, want)
	}
}

func TestRowErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"a,b\n1,2\n3\n", "t.csv:3: bad table: 1 fields, the header has 2"},
		{"a,b\n1,2\n\"x\ny\",2,3\n", "t.csv:3: bad table: 3 fields, the header has 2"},
		{"a,b\n1,x\"y\n", `t.csv:2: bad table: byte 4 of the line: bare " in non-quoted-field`},
	} {
		r, err := Open(strings.NewReader(c.in), "t.csv", errBad, []string{"a", "b"}, "a,b")
		if err != nil {
			t.Fatal(err)
		}
		for err == nil {
			_, err = r.Next()
		}
		if err == io.EOF || !errors.Is(err, errBad) || err.Error() != c.want {
			t.Errorf("%q: err = %v, want %q wrapping errBad", c.in, err, c.want)
		}
	}
}

// TestFieldReadsBack: a field written with Field reads back as itself,
// including one starting with the comment character, which unquoted made
// its row a comment (found by FuzzReadTrace).
func TestFieldReadsBack(t *testing.T) {
	values := []string{"plain", "#not-a-comment", "a,b", `say "hi"`, "two\nlines", ""}
	var in strings.Builder
	in.WriteString("a,b\n")
	for _, v := range values {
		in.WriteString(Field(v) + ",x\n")
	}
	r, err := Open(strings.NewReader(in.String()), "t.csv", errBad, []string{"a", "b"}, "a,b")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range values {
		row, err := r.Next()
		if err != nil {
			t.Fatalf("%q: %v", want, err)
		}
		if got := row.Field("a"); got != want {
			t.Errorf("read back %q, want %q", got, want)
		}
	}
}

func TestText(t *testing.T) {
	for in, want := range map[string]string{"=cmd|' /C calc'!A0": "'=cmd|' /C calc'!A0", "+1": "'+1", "-1": "'-1", "@x": "'@x",
		"\tx": "'\tx", "shop": "shop", "": ""} {
		if got := Text(in); got != want {
			t.Errorf("Text(%q) = %q, want %q", in, got, want)
		}
	}
}
