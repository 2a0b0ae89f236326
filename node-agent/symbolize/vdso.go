package symbolize

import (
	"errors"
	"fmt"
	"os"

	"github.com/tallyhq/tally"
)

// vdsoPath is how /proc/<pid>/maps names the vDSO, the kernel's code
// mapped into every process for clock_gettime, gettimeofday, time and
// getcpu (Go's nanotime and walltime call it).
const vdsoPath = "[vdso]"

// errNoVDSO reports an agent without a vDSO of its own to read.
var errNoVDSO = errors.New("no [vdso] mapping in /proc/self/maps")

// readVDSO returns the vDSO image of the agent's own process: the kernel
// maps the same one into every process of its architecture.
func readVDSO() ([]byte, error) {
	maps, err := readMaps("/proc/self/maps")
	if err != nil {
		return nil, fmt.Errorf("read the vDSO: %w", err)
	}
	for _, m := range maps {
		if m.path != vdsoPath {
			continue
		}
		mem, err := os.Open("/proc/self/mem")
		if err != nil {
			return nil, fmt.Errorf("read the vDSO: %w", err)
		}
		defer mem.Close()
		image := make([]byte, m.end-m.start)
		if _, err := mem.ReadAt(image, int64(m.start)); err != nil {
			return nil, fmt.Errorf("read the vDSO: %w", err)
		}
		return image, nil
	}
	return nil, errNoVDSO
}

// vdsoFrame names the frame at pc in a process's vDSO mapping m,
// from the agent's own vDSO, read once. A vDSO of another size (a 32-bit
// process's) stays unknown.
func (s *Symbolizer) vdsoFrame(m *mapping, pc uint64) (tally.Function, Kind, bool) {
	off := pc - m.start
	unknown := tally.Function{Name: tally.UnknownFunction, Module: vdsoPath, Offset: off}
	if s.vdso == nil {
		s.vdso, s.vdsoSize = s.loadVDSO()
	}
	if s.vdso.err != nil || s.vdsoSize != m.end-m.start {
		return unknown, KindELF, false
	}
	vaddr, ok := s.vdso.vaddr(off)
	if !ok {
		return unknown, KindELF, false
	}
	name, ok := s.vdso.lookup(vaddr)
	if !ok {
		return unknown, KindELF, false
	}
	return tally.Function{Name: name, Module: vdsoPath}, KindELF, true
}

// loadVDSO reads and parses the agent's vDSO, and returns it with its size.
func (s *Symbolizer) loadVDSO() (*binary, uint64) {
	image, err := readVDSO()
	if err != nil {
		s.log.Debug("vDSO frames will stay unknown", "err", err)
		return &binary{err: err}, 0
	}
	b := parseImage(image, vdsoPath)
	if b.err != nil {
		s.log.Debug("vDSO frames will stay unknown", "err", b.err)
	}
	return b, uint64(len(image))
}
