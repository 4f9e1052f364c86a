// efstop's soft descriptor limit, raised at start, and the one its children
// get back.
//
// A run across hundreds of scopes (docs/multi-account.md, "Scale") holds the
// store, HTTP connections and flow-log files at once, and the usual soft
// RLIMIT_NOFILE (1024) is far below the hard one: efstop raises the soft
// limit to the hard, as the Go and Java runtimes do at start. Safe for
// efstop because nothing in it waits on descriptors with select()
// (FD_SETSIZE): libcurl polls with poll(). Not safe to hand on: a program
// efstop starts (credential_process) may use select(), so a child gets back
// the limit efstop was started with, set between fork and exec (Go's os/exec
// does the same).
#ifndef EFSTOP_CORE_DESCRIPTOR_LIMIT_H_
#define EFSTOP_CORE_DESCRIPTOR_LIMIT_H_

namespace efstop {

// Raises the soft RLIMIT_NOFILE to the hard limit and remembers the limit it
// replaced. Returns true when it raised it (false: already at the hard
// limit, or getrlimit/setrlimit refused; then nothing is remembered). Call
// once, at start, before any thread: the remembered value is read without a
// lock.
bool raise_descriptor_limit();

// Puts back the soft limit the process was started with, when
// raise_descriptor_limit() raised it; does nothing otherwise. For a child
// between fork and exec: async-signal-safe (one setrlimit of a value stored
// before any thread started). Returns 0, or the errno of a failed setrlimit.
int restore_descriptor_limit_in_child();

}  // namespace efstop

#endif  // EFSTOP_CORE_DESCRIPTOR_LIMIT_H_
