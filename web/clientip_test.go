package web

import (
	"net/netip"
	"testing"
)

func TestForwardedClient(t *testing.T) {
	trusted, err := ParseTrustedProxies([]string{"10.0.0.0/8", " 192.0.2.1", "::ffff:172.16.0.0/108", "2001:db8::/32"})
	if err != nil {
		t.Fatal(err)
	}
	s := NewServer(Config{TrustedProxies: trusted})
	peer := netip.MustParseAddr("10.0.0.1")
	tests := []struct {
		name   string
		values []string
		want   string
	}{
		{"no header", nil, "10.0.0.1"},
		{"one client", []string{"203.0.113.5"}, "203.0.113.5"},
		{"client-written entries left of the client", []string{"1.1.1.1, 2.2.2.2, 203.0.113.5"}, "203.0.113.5"},
		{"trusted hops skipped", []string{"203.0.113.5, 192.0.2.1, 10.3.3.3"}, "203.0.113.5"},
		{"several header lines", []string{"1.1.1.1", "203.0.113.5, 10.3.3.3"}, "203.0.113.5"},
		{"mapped IPv4 prefix", []string{"203.0.113.5, 172.16.9.9"}, "203.0.113.5"},
		{"mapped IPv4 entry", []string{"::ffff:203.0.113.5"}, "203.0.113.5"},
		{"IPv6 trusted hop", []string{"2001:db9::1, 2001:db8::7"}, "2001:db9::1"},
		{"garbage stops at the last trusted hop", []string{"203.0.113.5, nonsense, 10.3.3.3"}, "10.3.3.3"},
		{"only trusted hops", []string{"10.2.2.2, 10.3.3.3"}, "10.2.2.2"},
		{"empty entries ignored", []string{" , 203.0.113.5 ,"}, "203.0.113.5"},
	}
	for _, tt := range tests {
		if got := s.forwardedClient(tt.values, peer); got.String() != tt.want {
			t.Errorf("%s: %q → %s, want %s", tt.name, tt.values, got, tt.want)
		}
	}
	if _, err := ParseTrustedProxies([]string{"10.0.0.0/33"}); err == nil {
		t.Error("10.0.0.0/33 parsed")
	}
	if _, err := ParseTrustedProxies([]string{"proxy.internal"}); err == nil {
		t.Error("a host name parsed")
	}
}
