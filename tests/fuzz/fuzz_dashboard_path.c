/* The dashboard's path checks on arbitrary bytes: never a crash, and an
 * accepted path is always "otlp/<signal>/<name>": one segment of the allowed
 * characters, not starting with '.', so never "." or "..". */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../dashboard/dash_path.h"
#include "../../dashboard/dash_range.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *path = malloc(size + 1);
	if (path == NULL)
		return 0;
	memcpy(path, data, size);
	path[size] = '\0';
	char rel[DASH_REL_PATH_MAX];
	enum dash_signal sig;
	if (dash_data_path(path, rel, sizeof rel, &sig) == 0) {
		const char *dir = dash_signal_dir(sig);
		size_t dl = strlen(dir);
		if (strncmp(rel, dir, dl) != 0 || rel[dl] != '/' ||
		    dash_file_name_ok(rel + dl + 1, strlen(rel + dl + 1)) != 0 ||
		    strchr(rel + dl + 1, '/') != NULL || rel[dl + 1] == '.')
			abort();
	}
	char out[512];
	(void)dash_percent_decode(path, size, out, sizeof out);
	uint64_t start, len;
	if (dash_range_parse(path, 1000, &start, &len) == 0 && (len == 0 || start + len > 1000))
		abort();
	free(path);
	return 0;
}
