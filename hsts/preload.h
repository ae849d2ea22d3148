/* preload.h — the HSTS preload list: a compact, versioned, checksummed blob
 * (docs/preload-format.md) used in place, and its compiler from Chromium's
 * transport_security_state_static.json.
 *
 * Internal to detour (dt__ names); the engine and the CLI wrap it. Pure C,
 * libc only. No heap allocation per lookup and no parsing at start-up: a
 * handle is a few validated offsets into the caller's bytes.
 *
 * Matching (docs/decisions.md knob 8): the list's entries are looked up for the
 * host and each of its ancestors (label suffixes). An entry is force-https
 * (HSTS) or an override: an entry of Chromium's file without "mode" (pins
 * or Expect-CT only), kept because it still matches in Chromium.
 *  - DT__PRELOAD_MOST_SPECIFIC (chromium): the deepest entry found decides
 *    (net/http/transport_security_state.cc, PreloadDecoder::ReadEntry: each
 *    entry at a label boundary overwrites the result, and for an ancestor
 *    force_https &= include_subdomains). So a deeper entry without
 *    include_subdomains cancels an ancestor's for its whole subtree, and an
 *    override answers "no HSTS" for itself and everything under it.
 *  - DT__PRELOAD_ANY_ANCESTOR (fetch, firefox): an exact entry, or any
 *    ancestor with include_subdomains (RFC 6797 §8.2; Firefox's
 *    GetPreloadStatus inside the IsSecureURI walk). Overrides are ignored:
 *    Firefox builds its list from the force-https entries only. */
#ifndef DT_HSTS_PRELOAD_H
#define DT_HSTS_PRELOAD_H

#include <stddef.h>
#include <stdint.h>

#include "detour.h"

#define DT__PRELOAD_MAGIC "DTHSTSPL" /* 8 bytes at offset 0 */
#define DT__PRELOAD_VERSION 4u
/* Chromium's IsBuildTimely: static HSTS is off once the build is >= 70 days
 * old. detour reports it and, by default, keeps enforcing (docs/decisions.md).
 */
#define DT__PRELOAD_STALE_DAYS 70
/* Upper bound on a blob we accept (a real list compiles to far less). */
#define DT__PRELOAD_MAX_BLOB (64u * 1024u * 1024u)
/* Upper bound on entries the compiler accepts. */
#define DT__PRELOAD_MAX_ENTRIES 4000000u
/* Upper bound on the JSON the compiler reads (the 2026 list is 7.9 MB in
 * Chromium's schema): a file over it is refused from its size, before a
 * byte is read. */
#define DT__PRELOAD_MAX_JSON DT_PRELOAD_MAX_JSON_BYTES

typedef struct dt__preload dt__preload; /* opaque handle */

/* An error with a message and, for the compiler, the input line and
 * column (0 when the problem has no place, e.g. a truncated blob). */
typedef struct dt__preload_error {
  size_t line, col;
  char msg[256];
} dt__preload_error;

/* ---- opening a blob -------------------------------------------------------
 * All open functions return 0 and set *out, or DT_EPRELOAD (bad blob: the
 * message says what), DT_EIO (file), DT_ENOMEM, DT_EINVAL; err may be NULL.
 * Every open checks the header, the section layout, the separators'
 * padding and the code lengths, and derives the lookup's tables (the code
 * by byte pair, the block search's upper levels; derived_bytes).
 * Unless the caller passes DT__PRELOAD_TRUSTED it also checks the
 * checksum (XXH64), decodes every entry (valid names, strictly sorted)
 * and writes them again with the compiler's writer: the blob must come
 * out byte for byte, so every index, hash bit, escape and filter cell is
 * right (docs/preload-format.md gives the cost). TRUSTED is meant only for
 * the blob the build compiled, verified and embedded; lookups stay
 * memory-safe on any blob that opened, trusted or not. */
#define DT__PRELOAD_TRUSTED 1u
/* For tests and the bench only: lookups skip the filter and search every
 * ancestor in the blocks, as if each one were a false positive. */
#define DT__PRELOAD_NO_FILTER 2u

/* Uses BUF in place: BUF must stay valid and unchanged until
 * dt__preload_free. */
int dt__preload_open_mem(dt__preload **out, const void *buf, size_t len,
                         unsigned flags, dt__preload_error *err);
/* Maps PATH read-only (mmap); the handle owns the mapping. */
int dt__preload_open_file(dt__preload **out, const char *path,
                          dt__preload_error *err);
/* Opens the blob embedded in libdetour at build time (trusted). Defined in
 * the generated ${build}/preload/preload_blob.c, so only in libdetour, not
 * in detour_hsts. */
