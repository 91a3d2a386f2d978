#ifndef KAIROS_BLOCK_CACHE_H
#define KAIROS_BLOCK_CACHE_H

#include <stddef.h>

/* Memory blocks for byte buffers that come and go in large numbers (decompressed record batches, request frames).
 * Freed blocks of 4 KiB to 4 MiB are kept, per power-of-two size class, up to a total of 64 MiB, and handed out
 * again most recently freed first. glibc gives freed memory of a thread's arena back to the system once enough of
 * it is free, so a consumer that decompresses and drops megabytes per fetch paid a page fault for every page of
 * every batch; a kept block is also likely still in cache. */

void *kairos_block_alloc(size_t size);
void *kairos_block_realloc(void *block, size_t old_size, size_t new_size);
void kairos_block_free(void *block);
void kairos_block_copy(void *destination, const void *source, size_t count);

/* Bytes held in free blocks right now, for tests. */
size_t kairos_block_cached_bytes(void);

#endif
