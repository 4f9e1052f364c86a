// efstop: which clients move how many bytes to and from which EFS file systems.
#include <cstdio>
#include <cstring>

int main(int argc, char** argv) {
  if (argc > 1 && (std::strcmp(argv[1], "--version") == 0)) {
    std::printf("efstop 0.1.0\n");
    return 0;
  }
  std::fprintf(stderr, "efstop: nothing to do yet\n");
  return 2;
}