int dt__preload_open_default(dt__preload **out);
void dt__preload_free(dt__preload *p);

/* ---- information ----------------------------------------------------------
 */
typedef struct dt__preload_info {
  uint32_t entries;            /* force-https entries in the blob */
  uint32_t include_subdomains; /* of which with include_subdomains */
  uint32_t overrides; /* entries that are not force-https (besides ENTRIES):
                         they match and give no HSTS (chromium) */
  size_t blob_bytes;
  int32_t list_date_days; /* days since 1970-01-01 (UTC) */
  char list_date[11];     /* "YYYY-MM-DD" */
  uint64_t checksum;      /* XXH64 stored in the header */
  char checksum_hex[17];
  uint32_t block_size;  /* entries per block (32, fixed by the format) */
  size_t derived_bytes; /* heap the handle holds besides the blob: the
                           lookup's tables, derived at open */
} dt__preload_info;
void dt__preload_get_info(const dt__preload *p, dt__preload_info *info);

/* Age of the list against CLOCK (NULL → system clock): days since the list
 * date (negative if the clock is before it), and whether it is stale
 * (older than DT__PRELOAD_STALE_DAYS). */
int64_t dt__preload_age_days(const dt__preload *p, const dt_clock *clock);
int dt__preload_is_stale(const dt__preload *p, const dt_clock *clock);
/* The embedder's choice (docs/decisions.md: "an embedder may choose to disable
 * a stale list"): when DISABLE is 1 and the list is stale against CLOCK now,
 * later lookups answer DT__PRELOAD_R_DISABLED_STALE. Returns the stale
 * state. Call again to re-evaluate (e.g. once a day). */
int dt__preload_apply_stale_policy(dt__preload *p, int disable,
                                   const dt_clock *clock);

/* ---- lookup ----------------------------------------------------------------
 */
typedef enum dt__preload_mode {
  DT__PRELOAD_MOST_SPECIFIC = 0, /* chromium */
  DT__PRELOAD_ANY_ANCESTOR = 1   /* fetch, firefox */
} dt__preload_mode;

typedef enum dt__preload_reason {
  DT__PRELOAD_R_EXACT = 0, /* known: an entry for the host itself */
  DT__PRELOAD_R_ANCESTOR,  /* known: an ancestor with include_subdomains */
  DT__PRELOAD_R_NO_ENTRY,  /* no entry for the host nor any ancestor */
  DT__PRELOAD_R_ANCESTOR_NO_SUBDOMAINS, /* only ancestors, none with
                                           include_subdomains */
  DT__PRELOAD_R_CANCELLED,              /* chromium: a deeper entry without
                                           include_subdomains overrides an
                                           ancestor that has it */
  DT__PRELOAD_R_OVERRIDDEN,             /* chromium: the deciding entry is not
                                           force-https (pins or Expect-CT only) */
  DT__PRELOAD_R_BAD_HOST,               /* not a domain name we can look up */
  DT__PRELOAD_R_DISABLED_STALE /* list disabled: stale (embedder's choice) */
} dt__preload_reason;

/* Short stable token for --json ("exact", "ancestor", "no-entry",
 * "ancestor-without-include-subdomains", "cancelled-by-deeper-entry",
 * "overridden-by-non-hsts-entry", "bad-host", "disabled-stale"). Static
 * string. */
const char *dt__preload_reason_name(dt__preload_reason r);

typedef struct dt__preload_match {
  int known; /* 1 → the host is a Known HSTS Host */
  dt__preload_reason reason;
  /* The entry that decided (known), or for CANCELLED, OVERRIDDEN and
   * ANCESTOR_NO_SUBDOMAINS the deepest entry found. Empty name when none.
   * An override's include_subdomains is 0 (the blob does not keep it). */
  char name[DT_MAX_HOST_BYTES + 1];
  int include_subdomains;
  /* For CANCELLED and OVERRIDDEN: the nearest force-https ancestor with
   * include_subdomains above the deciding entry, which would have applied
   * without it; empty when there is none. */
  char cancelled[DT_MAX_HOST_BYTES + 1];
} dt__preload_match;

/* A host made ready for a lookup: trailing dots stripped, ASCII lowered,
 * bytes and labels checked, and what the lookup needs to hash any
 * ancestor (its key is the host's last m bytes, reversed): the hash state
 * after each whole 8-byte word of the key (stq), and where the ancestors
 * end — for a host of at most 63 bytes a bit mask of its dots, else their
 * key lengths (ml, shallowest first). The text sits in buf with 16 zero
 * bytes before it and 16 bytes after it ('/' then 'a's: the lookup's
 * start-of-key context and 16-byte steps), for the word loads that run off
 * either end; dt__preload_key_canon gives it. Used by dt__preload_lookup
 * (inlined there); the fuzz target fuzz_lookup_host checks its verdict
 * against the lookup's. */
