#ifndef OTLPD_SCRUB_H
#define OTLPD_SCRUB_H

/* Clears what handling a secret leaves behind outside memory we own:
 * the CPU's vector registers (memcpy and strlen load a credential into
 * them, and the dynamic linker's lazy resolver or a signal frame later
 * saves them onto the stack) and the unused stack below the caller, where
 * such saves and callees' buffers remain. Called once a process is done
 * with a credential's raw bytes. Registers are cleared on x86-64 only;
 * elsewhere only the stack is. */
void scrub_after_secret(void);

/* Only the vector registers: cheap enough after every copy of a secret. */
void scrub_vector_registers(void);

#endif
