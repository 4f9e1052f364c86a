// The whole of a small file (a token, a config file), read with open(2) and
// read(2) rather than a stream: the errno of a failure is then the one the
// failed call set (a stream does not promise to keep it), and a process out
// of descriptors runs nothing else that needs one (under the sanitizers, a
// stream's first use looks up its type information, which can need a file).
#ifndef EFSTOP_CORE_READ_FILE_H_
#define EFSTOP_CORE_READ_FILE_H_

#include <string>

namespace efstop {

// Reads the file at `path` into `*text` (replacing what it held). Returns 0,
// or the errno of the open or read that failed (ENOENT: no such file;
// EISDIR: a directory; EMFILE: out of descriptors; ...).
int read_file(const std::string& path, std::string* text);

// What a failed read_file() says after the path: for a process or machine out
// of a resource the words of core/resource_error.h ("too many open files:
// raise `ulimit -n`"), else strerror's, lowercased ("no such file or
// directory").
std::string read_file_failure(int errno_value);

}  // namespace efstop

#endif  // EFSTOP_CORE_READ_FILE_H_
