// Words for the errors that say this process, or this machine, ran out of a
// resource (descriptors, memory). Such a failure happened here, before
// anything was asked of the outside world: it is not a network hiccup to
// retry, nor evidence about the service that could not be reached, and the
// message says what to raise instead of concluding anything.
#ifndef EFSTOP_CORE_RESOURCE_ERROR_H_
#define EFSTOP_CORE_RESOURCE_ERROR_H_

#include <optional>
#include <string_view>

namespace efstop {

// For EMFILE "too many open files: raise `ulimit -n`", for ENFILE (the
// system's table is full: the process limit is not the one to raise) "too
// many open files in the system: raise fs.file-max or close other
// programs", for ENOMEM and ENOBUFS "out of memory"; nullopt for any other
// errno value.
std::optional<std::string_view> resource_shortage_words(int errno_value);

// Whether this process can open one more descriptor now: 0 when it can, else
// the errno of the failed attempt (EMFILE, ENFILE, ...). Opens and closes a
// UDP socket (close-on-exec). For a library that reports a failure without
// its errno (libcurl's resolver, its internal socket pair): asked right
// after that failure, it tells a process out of descriptors apart from a
// remote failure. Thread-safe.
int probe_descriptor();

}  // namespace efstop

#endif  // EFSTOP_CORE_RESOURCE_ERROR_H_
