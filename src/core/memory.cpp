// See memory.hpp.
#include "core/memory.hpp"

#include <cstdlib>  // defines __GLIBC__ on the GNU C library

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace minemap::core {

void return_freed_memory() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

void prefer_returning_memory() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
  // One heap for every thread: what a request frees is then in the heap the next one
  // allocates from and that return_freed_memory() trims, rather than in a heap per thread.
  mallopt(M_ARENA_MAX, 1);
#endif
}

}  // namespace minemap::core
