#ifndef KAIROS_CRC32C_H
#define KAIROS_CRC32C_H
#include <stddef.h>
#include <stdint.h>

/// Extends a CRC-32C (Castagnoli) over `length` bytes. Start with crc = 0.
/// Uses the SSE4.2 crc32 instruction when the CPU has it, a table otherwise.
uint32_t kairos_crc32c_extend(uint32_t crc, const void *bytes, size_t length);

/// The table-driven implementation, exposed so tests can compare both paths.
uint32_t kairos_crc32c_software(uint32_t crc, const void *bytes, size_t length);

/// 1 when the hardware path is in use.
int kairos_crc32c_hardware_available(void);
#endif
