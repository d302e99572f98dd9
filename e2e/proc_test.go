package e2e

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// childrenOf returns the pids of the live processes whose parent is ppid and
// whose command line contains arg, read from /proc/<pid>/stat (field 4 is
// the parent pid; the command name in field 2 may itself contain spaces and
// parentheses, so fields are counted after its last ')').
func childrenOf(ppid int, arg string) []int {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var out []int
	for _, path := range stats {
		b, err := os.ReadFile(path)
		if err != nil {
			continue // exited meanwhile
		}
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:])) // state, ppid, ...
		if len(f) < 2 || f[0] == "Z" || f[1] != strconv.Itoa(ppid) {
			continue
		}
		pid, err := strconv.Atoi(filepath.Base(filepath.Dir(path)))
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
		if err != nil || !bytes.Contains(cmdline, []byte("\x00"+arg+"\x00")) && !bytes.HasSuffix(cmdline, []byte("\x00"+arg)) {
			continue
		}
		out = append(out, pid)
	}
	return out
}
