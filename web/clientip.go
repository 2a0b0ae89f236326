package web

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/tallyhq/tally"
)

// ParseTrustedProxies parses the reverse proxies whose forwarding headers
// the server believes (Config.TrustedProxies): CIDR prefixes, or single
// addresses (a /32 or /128).
func ParseTrustedProxies(list []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range list {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, netip.PrefixFrom(p.Addr().Unmap(), unmappedBits(p)).Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, tally.Errorf(tally.EInvalid, "trusted proxy %q: want a CIDR prefix (10.0.0.0/8) or an address", s)
		}
		a = a.Unmap().WithZone("")
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// unmappedBits is the length of prefix p once an IPv4-mapped IPv6 address
// (::ffff:10.0.0.0/104) is written as IPv4 (10.0.0.0/8).
func unmappedBits(p netip.Prefix) int {
	if p.Addr().Is4In6() {
		return max(p.Bits()-96, 0)
	}
	return p.Bits()
}

// peer is where a request came from, as far as the server can tell.
type peer struct {
	// client is the address the request is accounted to (rate limits):
	// the TCP peer, or, when that is a trusted proxy, the rightmost
	// untrusted address of X-Forwarded-For.
	client netip.Addr
	// proxied says the TCP peer is a trusted proxy, whose X-Forwarded-*
	// headers are believed.
	proxied bool
	// https says the client's request arrived over TLS: here, at a trusted
	// proxy (X-Forwarded-Proto: https), or at whatever serves PublicURL.
	https bool
}

type peerKey struct{}

// peerOf returns the request's peer as clientAddress recorded it.
func peerOf(r *http.Request) peer {
	p, _ := r.Context().Value(peerKey{}).(peer)
	return p
}

// clientAddress records each request's peer and whether it came over
// HTTPS. Forwarding headers are believed
// only from a TCP peer inside one of s.trusted: anyone else could write any
// address there, and the login rate limit is keyed on the result. Behind
// trusted proxies, X-Forwarded-For is walked right to left (each proxy
// appends the address it received the request from) past the trusted hops;
// the first untrusted address is the client. An entry that does not parse
// ends the walk at the last trusted hop, as does a chain of trusted hops
// only: neither says anything reliable further left.
func (s *Server) clientAddress(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := peer{client: remoteAddr(r.RemoteAddr)}
		if p.client.IsValid() && s.isTrusted(p.client) {
			p.proxied = true
			p.client = s.forwardedClient(r.Header.Values("X-Forwarded-For"), p.client)
		}
		p.https = r.TLS != nil || s.httpsOnly || p.proxied && forwardedHTTPS(r.Header.Get("X-Forwarded-Proto"))
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), peerKey{}, p)))
	})
}

// forwardedClient walks X-Forwarded-For values right to left from a
// trusted peer; see clientAddress.
func (s *Server) forwardedClient(values []string, from netip.Addr) netip.Addr {
	client := from
	for i := len(values) - 1; i >= 0; i-- {
		hops := strings.Split(values[i], ",")
		for j := len(hops) - 1; j >= 0; j-- {
			h := strings.TrimSpace(hops[j])
			if h == "" {
				continue
			}
			a, err := netip.ParseAddr(h)
			if err != nil {
				return client
			}
			client = a.Unmap().WithZone("")
			if !s.isTrusted(client) {
				return client
			}
		}
	}
	return client
}

// forwardedHTTPS reads X-Forwarded-Proto from a trusted proxy: the first
// entry is the scheme the client used at the outermost proxy.
func forwardedHTTPS(v string) bool {
	first, _, _ := strings.Cut(v, ",")
	return strings.EqualFold(strings.TrimSpace(first), "https")
}

func (s *Server) isTrusted(a netip.Addr) bool {
	for _, p := range s.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// remoteAddr parses a request's RemoteAddr (host:port, or a bare address);
// the zero Addr if it is neither (a unix socket).
func remoteAddr(s string) netip.Addr {
	if host, _, err := net.SplitHostPort(s); err == nil {
		s = host
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap().WithZone("")
}

// clientKey keys the login rate limit by the request's client address (an
// IPv6 client by its /64, which one host usually holds whole); "" for a
// unix socket's one local peer.
func clientKey(r *http.Request) string {
	a := peerOf(r).client
	if !a.IsValid() {
		return ""
	}
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}
