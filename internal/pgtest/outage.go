package pgtest

import (
	"errors"
	"io"
	"net"
	neturl "net/url"
	"sync"
	"testing"
)

// Outage is a TCP relay to a test's database: connections made through
// URL reach it until Cut, after which they are refused, as when the
// database's machine goes away while Tally runs.
type Outage struct {
	// URL is the database's URL with its address replaced by the relay's.
	URL string

	ln     net.Listener
	target func() (net.Conn, error)
	mu     sync.Mutex
	conns  []net.Conn
	cut    bool
}

// NewOutage returns a relay to the database at url (one NewURL returned),
// closed when t ends.
func NewOutage(t testing.TB, url string) *Outage {
	t.Helper()
	u, err := neturl.Parse(url)
	if err != nil {
		t.Fatalf("pgtest: outage: %v", err)
	}
	o := &Outage{target: dialer(u)}
	if o.ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		t.Fatalf("pgtest: outage: %v", err)
	}
	q := u.Query()
	q.Del("host")
	q.Del("port")
	u.Host, u.RawQuery = o.ln.Addr().String(), q.Encode()
	o.URL = u.String()
	go o.accept()
	t.Cleanup(o.Cut)
	return o
}

// dialer returns how to reach the database of u: its unix socket (the
// embedded server's ?host=DIR) or its TCP address.
func dialer(u *neturl.URL) func() (net.Conn, error) {
	if dir := u.Query().Get("host"); dir != "" && dir[0] == '/' {
		port := u.Query().Get("port")
		if port == "" {
			port = u.Port()
		}
		if port == "" {
			port = "5432"
		}
		return func() (net.Conn, error) { return net.Dial("unix", dir+"/.s.PGSQL."+port) }
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "5432")
	}
	return func() (net.Conn, error) { return net.Dial("tcp", host) }
}

// Cut closes the relay and every connection through it: the database
// refuses new connections and the open ones end.
func (o *Outage) Cut() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.cut = true
	o.ln.Close()
	for _, c := range o.conns {
		c.Close()
	}
}

func (o *Outage) accept() {
	for {
		c, err := o.ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			continue
		}
		go o.relay(c)
	}
}

// relay copies between c and a new connection to the database until
// either ends or the outage cuts them.
func (o *Outage) relay(c net.Conn) {
	db, err := o.target()
	if err != nil {
		c.Close()
		return
	}
	o.mu.Lock()
	if o.cut {
		o.mu.Unlock()
		c.Close()
		db.Close()
		return
	}
	o.conns = append(o.conns, c, db)
	o.mu.Unlock()
	go func() {
		_, _ = io.Copy(db, c)
		db.Close()
	}()
	_, _ = io.Copy(c, db)
	c.Close()
}
