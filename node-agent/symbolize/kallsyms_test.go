package symbolize

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tallyhq/tally"
)

// TestKallsymsSpan checks that an address far above the nearest symbol
// below it (a module or BPF program loaded after the table was read, the
// gap after an end marker) is unknown rather than that symbol.
func TestKallsymsSpan(t *testing.T) {
	k, err := parseKallsyms(strings.NewReader("ffffffff81000000 T _stext\nffffffff81001000 T do_work\nffffffff82000000 T _etext\nffffffffc0000000 t ext4_thing\t[ext4]\n"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		pc           uint64
		name, module string
	}{
		{0xffffffff81000010, "_stext", "[kernel]"},
		{0xffffffff81001234, "do_work", "[kernel]"},
		{0xffffffffc0000100, "ext4_thing", "[ext4]"},
		{0xffffffff80000000, "", ""}, // below every symbol
		{0xffffffff81400000, "", ""}, // 4 MB past do_work
		{0xffffffff82100000, "", ""}, // past the end marker
		{0xffffffffc1234567, "", ""}, // a module loaded since
		{0xffffffffc0020000, "", ""}, // 128 KiB past ext4_thing
	}
	for _, tt := range tests {
		name, module, ok := k.lookup(tt.pc)
		if name != tt.name || module != tt.module || ok != (tt.name != "") {
			t.Errorf("lookup(%#x) = %q %q %v, want %q %q", tt.pc, name, module, ok, tt.name, tt.module)
		}
	}
}

// TestKernelHidden checks that without kernel symbols (kptr_restrict
// zeroes kallsyms' addresses) a kernel stack is one unknown frame that
// does not carry the kernel's addresses.
func TestKernelHidden(t *testing.T) {
	proc := t.TempDir()
	if err := os.WriteFile(filepath.Join(proc, "kallsyms"), []byte("0000000000000000 T _stext\n0000000000000000 T do_work\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := New(Config{Proc: proc})
	if err := s.LoadKernel(); !errors.Is(err, ErrKallsymsHidden) {
		t.Fatalf("LoadKernel: %v, want ErrKallsymsHidden", err)
	}
	got := s.Kernel([]uint64{0xffffffff8a1b2c3d, 0xffffffff8a000010})
	want := []tally.Function{{Name: tally.UnknownFunction, Module: "[kernel]"}}
	if !slices.Equal(got, want) {
		t.Fatalf("frames %+v, want %+v", got, want)
	}
	if st := s.Stats(); st.Frames[KindKernel] != 2 || st.Resolved[KindKernel] != 0 {
		t.Fatalf("stats %s", st)
	}
}
