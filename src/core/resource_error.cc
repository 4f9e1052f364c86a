#include "core/resource_error.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace efstop {

std::optional<std::string_view> resource_shortage_words(int errno_value) {
  switch (errno_value) {
    case EMFILE:
      return "too many open files: raise `ulimit -n`";
    case ENFILE:
      return "too many open files in the system: raise fs.file-max or close other programs";
    case ENOMEM:
    case ENOBUFS:
      return "out of memory";
    default:
      return std::nullopt;
  }
}

int probe_descriptor() {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  ::close(fd);
  return 0;
}

}  // namespace efstop
