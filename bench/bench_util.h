#ifndef OTLPD_BENCH_UTIL_H
#define OTLPD_BENCH_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Helpers shared by the micro-benchmarks (never by the server). */

double bench_now(void); /* monotonic seconds */
/* Reads a whole file of at most 64 MiB; *out is the caller's to free(). */
int bench_read_file(const char *path, uint8_t **out, size_t *len);
/* Removes a directory made by the benchmark, with what is in it. */
void bench_remove_tree(const char *dir);

#endif
