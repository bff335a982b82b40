/* Bytes as a YAML config file -> the loader: accepted or refused with a
 * message; an accepted config serializes and reads back the same. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "config.h"
#include "roles.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config c, back;
	static char text[CONFIG_SERIALIZED_MAX];
	struct config_error err;
	config_defaults(&c);
	if (config_load_buffer(&c, "fuzz.yaml", (const char *)data, size, &err) != 0) {
		if (memchr(err.msg, '\0', sizeof err.msg) == NULL)
			__builtin_trap();
		return 0;
	}
	size_t len = 0;
	if (config_serialize(&c, ROLE_ALL, text, sizeof text, &len) != 0)
		return 0;
	config_defaults(&back);
	if (config_parse_serialized(&back, ROLE_ALL, text, len, &err) != 0)
		__builtin_trap();
	size_t len2 = 0;
	static char text2[CONFIG_SERIALIZED_MAX];
	if (config_serialize(&back, ROLE_ALL, text2, sizeof text2, &len2) != 0 || len2 != len ||
	    memcmp(text, text2, len) != 0)
		__builtin_trap();
	return 0;
}
