#include "core/descriptor_limit.h"

#include <sys/resource.h>

#include <cerrno>

namespace efstop {
namespace {

// Written once by raise_descriptor_limit() before any thread starts; read
// (never written) afterwards, also in a forked child.
bool g_raised = false;
struct rlimit g_original {};

}  // namespace

bool raise_descriptor_limit() {
  struct rlimit limit {};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return false;
  const struct rlimit original = limit;
  limit.rlim_cur = limit.rlim_max;
  if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) return false;
  g_original = original;
  g_raised = true;
  return true;
}

int restore_descriptor_limit_in_child() {
  if (!g_raised) return 0;
  return ::setrlimit(RLIMIT_NOFILE, &g_original) == 0 ? 0 : errno;
}

}  // namespace efstop
