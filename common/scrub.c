#include "scrub.h"

#include <string.h>

/* More than the stack that loading a config or credentials ever uses. */
#define SCRUB_STACK_BYTES (128 * 1024)

#if defined(__x86_64__)
#define Z(n) "vpxord %%zmm" #n ", %%zmm" #n ", %%zmm" #n "\n\t"
__attribute__((target("avx512f"))) static void zero_avx512(void)
{
	__asm__ volatile(Z(0) Z(1) Z(2) Z(3) Z(4) Z(5) Z(6) Z(7) Z(8) Z(9) Z(10) Z(11) Z(12) Z(13)
				 Z(14) Z(15) Z(16) Z(17) Z(18) Z(19) Z(20) Z(21) Z(22) Z(23) Z(24)
					 Z(25) Z(26) Z(27) Z(28) Z(29) Z(30) Z(31) "vzeroupper"
			 :
			 :
			 : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8",
			   "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "xmm16",
			   "xmm17", "xmm18", "xmm19", "xmm20", "xmm21", "xmm22", "xmm23", "xmm24",
			   "xmm25", "xmm26", "xmm27", "xmm28", "xmm29", "xmm30", "xmm31");
}
#undef Z

__attribute__((target("avx"))) static void zero_avx(void)
{
	__asm__ volatile("vzeroall"
			 :
			 :
			 : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8",
			   "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
}

#define P(n) "pxor %%xmm" #n ", %%xmm" #n "\n\t"
static void zero_sse(void)
{
	__asm__ volatile(P(0) P(1) P(2) P(3) P(4) P(5) P(6) P(7) P(8) P(9) P(10) P(11) P(12) P(13)
				 P(14) P(15)
			 :
			 :
			 : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8",
			   "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
}
#undef P
#endif

void scrub_vector_registers(void)
{
#if defined(__x86_64__)
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f"))
		zero_avx512();
	else if (__builtin_cpu_supports("avx"))
		zero_avx();
	else
		zero_sse();
#endif
}

__attribute__((noinline)) static void scrub_stack(void)
{
	unsigned char below[SCRUB_STACK_BYTES];
	explicit_bzero(below, sizeof below);
	/* Keeps the array from being optimised away with its wiping. */
	__asm__ volatile("" : : "r"(below) : "memory");
}

void scrub_after_secret(void)
{
	scrub_vector_registers();
	scrub_stack();
	/* explicit_bzero itself ran with vector registers (zeros only), but
	 * clear them once more after the last call. */
	scrub_vector_registers();
}
