#include "block_cache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Every block starts with a header that says which class it belongs to (or that it belongs to none), so free
 * needs no size. 16 bytes keep the payload 16-byte aligned, as malloc's is. */
#define HEADER_BYTES 16
#define SMALLEST_SHIFT 12 /* 4 KiB */
#define CLASS_COUNT 11    /* 4 KiB ... 4 MiB */
#define UNCACHED 0xFF
#define CACHE_LIMIT_BYTES ((size_t)64 << 20)
#define BLOCKS_PER_CLASS_MAX 1024

typedef struct {
    pthread_mutex_t lock;
    void *blocks[BLOCKS_PER_CLASS_MAX];
    int count;
} size_class;

static size_class classes[CLASS_COUNT] = {
#define CLASS_INIT { PTHREAD_MUTEX_INITIALIZER, { 0 }, 0 }
    CLASS_INIT, CLASS_INIT, CLASS_INIT, CLASS_INIT, CLASS_INIT, CLASS_INIT,
    CLASS_INIT, CLASS_INIT, CLASS_INIT, CLASS_INIT, CLASS_INIT,
};
static _Atomic size_t cached_bytes;

static size_t class_payload(int index) { return (size_t)1 << (SMALLEST_SHIFT + index); }

/* The smallest class whose payload holds `size`, or UNCACHED. */
static int class_for(size_t size) {
    if (size > class_payload(CLASS_COUNT - 1)) return UNCACHED;
    int index = 0;
    while (class_payload(index) < size) index++;
    return index;
}

static void *with_header(unsigned char *raw, int index) {
    raw[0] = (unsigned char)index;
    return raw + HEADER_BYTES;
}

static unsigned char *raw_of(void *block) { return (unsigned char *)block - HEADER_BYTES; }

void *kairos_block_alloc(size_t size) {
    if (size == 0) size = 1;
    int index = class_for(size);
    if (index == UNCACHED) {
        unsigned char *raw = malloc(size + HEADER_BYTES);
        return raw ? with_header(raw, UNCACHED) : NULL;
    }
    size_class *c = &classes[index];
    void *reused = NULL;
    pthread_mutex_lock(&c->lock);
    if (c->count > 0) reused = c->blocks[--c->count];
    pthread_mutex_unlock(&c->lock);
    if (reused) {
        atomic_fetch_sub_explicit(&cached_bytes, class_payload(index), memory_order_relaxed);
        return reused;
    }
    unsigned char *raw = malloc(class_payload(index) + HEADER_BYTES);
    return raw ? with_header(raw, index) : NULL;
}

void kairos_block_free(void *block) {
    if (!block) return;
    unsigned char *raw = raw_of(block);
    int index = raw[0];
    if (index != UNCACHED) {
        size_t bytes = class_payload(index);
        /* Reserve room under the limit first, so concurrent frees cannot overshoot it together. */
        size_t before = atomic_fetch_add_explicit(&cached_bytes, bytes, memory_order_relaxed);
        if (before + bytes <= CACHE_LIMIT_BYTES) {
            size_class *c = &classes[index];
            int kept = 0;
            pthread_mutex_lock(&c->lock);
            if (c->count < BLOCKS_PER_CLASS_MAX) {
                c->blocks[c->count++] = block;
                kept = 1;
            }
            pthread_mutex_unlock(&c->lock);
            if (kept) return;
        }
        atomic_fetch_sub_explicit(&cached_bytes, bytes, memory_order_relaxed);
    }
    free(raw);
}

void *kairos_block_realloc(void *block, size_t old_size, size_t new_size) {
    if (!block) return kairos_block_alloc(new_size);
    int index = raw_of(block)[0];
    if (index != UNCACHED && new_size <= class_payload(index)) return block;
    if (index == UNCACHED && class_for(new_size) == UNCACHED) {
        unsigned char *raw = realloc(raw_of(block), new_size + HEADER_BYTES);
        return raw ? with_header(raw, UNCACHED) : NULL;
    }
    void *grown = kairos_block_alloc(new_size);
    if (!grown) return NULL;
    memcpy(grown, block, old_size < new_size ? old_size : new_size);
    kairos_block_free(block);
    return grown;
}

void kairos_block_copy(void *destination, const void *source, size_t count) { memcpy(destination, source, count); }

size_t kairos_block_cached_bytes(void) { return atomic_load_explicit(&cached_bytes, memory_order_relaxed); }
