package plugins

import (
	"os/exec"
	"syscall"
)

// dieWithServer has the kernel kill a plugin when the server dies, even by
// SIGKILL, so no plugin outlives it.
func dieWithServer(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
