#ifndef OTLPD_JSON_LEXER_H
#define OTLPD_JSON_LEXER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A pull tokenizer for one JSON text (RFC 8259) in memory: no tree, no
 * allocation, no recursion. It checks the whole grammar as it goes (a
 * token only comes out when what precedes it is valid), the nesting depth,
 * and every string: valid UTF-8, no raw control characters, valid escapes,
 * \u escapes paired into valid code points, and no NUL character (raw or
 * \u0000), so that every string can become a C string unchanged.
 * Error messages give a byte offset and never quote the input. */

#define JSON_MAX_DEPTH 256

enum json_type {
	JSON_END = 0,      /* the top-level value is complete and only whitespace follows */
	JSON_OBJECT_BEGIN, /* '{' */
	JSON_OBJECT_END,   /* '}' */
	JSON_ARRAY_BEGIN,  /* '[' */
	JSON_ARRAY_END,    /* ']' */
	JSON_KEY,          /* a member name (its ':' is consumed); its value follows */
	JSON_STRING,
	JSON_NUMBER,
	JSON_TRUE,
	JSON_FALSE,
	JSON_NULL,
};

struct json_token {
	enum json_type type;
	const uint8_t *start; /* KEY/STRING: the bytes between the quotes, raw;
			       * NUMBER: the literal */
	size_t len;
	bool escaped;  /* KEY/STRING: holds '\' escapes, read it with json_unescape() */
	size_t offset; /* of the token's first byte in the input */
};

struct json_lexer {
	const uint8_t *begin, *p, *end;
	uint32_t depth, max_depth;
	uint8_t state;                        /* what may come next */
	int failure;                          /* the error returned once failed */
	uint8_t is_object[JSON_MAX_DEPTH / 8]; /* bit per open level */
	char error[160];
};

/* max_depth: most arrays and objects open at once, 1..JSON_MAX_DEPTH. */
int json_lexer_init(struct json_lexer *lx, const uint8_t *buf, size_t len, uint32_t max_depth);

/* Returns 0 with the next token, -EBADMSG when the input is not valid JSON
 * there, -E2BIG when nesting passes max_depth; lx->error says what and
 * where. After JSON_END or an error, every call returns the same again. */
int json_next(struct json_lexer *lx, struct json_token *tok);

/* Skips the value that tok begins (tok is its first token: a scalar, or
 * '{' / '['), with the same checks as json_next(). */
int json_skip(struct json_lexer *lx, const struct json_token *tok);

/* Writes the characters of a KEY or STRING token to out, which must have
 * room for tok->len bytes (unescaping only shrinks); returns the length.
 * Cannot fail: json_next() checked the escapes. */
size_t json_unescape(const struct json_token *tok, uint8_t *out);

#endif
