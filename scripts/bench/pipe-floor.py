"""The least a supervisor can do with a child's output: copy its stdout pipe to a file.

usage: python3 pipe-floor.py [--setsid] OUT CMD [ARG...]

Runs CMD with stdout into a pipe and copies the pipe to OUT the way tend's busy pipes are read:
a 1 MiB pipe, reads of up to 1 MiB into one reused buffer, and a 500 us pause after a read of
under 256 KiB so the next read takes more at once. No line handling, no ring, no rotation: the
writer's time under it is the floor for any reader of a pipe on this host.

With --setsid the child starts a session of its own, as tend's children do (Bun.spawn's
`detached`, the one way it offers to give a child its own process group). Where the kernel groups
sessions for scheduling (kernel.sched_autogroup_enabled), that alone changes the writer's time.
"""

import fcntl
import os
import select
import sys
import time

F_SETPIPE_SZ = 1031
BUFFER = 1 << 20
GATHER_BELOW = 256 * 1024
GATHER_S = 0.0005


def main() -> int:
    args = sys.argv[1:]
    setsid = args[0] == "--setsid"
    if setsid:
        args = args[1:]
    out = os.open(args[0], os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o644)
    r, w = os.pipe()
    try:
        fcntl.fcntl(r, F_SETPIPE_SZ, BUFFER)
    except OSError:
        pass  # fs.pipe-max-size below 1 MiB: the default pipe
    pid = os.fork()
    if pid == 0:
        if setsid:
            os.setsid()
        os.dup2(w, 1)
        os.execvp(args[1], args[1:])
    os.close(w)
    poller = select.poll()
    poller.register(r, select.POLLIN)
    buf = bytearray(BUFFER)
    view = memoryview(buf)
    while True:
        poller.poll()
        n = os.readv(r, [buf])
        if n == 0:
            break
        written = 0
        while written < n:
            written += os.write(out, view[written:n])
        if n < GATHER_BELOW:
            time.sleep(GATHER_S)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main())
