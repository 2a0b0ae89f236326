package embedded

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
)

// Binaries are the server programs Start runs.
type Binaries struct {
	Initdb   string
	Postgres string
}

// FindBinaries looks for initdb and postgres on PATH, then in the newest
// /usr/lib/postgresql/<version>/bin (Debian's layout, which is not on PATH).
func FindBinaries() (Binaries, error) {
	initdb, err1 := exec.LookPath("initdb")
	pg, err2 := exec.LookPath("postgres")
	if err1 == nil && err2 == nil {
		return Binaries{Initdb: initdb, Postgres: pg}, nil
	}
	dirs, _ := filepath.Glob(debianBinGlob)
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		b := Binaries{Initdb: filepath.Join(d, "initdb"), Postgres: filepath.Join(d, "postgres")}
		if executable(b.Initdb) && executable(b.Postgres) {
			return b, nil
		}
	}
	return Binaries{}, ErrNoBinaries
}

func version(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

func executable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// debianBinGlob is where Debian installs server binaries (a variable for tests).
var debianBinGlob = "/usr/lib/postgresql/*/bin"
