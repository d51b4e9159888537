// The memory a long-running process (minemap serve) has freed, handed back to the system.
// The C library keeps freed memory for later allocations: after a large read (a store's
// whole table, the audit chain, a tile snapshot replaced) that would stay counted to the
// process for as long as it runs.
#pragma once

namespace minemap::core {

// Returns the freed memory of the process's heap to the system (glibc's malloc_trim); a
// no-op elsewhere.
void return_freed_memory();

// For a process that keeps large structures for long and replaces them (the server):
// allocations of 256 KiB and more get their own mapping, returned to the system when
// freed, whatever the sizes freed before (glibc would otherwise raise that threshold as
// large blocks are freed, and keep them); and one heap is shared by all threads.
void prefer_returning_memory();

}  // namespace minemap::core
