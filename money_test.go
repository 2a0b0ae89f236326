package tally

import (
	"encoding/json"
	"errors"
	"math/big"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

func TestParseMoneyRoundTrip(t *testing.T) {
	tests := []struct{ in, want string }{
		{"0", "0"},
		{"-0", "0"},
		{"12.5", "12.5"},
		{"+3.", "3"},
		{".25", "0.25"},
		{"0.00001605990", "0.0000160599"},
		{"1e-5", "0.00001"},
		{"1.6059900E-05", "0.0000160599"},
		{"-7.25e2", "-725"},
		{"0.0000000000005", "0"},              // half to even: 0.5 units → 0
		{"0.0000000000015", "0.000000000002"}, // 1.5 units → 2
		{"0.00000000000151", "0.000000000002"},
		{"-0.0000000000025", "-0.000000000002"},
		{"123456789012345678901234.123456789012", "123456789012345678901234.123456789012"},
		{"00042.1000", "42.1"},
	}
	for _, tt := range tests {
		m, err := ParseMoney(tt.in, "USD")
		if err != nil {
			t.Fatalf("ParseMoney(%q): %v", tt.in, err)
		}
		if got := m.Decimal(); got != tt.want {
			t.Errorf("ParseMoney(%q).Decimal() = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseMoneyErrors(t *testing.T) {
	for _, in := range []string{"", "-", ".", "abc", "1.2.3", "1e", "1e999", "12,5", "1 000", "NaN",
		"999999999999999999999999999999999999999"} {
		if _, err := ParseMoney(in, "USD"); err == nil {
			t.Errorf("ParseMoney(%q): want error", in)
		}
	}
}

// TestMoneyAgainstBigRat checks Add, Sub and MulRatio against math/big on
// random amounts.
func TestMoneyAgainstBigRat(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	scale := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(Scale), nil))
	toRat := func(m Money) *big.Rat {
		v, ok := new(big.Rat).SetString(m.Decimal())
		if !ok {
			t.Fatalf("bad decimal %q", m.Decimal())
		}
		return v
	}
	for i := 0; i < 2000; i++ {
		a := FromUnits(r.Int64()>>r.IntN(60), "EUR")
		b := FromUnits(-(r.Int64() >> r.IntN(60)), "EUR")
		if r.IntN(2) == 0 {
			a, _ = a.MulRatio(uint64(r.Int64()), 3) // push into 128-bit territory
		}
		sum, err := a.Add(b)
		if err != nil {
			t.Fatal(err)
		}
		if want := new(big.Rat).Add(toRat(a), toRat(b)); toRat(sum).Cmp(want) != 0 {
			t.Fatalf("%v + %v = %v, want %v", a, b, sum, want.FloatString(12))
		}
		num, den := uint64(r.Uint32()), uint64(r.Uint32())+1
		got, err := a.MulRatio(num, den)
		if err != nil {
			continue // overflow is reported, fine
		}
		exact := new(big.Rat).Mul(toRat(a), big.NewRat(int64(num), int64(den)))
		diff := new(big.Rat).Sub(toRat(got), exact)
		diff.Mul(diff, scale)
		if diff.Abs(diff).Cmp(big.NewRat(1, 2)) > 0 {
			t.Fatalf("%v × %d/%d = %v, off by %v units", a, num, den, got, diff.FloatString(3))
		}
	}
}

func TestMoneyCurrencies(t *testing.T) {
	usd, eur := MustParseMoney("1", "USD"), MustParseMoney("1", "EUR")
	if _, err := usd.Add(eur); !errors.Is(err, ErrCurrencyMismatch) {
		t.Fatalf("USD + EUR: err = %v, want ErrCurrencyMismatch", err)
	}
	if _, err := usd.Cmp(eur); !errors.Is(err, ErrCurrencyMismatch) {
		t.Fatalf("Cmp USD, EUR: err = %v, want ErrCurrencyMismatch", err)
	}
	var total Money
	total, err := total.Add(usd)
	if err != nil || total.Currency() != "USD" {
		t.Fatalf("zero + 1 USD = %v, %v", total, err)
	}
	if _, err := ParseCurrency("US"); err == nil {
		t.Fatal("ParseCurrency(US): want error")
	}
	if c, err := ParseCurrency("usd"); err != nil || c != "USD" {
		t.Fatalf("ParseCurrency(usd) = %q, %v", c, err)
	}
}

func TestMoneyOverflow(t *testing.T) {
	big := MustParseMoney("100000000000000000000000000", "USD") // 1e26
	if _, err := big.Add(big); !errors.Is(err, ErrOverflow) {
		t.Fatalf("1e26 + 1e26: err = %v, want ErrOverflow", err)
	}
	if _, err := big.MulRatio(10, 1); !errors.Is(err, ErrOverflow) {
		t.Fatalf("1e26 × 10: err = %v, want ErrOverflow", err)
	}
}

func TestMoneySplitConserves(t *testing.T) {
	tests := []struct {
		total   string
		weights []uint64
		want    []string
	}{
		{"1", []uint64{1, 1, 1}, []string{"0.333333333334", "0.333333333333", "0.333333333333"}},
		{"-1", []uint64{1, 1, 1}, []string{"-0.333333333334", "-0.333333333333", "-0.333333333333"}},
		{"10", []uint64{3, 0, 1}, []string{"7.5", "0", "2.5"}},
		{"0.000000000002", []uint64{1, 1, 1}, []string{"0.000000000001", "0.000000000001", "0"}},
	}
	for _, tt := range tests {
		parts, err := MustParseMoney(tt.total, "USD").Split(tt.weights)
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range parts {
			if p.Decimal() != tt.want[i] {
				t.Errorf("Split(%s, %v)[%d] = %s, want %s", tt.total, tt.weights, i, p.Decimal(), tt.want[i])
			}
		}
	}
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 500; i++ {
		total := FromUnits(r.Int64N(1e15)-5e14, "USD")
		weights := make([]uint64, 1+r.IntN(40))
		for j := range weights {
			weights[j] = uint64(r.Int64N(1 << 40))
		}
		weights[0]++ // never all zero
		parts, err := total.Split(weights)
		if err != nil {
			t.Fatal(err)
		}
		var sum Money
		for _, p := range parts {
			sum, _ = sum.Add(p)
		}
		if !sum.Equal(total) {
			t.Fatalf("Σ Split(%v) = %v", total, sum)
		}
	}
	if _, err := FromInt(1, "USD").Split([]uint64{0, 0}); !errors.Is(err, ErrZeroWeights) {
		t.Fatalf("Split with zero weights: err = %v", err)
	}
}

func TestMoneyFormatAndJSON(t *testing.T) {
	for _, tt := range []struct {
		in     string
		places int
		want   string
	}{
		{"3.005", 2, "3.00"}, {"3.015", 2, "3.02"}, {"-3.015", 2, "-3.02"}, {"7", 2, "7.00"},
		{"0.004", 2, "0.00"}, {"1234.5", 0, "1234"}, {"1235.5", 0, "1236"},
	} {
		if got := MustParseMoney(tt.in, "USD").Format(tt.places); got != tt.want {
			t.Errorf("Format(%s, %d) = %s, want %s", tt.in, tt.places, got, tt.want)
		}
	}
	m := MustParseMoney("-0.0000160599", "USD")
	b, err := json.Marshal(m)
	if err != nil || string(b) != `{"amount":"-0.0000160599","currency":"USD"}` {
		t.Fatalf("json = %s, %v", b, err)
	}
	var back Money
	if err := json.Unmarshal(b, &back); err != nil || !back.Equal(m) {
		t.Fatalf("round trip = %v, %v", back, err)
	}
	if f, _ := FromFloat(0.1, "USD"); f.Decimal() != "0.1" {
		t.Fatalf("FromFloat(0.1) = %s", f.Decimal())
	}
}

// TestMoneyLabel: amounts for people carry their currency's symbol, or its
// code after them, and thousands separators; a negative amount that rounds
// to zero has no sign.
func TestMoneyLabel(t *testing.T) {
	for _, tt := range []struct {
		in     string
		cur    Currency
		places int
		want   string
	}{
		{"0.705", "USD", 3, "$0.705"}, {"2.5", "EUR", 3, "€2.500"}, {"7203.4", "USD", 0, "$7,203"},
		{"1234567.891", "GBP", 2, "£1,234,567.89"}, {"-40", "USD", 2, "-$40.00"}, {"-0.001", "USD", 2, "$0.00"},
		{"1204", "CHF", 0, "1,204 CHF"}, {"999", "", 0, "999"}, {"100", "JPY", 0, "¥100"},
	} {
		if got := MustParseMoney(tt.in, tt.cur).Label(tt.places); got != tt.want {
			t.Errorf("Label(%s %s, %d) = %s, want %s", tt.in, tt.cur, tt.places, got, tt.want)
		}
	}
}

func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{"0", "12.5", "-1e-5", "0.00001605990", ".5", "1e30"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMoney(s, "USD")
		if err != nil {
			if !strings.Contains(err.Error(), strconv.Quote(s)) {
				t.Fatalf("%q: error does not name the amount: %v", s, err)
			}
			return
		}
		back, err := ParseMoney(m.Decimal(), "USD")
		if err != nil || !back.Equal(m) {
			t.Fatalf("%q → %q → %v, %v", s, m.Decimal(), back, err)
		}
		// m is s rounded half to even at 10⁻¹²: |s·10¹² − k| ≤ ½, and k is
		// even at exactly ½.
		exact, ok := new(big.Rat).SetString(s)
		if !ok {
			t.Fatalf("%q is not a decimal number, yet parsed as %s", s, m.Decimal())
		}
		got, _ := new(big.Rat).SetString(m.Decimal())
		pow := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(Scale), nil))
		k := new(big.Rat).Mul(got, pow)
		diff := new(big.Rat).Sub(new(big.Rat).Mul(exact, pow), k)
		switch diff.Abs(diff).Cmp(big.NewRat(1, 2)) {
		case 1:
			t.Fatalf("%q parsed as %s: more than half a unit away", s, m.Decimal())
		case 0:
			if new(big.Int).Rem(k.Num(), big.NewInt(2)).Sign() != 0 {
				t.Fatalf("%q parsed as %s: a tie rounded to odd", s, m.Decimal())
			}
		}
	})
}

func TestErrorfWrapsOnce(t *testing.T) {
	cause := errors.New("no such file")
	err := Errorf(EInvalid, "read %s: %w", "x.csv", cause)
	if err.Error() != "read x.csv: no such file" || !errors.Is(err, cause) || ErrorCode(err) != EInvalid {
		t.Fatalf("Errorf = %q (is cause: %v, code %s)", err, errors.Is(err, cause), ErrorCode(err))
	}
}
