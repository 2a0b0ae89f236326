package tally

import (
	"testing"
	"time"
)

func TestTokenRoundTrip(t *testing.T) {
	now := time.Now()
	tok, bearer, err := NewToken(TokenKindAgent, RoleAgent, "prod", "agents", now)
	if err != nil {
		t.Fatal(err)
	}
	id, secret, err := ParseBearer(bearer)
	if err != nil || id != tok.ID {
		t.Fatalf("ParseBearer(%q) = %q, %v", bearer, id, err)
	}
	if !tok.Verify(secret, now) || tok.Verify(secret+"x", now) {
		t.Fatal("Verify")
	}
	tok.ExpiresAt = now
	if tok.Verify(secret, now) {
		t.Fatal("expired token verified")
	}
	for _, bad := range []string{"", "tally_", "tally_abc.def", "Bearer x", "tally_0123456789abcdef."} {
		if _, _, err := ParseBearer(bad); ErrorCode(err) != EUnauthorized {
			t.Errorf("ParseBearer(%q) = %v", bad, err)
		}
	}
}

func FuzzParseBearer(f *testing.F) {
	f.Add("tally_0123456789abcdef.secret")
	f.Fuzz(func(t *testing.T, s string) { ParseBearer(s) })
}
