//go:build linux && cgo

package backend

// #include <stdlib.h>
// #include <string.h>
import "C"

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// probeBytes is the size of mallocHugeProbe's block: above glibc's largest mmap threshold (32 MiB), so glibc maps
// it fresh as it does XLA's scratch blocks.
const probeBytes = 64 << 20

// mallocHugeProbe allocates a probeBytes block with malloc, writes it, and returns how much of it the kernel backs
// with huge pages (AnonHugePages of its mapping in /proc/self/smaps, at most the block's size) and the block's size.
func mallocHugeProbe() (huge, total int64, err error) {
	p := C.malloc(probeBytes)
	if p == nil {
		return 0, 0, fmt.Errorf("malloc(%d) failed", probeBytes)
	}
	defer C.free(p)
	C.memset(p, 1, probeBytes)
	huge, err = anonHugeBytesAt(uintptr(p))
	return min(huge, probeBytes), probeBytes, err
}

// anonHugeBytesAt returns AnonHugePages of the mapping of /proc/self/smaps that holds address addr.
func anonHugeBytesAt(addr uintptr) (int64, error) {
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	in, found := false, false
	for sc.Scan() {
		line := sc.Text()
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		if lo, hi, ok := strings.Cut(fields[0], "-"); ok && !strings.HasSuffix(fields[0], ":") {
			start, err1 := strconv.ParseUint(lo, 16, 64)
			end, err2 := strconv.ParseUint(hi, 16, 64)
			if err1 == nil && err2 == nil {
				in = uint64(addr) >= start && uint64(addr) < end
				found = found || in
				continue
			}
		}
		if in && fields[0] == "AnonHugePages:" && len(fields) >= 2 {
			kb, err := strconv.ParseInt(fields[1], 10, 64)
			if err != nil {
				return 0, fmt.Errorf("/proc/self/smaps: %q: %v", line, err)
			}
			return kb << 10, nil
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	if !found {
		return 0, fmt.Errorf("/proc/self/smaps has no mapping at %#x", addr)
	}
	return 0, fmt.Errorf("/proc/self/smaps has no AnonHugePages line for the mapping at %#x", addr)
}
