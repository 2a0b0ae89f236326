package embedded

import (
	"fmt"
	"os"
	osuser "os/user"
	"path/filepath"
	"strconv"
	"syscall"
)

// user is the unprivileged account the server runs as when Tally runs as root.
type user struct {
	name     string
	uid, gid int
}

// serverUser returns nil when the current user can run postgres itself, else
// the "postgres" account (Debian's package creates it) or "nobody".
func serverUser() (*user, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := osuser.Lookup(name)
		if err != nil {
			continue
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		return &user{name: name, uid: uid, gid: gid}, nil
	}
	return nil, fmt.Errorf("embedded postgres: running as root, and neither a postgres nor a nobody user exists to run the server as (initdb refuses root)")
}

func (u *user) procAttr() *syscall.SysProcAttr {
	if u == nil {
		return nil
	}
	return &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(u.uid), Gid: uint32(u.gid)}}
}

// traversableByOthers reports whether every directory from dir up to / can
// be searched by any user (mode o+x).
func traversableByOthers(dir string) bool {
	for d := dir; ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err == nil && fi.Mode().Perm()&0o001 == 0 {
			return false
		}
		if d == "/" || d == "." {
			return true
		}
	}
}
