// Runs a piece of a test in a process that has no descriptor left: the
// failures of a process at its RLIMIT_NOFILE (EMFILE), made exactly, with no
// guess of how many descriptors a run needs before the one that matters.
#ifndef EFSTOP_TESTS_HARNESS_NO_DESCRIPTORS_H_
#define EFSTOP_TESTS_HARNESS_NO_DESCRIPTORS_H_

#include <functional>
#include <string>

#include "core/result.h"

namespace efstop::testing {

// Forks; the child lowers its soft RLIMIT_NOFILE to its lowest free
// descriptor, so the next descriptor it opens (socket, file, pipe) fails with
// EMFILE, runs `body` and hands back what it returned. Everything built
// before the call is there in the child; nothing the child does reaches this
// process but that string. `body` must not use gtest assertions (they would
// fail in the child unseen): return what the parent should check.
// Errors: kInternal when the child could not be started or did not exit 0.
Result<std::string> run_without_descriptors(const std::function<std::string()>& body);

}  // namespace efstop::testing

#endif  // EFSTOP_TESTS_HARNESS_NO_DESCRIPTORS_H_