typedef struct dt__preload_key {
  uint8_t buf[16 + DT_MAX_HOST_BYTES + 3 + 16];
  size_t len;
  size_t labels; /* len > 63: the labels, = entries in ml; else 0 */
  uint64_t dots; /* len <= 63: bit i set = a dot at byte i */
  uint8_t ml[DT_MAX_HOST_BYTES / 2 + 2];
  uint64_t stq[DT_MAX_HOST_BYTES / 8 + 2];
} dt__preload_key;
static inline const char *dt__preload_key_canon(const dt__preload_key *k) {
  return (const char *)k->buf + 16;
}

/* 0, or -1 when HOST (len bytes) is not a name we can look up: empty, too
 * long, a byte outside [A-Za-z0-9-_.], an empty label or one over 63. */
int dt__preload_key_make(dt__preload_key *k, const char *host, size_t len);

/* Looks HOST (len bytes; need not be NUL-terminated) up. HOST should be
 * canonical ASCII (the engine applies IDNA first); ASCII uppercase is
 * lowered and trailing dots are stripped here, without allocating. Returns
 * 1 when known, 0 when not; *m (may be NULL) gets the details. A NULL P
 * means "no list": 0 with NO_ENTRY. Never allocates; thread-safe on a
 * shared handle except against dt__preload_apply_stale_policy. */
int dt__preload_lookup(const dt__preload *p, const char *host, size_t len,
                       dt__preload_mode mode, dt__preload_match *m);

/* ---- compiler
 * ---------------------------------------------------------------- */
typedef struct dt__preload_compile_opts {
  int32_t list_date_days; /* the list's date, days since 1970-01-01 */
} dt__preload_compile_opts;

typedef struct dt__preload_compile_stats {
  size_t entries_total;      /* objects in "entries" */
  size_t compiled;           /* force-https entries in the blob */
  size_t include_subdomains; /* of which with include_subdomains */
  size_t overrides;          /* entries without "mode" in the blob */
  size_t force_https;        /* entries with mode "force-https" */
  size_t skipped_ip;         /* names that are IPv4 addresses (an all-numeric
                                last label): skipped, see docs */
  size_t unknown_fields;     /* fields of entries that Chromium's file does
                                not define (ignored) */
  size_t lowercased;         /* names that had ASCII uppercase (lowered) */
  size_t case_duplicates;    /* names equal to another once lowered, with
                                the same mode and flags: merged */
  size_t blob_bytes;
} dt__preload_compile_stats;

/* Compiles JSON (len bytes, Chromium's schema, // comments allowed) into a
 * new blob: *blob is malloc'ed, free it with free(). stats may be NULL.
 * Every field Chromium's file defines for an entry is read ("name",
 * "policy", "mode", "include_subdomains", "include_subdomains_for_pinning",
 * "pins", "expect_ct", "expect_ct_report_uri") and its type checked; any
 * other field is ignored and counted. An entry without "mode" is kept as an
 * override (docs/preload-format.md, "Source").
 * Errors: DT_EPARSE with err->line and err->col set for malformed JSON, a
 * wrong schema, a field of the wrong type or listed twice, a "mode" other
 * than "force-https", an empty "entries", a bad name (empty label, label >
 * 63, name > 253, a character outside [a-z0-9-_], a leading/trailing dot,
 * an IPv6 address) or a duplicate name (both lines in the message);
 * DT_EINVAL for JSON over DT__PRELOAD_MAX_JSON; DT_ENOMEM.
 * ASCII uppercase in a name is lowered and counted (Chromium matches
 * lowercased hosts); a name that equals another only once lowered, with
 * the same mode and include_subdomains, is merged and counted; otherwise
 * it is a duplicate error. */
int dt__preload_compile(const char *json, size_t len,
                        const dt__preload_compile_opts *opts,
                        unsigned char **blob, size_t *blob_len,
                        dt__preload_compile_stats *stats,
                        dt__preload_error *err);
/* The same from the file PATH: a regular file over DT__PRELOAD_MAX_JSON is
 * refused from its size (stat) before it is opened or read (DT_EINVAL, the
 * message names the limit); DT_EIO when it cannot be read. */
int dt__preload_compile_file(const char *path,
                             const dt__preload_compile_opts *opts,
                             unsigned char **blob, size_t *blob_len,
                             dt__preload_compile_stats *stats,
                             dt__preload_error *err);

/* XXH64 (seed) of len bytes; exposed for tests and the tool. */
uint64_t dt__preload_xxh64(const void *data, size_t len, uint64_t seed);

#endif
