// What the first touch of fresh anonymous memory costs on this machine:
// 18 MB (the size of the report series `--bucket 5m` builds on bench/whole's
// file) touched one byte per 4 KiB page, as plain 4 KiB pages, after
// MADV_POPULATE_WRITE (the pages mapped by one call, no fault each), and
// after MADV_HUGEPAGE (2 MiB pages). docs/PERFORMANCE.md, "seventh pass".
//
//   cc -O2 -o /tmp/page_touch bench/whole/page_touch.c && /tmp/page_touch
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <time.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

int main(void) {
  const size_t size = (size_t)18 << 20;
  const size_t huge = (size_t)2 << 20;
  const char* names[] = {"4 KiB pages, a fault each", "MADV_POPULATE_WRITE first",
                         "MADV_HUGEPAGE (2 MiB pages)"};
  for (int round = 0; round < 2; ++round) {
    for (int mode = 0; mode < 3; ++mode) {
      char* raw = mmap(NULL, size + huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (raw == MAP_FAILED) return 1;
      char* p = (char*)(((uintptr_t)raw + huge - 1) & ~(uintptr_t)(huge - 1));
      const double t = now_ms();
      if (mode == 1) madvise(p, size, MADV_POPULATE_WRITE);
      if (mode == 2) madvise(p, size, MADV_HUGEPAGE);
      for (size_t i = 0; i < size; i += 4096) p[i] = 1;
      printf("%-30s %7.2f ms for %zu MB\n", names[mode], now_ms() - t, size >> 20);
      munmap(raw, size + huge);
    }
  }
  return 0;
}
