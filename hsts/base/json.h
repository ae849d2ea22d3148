/* json.h — a small, bounded JSON reader (RFC 8259), internal to detour.
 *
 * Reads a whole document into an immutable tree (one node array plus one
 * string arena; two allocations grow as needed). Optionally accepts the
 * `//` and slash-star comments that Chromium's transport_security_state_
 * static.json carries. Every node remembers its line and column, so callers
 * can report "line N, column M" for bad input. Strings are decoded to UTF-8 and
 * NUL-terminated; they may contain NUL, so the length is returned too. A lone
 * UTF-16 surrogate in a \u escape becomes U+FFFD, as a USVString conversion
 * does.
 *
 * Pure C, libc only: used by hsts/ (preload compiler) and by tests. */
#ifndef DT_HSTS_JSON_H
#define DT_HSTS_JSON_H

#include <stddef.h>

typedef enum dt__json_type {
  DT_JSON_NULL,
  DT_JSON_BOOL,
  DT_JSON_NUMBER,
  DT_JSON_STRING,
  DT_JSON_ARRAY,
  DT_JSON_OBJECT
} dt__json_type;

typedef struct dt__json_doc dt__json_doc;
typedef struct dt__json dt__json; /* a node; lives as long as its doc */

typedef struct dt__json_error {
  size_t line, col; /* 1-based position of the problem */
  size_t offset;    /* byte offset */
  char msg[128];
} dt__json_error;

#define DT_JSON_ALLOW_COMMENTS 1u
#define DT_JSON_MAX_DEPTH 256

/* Parses TEXT (len bytes). On success *out is a new document (free with
 * dt__json_free). On failure returns DT_EPARSE (or DT_ENOMEM) and fills
 * *err (if non-NULL) with the position and a message. */
int dt__json_parse(dt__json_doc **out, const char *text, size_t len,
                   unsigned flags, dt__json_error *err);
void dt__json_free(dt__json_doc *doc);

const dt__json *dt__json_root(const dt__json_doc *doc);
dt__json_type dt__json_type_of(const dt__json *v);
/* Items of an array / members of an object. */
size_t dt__json_count(const dt__json *v);
/* Iteration: first item (array) or first member's value (object), then
 * next sibling; NULL at the end. */
const dt__json *dt__json_first(const dt__json *v);
const dt__json *dt__json_next(const dt__json *v);
/* Key of an object member (the node is the member's value); NULL for array
 * items. */
const char *dt__json_key(const dt__json *v, size_t *len);
/* Member VALUE of object OBJ by key (first match), or NULL. */
const dt__json *dt__json_get(const dt__json *obj, const char *key);
/* Array item i (O(i)); prefer first/next for loops. */
const dt__json *dt__json_at(const dt__json *arr, size_t i);
/* String value (NUL-terminated; *len without the NUL), NULL if not a string. */
const char *dt__json_string(const dt__json *v, size_t *len);
double dt__json_number(const dt__json *v); /* 0 if not a number */
int dt__json_bool(const dt__json *v);      /* 1 for true, else 0 */
/* Where V starts: its 1-based line and column (bytes); 0 for NULL. */
size_t dt__json_line(const dt__json *v);
size_t dt__json_col(const dt__json *v);

#endif
