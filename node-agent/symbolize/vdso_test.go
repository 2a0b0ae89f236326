package symbolize

import (
	"bytes"
	"debug/elf"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestVDSOFrames: a frame in the vDSO, the kernel's code mapped into every
// process for clock_gettime, gettimeofday, time and getcpu (Go's nanotime
// and walltime, C's clock_gettime), was "[unknown] [vdso]+0xbe1": 41% of
// the samples of a C program timing its work with clock_gettime. It is
// named from the vDSO's own symbol table.
func TestVDSOFrames(t *testing.T) {
	if _, err := os.Stat("/usr/bin/cc"); err != nil {
		t.Skip("no C compiler")
	}
	bin := buildC(t)
	pid := start(t, bin)
	maps, err := readMaps(fmt.Sprintf("/proc/%d/maps", pid))
	if err != nil {
		t.Fatal(err)
	}
	var vdso *mapping
	for i := range maps {
		if maps[i].path == "[vdso]" {
			vdso = &maps[i]
		}
	}
	if vdso == nil {
		t.Skip("no [vdso] mapping")
	}
	// The vDSO's symbols, from this process's copy of it.
	image := make([]byte, vdso.end-vdso.start)
	mem, err := os.Open(fmt.Sprintf("/proc/%d/mem", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer mem.Close()
	if _, err := mem.ReadAt(image, int64(vdso.start)); err != nil {
		t.Fatalf("read the vDSO: %v", err)
	}
	ef, err := elf.NewFile(bytes.NewReader(image))
	if err != nil {
		t.Fatal(err)
	}
	syms, err := ef.DynamicSymbols()
	if err != nil {
		t.Fatal(err)
	}
	var want elf.Symbol
	for _, s := range syms {
		if strings.HasSuffix(s.Name, "clock_gettime") && s.Value != 0 && s.Size > 8 {
			want = s
		}
	}
	if want.Name == "" {
		t.Fatalf("no clock_gettime in the vDSO's symbols %v", syms)
	}
	base := vdso.start
	for _, p := range ef.Progs {
		if p.Type == elf.PT_LOAD {
			base -= p.Vaddr - p.Off
			break
		}
	}
	s := New(Config{})
	got := s.User(uint32(pid), 0, []uint64{base + want.Value + 4})
	if !strings.HasSuffix(got[0].Name, "clock_gettime") || got[0].Module != "[vdso]" {
		t.Fatalf("frame %+v, want %s (or its alias) in [vdso]", got[0], want.Name)
	}
	if st := s.Stats(); st.Resolved[KindELF] != 1 {
		t.Fatalf("stats %s", st)
	}
}

// buildC compiles cProgram with cc and flags, and returns the binary.
func buildC(t *testing.T, flags ...string) string {
	t.Helper()
	dir := t.TempDir()
	src, bin := filepath.Join(dir, "p.c"), filepath.Join(dir, "p")
	if err := os.WriteFile(src, []byte(cProgram), 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, "cc", append(append([]string{"-O1"}, flags...), "-o", bin, src)...)
	return bin
}
