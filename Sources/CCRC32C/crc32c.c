// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) as Kafka's RecordBatch v2 uses it.
// The hardware path needs SSE4.2; it is compiled with a per-function target attribute so that
// no unsafe compiler flags leak into packages that depend on this one.
#include "crc32c.h"
#include <string.h>

static uint32_t table[8][256];
static int table_ready = 0;

static void build_table(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
        table[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++) {
        for (int t = 1; t < 8; t++) table[t][i] = (table[t - 1][i] >> 8) ^ table[0][table[t - 1][i] & 0xff];
    }
    __atomic_store_n(&table_ready, 1, __ATOMIC_RELEASE);
}

uint32_t kairos_crc32c_software(uint32_t crc, const void *bytes, size_t length) {
    if (!__atomic_load_n(&table_ready, __ATOMIC_ACQUIRE)) build_table();
    const uint8_t *p = (const uint8_t *)bytes;
    crc = ~crc;
    // Slicing-by-8: eight table look-ups per 8 input bytes.
    while (length >= 8) {
        uint64_t word;
        memcpy(&word, p, 8);
        uint32_t lo = (uint32_t)word ^ crc;
        uint32_t hi = (uint32_t)(word >> 32);
        crc = table[7][lo & 0xff] ^ table[6][(lo >> 8) & 0xff] ^ table[5][(lo >> 16) & 0xff] ^ table[4][lo >> 24] ^
              table[3][hi & 0xff] ^ table[2][(hi >> 8) & 0xff] ^ table[1][(hi >> 16) & 0xff] ^ table[0][hi >> 24];
        p += 8;
        length -= 8;
    }
    while (length--) crc = (crc >> 8) ^ table[0][(crc ^ *p++) & 0xff];
    return ~crc;
}

uint32_t kairos_crc32c_shift(uint32_t crc, size_t zeros);

#if defined(__x86_64__)
#include <nmmintrin.h>

__attribute__((target("sse4.2")))
static uint32_t crc32c_sse42(uint32_t crc, const void *bytes, size_t length) {
    const uint8_t *p = (const uint8_t *)bytes;
    uint64_t c = ~crc;
    // Three independent streams hide the instruction's 3-cycle latency on long inputs.
    while (length >= 3 * 1024) {
        uint64_t c1 = 0, c2 = 0;
        const uint8_t *p1 = p + 1024, *p2 = p + 2048;
        for (int i = 0; i < 1024; i += 8) {
            uint64_t a, b, d;
            memcpy(&a, p + i, 8); memcpy(&b, p1 + i, 8); memcpy(&d, p2 + i, 8);
            c = _mm_crc32_u64(c, a);
            c1 = _mm_crc32_u64(c1, b);
            c2 = _mm_crc32_u64(c2, d);
        }
        // Join the streams: advance each earlier stream's register over the 1024 bytes after it.
        uint32_t r0 = (uint32_t)c, r1 = (uint32_t)c1, r2 = (uint32_t)c2;
        r0 = kairos_crc32c_shift(r0, 1024) ^ r1;
        r0 = kairos_crc32c_shift(r0, 1024) ^ r2;
        c = r0;
        p += 3 * 1024;
        length -= 3 * 1024;
    }
    while (length >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        c = _mm_crc32_u64(c, w);
        p += 8;
        length -= 8;
    }
    uint32_t c32 = (uint32_t)c;
    while (length--) c32 = _mm_crc32_u8(c32, *p++);
    return ~c32;
}

static int hw_checked = 0, hw_ok = 0;
int kairos_crc32c_hardware_available(void) {
    if (!__atomic_load_n(&hw_checked, __ATOMIC_ACQUIRE)) {
        __builtin_cpu_init();
        hw_ok = __builtin_cpu_supports("sse4.2");
        __atomic_store_n(&hw_checked, 1, __ATOMIC_RELEASE);
    }
    return hw_ok;
}
#else
int kairos_crc32c_hardware_available(void) { return 0; }
#endif

// Multiplication in GF(2) modulo the reflected polynomial: used to advance a raw (non-inverted)
// CRC register over `zeros` zero bytes, which is how the parallel streams are joined.
static uint32_t gf2_multiply(uint32_t a, uint32_t b) {
    uint32_t product = 0;
    for (int i = 0; i < 32; i++) {
        if (a & 0x80000000u) product ^= b;
        a <<= 1;
        b = (b & 1) ? (b >> 1) ^ 0x82F63B78u : b >> 1;
    }
    return product;
}

static uint32_t shift_1024 = 0;
static int shift_ready = 0;

// x^(8*n) mod P, in reflected form; x^0 is 0x80000000 in the reflected representation.
static uint32_t x_pow_bytes(size_t n) {
    uint32_t result = 0x80000000u;
    uint32_t square = 0x40000000u; // x^1
    size_t bits = n * 8;
    while (bits) {
        if (bits & 1) result = gf2_multiply(result, square);
        square = gf2_multiply(square, square);
        bits >>= 1;
    }
    return result;
}

uint32_t kairos_crc32c_shift(uint32_t crc, size_t zeros) {
    uint32_t factor;
    if (zeros == 1024) {
        if (!__atomic_load_n(&shift_ready, __ATOMIC_ACQUIRE)) {
            shift_1024 = x_pow_bytes(1024);
            __atomic_store_n(&shift_ready, 1, __ATOMIC_RELEASE);
        }
        factor = shift_1024;
    } else {
        factor = x_pow_bytes(zeros);
    }
    return gf2_multiply(crc, factor);
}

uint32_t kairos_crc32c_extend(uint32_t crc, const void *bytes, size_t length) {
#if defined(__x86_64__)
    if (kairos_crc32c_hardware_available()) return crc32c_sse42(crc, bytes, length);
#endif
    return kairos_crc32c_software(crc, bytes, length);
}
