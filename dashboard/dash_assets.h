#ifndef OTLPD_DASH_ASSETS_H
#define OTLPD_DASH_ASSETS_H

#include <stddef.h>
#include <stdint.h>

/* The UI, bundled by esbuild and embedded at build time
 * (scripts/embed.py writes dash_assets_data.c), so the jail holds data only. */
struct dash_asset {
	const char *path;         /* request path, "/" for the page */
	const char *content_type;
	const char *etag;         /* quoted content hash */
	const uint8_t *data;
	size_t len;
};

extern const struct dash_asset dash_assets[];
extern const size_t dash_asset_count;

/* The asset served at path, or NULL. */
const struct dash_asset *dash_asset_find(const char *path);

#endif
