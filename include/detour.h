/* detour.h — the one public header of libdetour.
 *
 * detour is a browser-style HTTP user agent: it follows redirects the way a
 * browser's network stack does, keeps an HSTS store and the preload list, and
 * records every step of a navigation as a chain of hops. The `detour`
 * command-line tool is built on this header and nothing else, so everything
 * it does an embedder can do too (docs/embedding.md).
 *
 * Conventions:
 *  - Every function that can fail returns an int: 0 (or a documented
 *    non-negative answer) on success, a negative DT_E* code from the one
 *    error table below on failure. Functions that can say more take an
 *    optional dt_error * (NULL: not wanted) and fill its message.
 *  - Handles are opaque and come in _new/_open and _free/_close pairs.
 *    Public structs are value types; a struct that may grow starts with a
 *    `size` field set by its _init function, grows only at its end, and is
 *    never nested in the middle of another public struct (a pointer to it
 *    is).
 *  - Strings and memory the library returns are NUL-terminated and freed
 *    with dt_free() when a function says "new"; pointers into a handle live
 *    as long as the handle. Strings passed in are copied unless stated.
 *  - Callbacks run from the loop, never from inside the call that started
 *    the work, and get the user_data given with it.
 *  - This header includes no third-party header: libuv's loop is forward
 *    declared.
 */
#ifndef DETOUR_H
#define DETOUR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DETOUR_VERSION "0.4.0"

/* Every public function carries DT_EXTERN: libdetour is built with hidden
 * visibility, so only these symbols leave the library (libuv's UV_EXTERN
 * idea). */
#if defined(__GNUC__) && __GNUC__ >= 4
#define DT_EXTERN __attribute__((visibility("default")))
#else
#define DT_EXTERN
#endif

struct uv_loop_s; /* libuv's uv_loop_t, without including uv.h */

/* ------------------------------------------------------------------------ */
/* Errors: one table (libuv's UV_ERRNO_MAP idea).
 * X(name, value, class, message); the class is also the CLI's exit status
 * (docs/cli.md). Values never change; new codes are appended. */

#define DT_ERRNO_MAP(X)                                                        \
  X(EINVAL, -1, USAGE, "invalid argument")                                     \
  X(ENOMEM, -2, USAGE, "out of memory")                                        \
  X(ECANCELED, -3, USAGE, "operation canceled")                                \
  X(EINTERNAL, -4, USAGE, "internal error")                                    \
  X(EURL, -10, URL, "URL could not be parsed")                                 \
  X(ESCHEME, -11, URL, "URL scheme not supported")                             \
  X(EBADPORT, -12, URL, "port is blocked (Fetch bad port)")                    \
  X(EDNS, -20, DNS, "name could not be resolved")                              \
  X(ECONNECT, -21, CONNECT, "connection could not be established")             \
  X(ECONNRESET, -22, CONNECT, "connection reset by peer")                      \
  X(ESEND, -23, CONNECT, "request could not be sent")                          \
  X(ETLS, -30, TLS, "TLS handshake failed")                                    \
  X(ECERT_UNTRUSTED, -31, TLS, "certificate not trusted (unknown CA)")         \
  X(ECERT_EXPIRED, -32, TLS, "certificate expired or not yet valid")           \
  X(ECERT_NAME, -33, TLS, "certificate name does not match host")              \
  X(ECERT_OTHER, -34, TLS, "certificate verification failed")                  \
  X(ETLS_OBSOLETE, -35, TLS,                                                   \
    "the server speaks only TLS 1.1 or older, which browsers refuse")          \
  X(ETLS_NEED13, -36, TLS,                                                     \
    "the server refused TLS 1.2 and this build has no TLS 1.3")                \
  X(EHTTP, -40, HTTP, "malformed HTTP response")                               \
  X(EDECODE, -42, HTTP, "the body's content coding does not decode")           \
  X(ETRUNCATED, -41, HTTP,                                                     \
    "connection closed before the response was "                               \
    "complete")                                                                \
  X(ELIMIT_HEADER_BYTES, -50, LIMIT, "response header block exceeds limit")    \
  X(ELIMIT_HEADER_COUNT, -51, LIMIT, "response header count exceeds limit")    \
  X(ELIMIT_URL, -52, URL, "URL exceeds length limit")                          \
  X(ELIMIT_BODY_BYTES, -53, LIMIT, "response body exceeds limit")              \
  X(ETIMEOUT_DNS, -60, TIMEOUT, "timed out resolving name")                    \
  X(ETIMEOUT_CONNECT, -61, TIMEOUT, "timed out connecting")                    \
  X(ETIMEOUT_TLS, -62, TIMEOUT, "timed out in TLS handshake")                  \
  X(ETIMEOUT_FIRST_BYTE, -63, TIMEOUT,                                         \
    "timed out waiting for the first "                                         \
    "response byte")                                                           \
  X(ETIMEOUT_IDLE, -64, TIMEOUT, "timed out: connection idle too long")        \
  X(ETIMEOUT_TOTAL, -65, TIMEOUT, "timed out: total time limit reached")       \
  X(EREDIRECT_LIMIT, -70, REDIRECT, "too many redirects")                      \
  X(EREDIRECT_LOCATION, -71, REDIRECT, "redirect Location is invalid")         \
  X(EREDIRECT_SCHEME, -72, REDIRECT,                                           \
    "redirect to a scheme other than "                                         \
    "http/https")                                                              \
  X(EHSTS_CERT, -73, TLS, "certificate error on a Known HSTS Host (fatal)")    \
  X(EIO, -80, IO, "file I/O error")                                            \
  X(ESTORE, -81, IO, "HSTS store file problem")                                \
  X(EPRELOAD, -82, IO, "preload list blob is invalid")                         \
  X(EPARSE, -83, USAGE, "input could not be parsed")

typedef enum dt_err {
  DT_OK = 0,
#define DT__ERR_ENUM(name, val, cls, msg) DT_##name = (val),
  DT_ERRNO_MAP(DT__ERR_ENUM)
#undef DT__ERR_ENUM
} dt_err;

/* Error classes: the CLI's exit status is the class value (docs/cli.md). */
typedef enum dt_err_class {
  DT_CLASS_OK = 0,
  DT_CLASS_USAGE = 2,
  DT_CLASS_URL = 3,
  DT_CLASS_DNS = 4,
  DT_CLASS_CONNECT = 5,
  DT_CLASS_TLS = 6,
  DT_CLASS_HTTP = 7,
  DT_CLASS_LIMIT = 8,
  DT_CLASS_TIMEOUT = 9,
  DT_CLASS_REDIRECT = 10,
  DT_CLASS_IO = 11
} dt_err_class;

/* "EDNS" etc. (without the DT_ prefix); "UNKNOWN" for an unknown code.
 * Static strings: never free. */
DT_EXTERN const char *dt_err_name(int err);
/* Human message for a code; static string. */
DT_EXTERN const char *dt_strerror(int err);
/* The class column of the table (DT_CLASS_OK for 0 and positive values,
 * DT_CLASS_USAGE for an unknown code). */
DT_EXTERN dt_err_class dt_err_class_of(int err);
/* "usage", "url", "dns", … ("ok" for 0): the class as JSON names it. */
DT_EXTERN const char *dt_err_class_name(dt_err_class c);

/* What a failing call can say beyond its code: the message names the
 * input, the cause and, where one is known, the fix. Functions taking a
 * dt_error * accept NULL. Value type. */
#define DT_ERROR_MESSAGE_BYTES 1024
#define DT_ERROR_HINT_BYTES 512
typedef struct dt_error {
  int code;      /* the DT_E* the call returned; 0 before any error */
  size_t line;   /* 1-based input line of a parse error, else 0 */
  size_t column; /* 1-based column (byte) on that line, else 0 */
  size_t offset; /* byte offset of the problem in the input, else 0 */
  char message[DT_ERROR_MESSAGE_BYTES];
  /* What the caller most likely meant or should do, when the library can
   * tell ("did you mean http://a.test/?"); "" when it cannot. */
  char hint[DT_ERROR_HINT_BYTES];
} dt_error;

/* The error as JSON: {"code": "EPARSE", "class": "usage", "message": "...",
 * "hint": "..."|null} plus "line"/"column" when set. New string
 * (dt_free). */
DT_EXTERN char *dt_error_to_json(const dt_error *err);

/* ------------------------------------------------------------------------ */
/* Memory returned by the library (strings, JSON, blobs) is freed with
 * dt_free(). */
DT_EXTERN void dt_free(void *p);

/* Reads the file PATH ("-": standard input) whole into a new NUL-terminated
 * buffer (*out, dt_free; *len without the NUL), as the library reads its
 * own inputs: a directory, or a file larger than MAX bytes, is refused
 * before anything is read. 0, DT_EIO, DT_EINVAL (too large), DT_ENOMEM;
 * ERR names the file and the cause. */
DT_EXTERN int dt_file_read(const char *path, size_t max, char **out,
                           size_t *len, dt_error *err);

/* ------------------------------------------------------------------------ */
/* Limits: every buffer and count the engine keeps has a limit, and all the
 * defaults live here. Fill a dt_limits with dt_limits_default() and change
 * what you need. A timeout of 0 disables it. */

/* Chromium's response head limit (net/http/http_stream_parser.cc,
 * kMaxHeaderBufSize: 256 KiB). Chromium has no field-count limit; detour
 * bounds the count for memory at 1,000 (--max-header-count). */
#define DT_DEFAULT_MAX_HEADER_BYTES (256u * 1024u)
#define DT_DEFAULT_MAX_HEADER_COUNT 1000u
#define DT_DEFAULT_MAX_BODY_BYTES (16u * 1024u * 1024u)
#define DT_DEFAULT_MAX_URL_BYTES (64u * 1024u)
#define DT_DEFAULT_MAX_REQUEST_BODY (64u * 1024u * 1024u)
#define DT_DEFAULT_DNS_TIMEOUT_MS 10000u
#define DT_DEFAULT_CONNECT_TIMEOUT_MS 10000u /* per address attempt */
#define DT_DEFAULT_TLS_TIMEOUT_MS 10000u
#define DT_DEFAULT_FIRST_BYTE_TIMEOUT_MS 30000u
#define DT_DEFAULT_IDLE_TIMEOUT_MS 30000u
#define DT_DEFAULT_TOTAL_TIMEOUT_MS 120000u
#define DT_DEFAULT_POOL_IDLE_PER_ORIGIN 6u /* Chromium keeps 6 per group */
#define DT_DEFAULT_POOL_IDLE_MS 60000u
/* Idle connections a context keeps in all: Chromium's socket pool holds 256
 * (net/socket/client_socket_pool_manager.cc, g_max_sockets_per_pool), and
 * its oldest idle one goes first when the pool is full. */
#define DT_DEFAULT_POOL_IDLE_MAX 256u
#define DT_DEFAULT_HSTS_MAX_ENTRIES 100000u
#define DT_MAX_HOST_BYTES 253u /* RFC 1035 name length, text form */
#define DT_MAX_LABEL_BYTES 63u

typedef struct dt_limits {
  uint32_t size;           /* sizeof(dt_limits) as the caller knows it */
  size_t max_header_bytes; /* response head, status line included */
  size_t max_header_count; /* response header fields */
  size_t max_body_bytes;   /* body bytes kept in a hop when the request has
                              no body callback; beyond: counted, dropped */
  size_t max_url_bytes;    /* any URL the engine parses or builds */
  size_t max_request_body; /* request body (-d / --data-binary) */
  uint32_t dns_timeout_ms;
  uint32_t connect_timeout_ms;
  uint32_t tls_timeout_ms;
  uint32_t first_byte_timeout_ms;
  uint32_t idle_timeout_ms;  /* no byte received for this long mid-response */
  uint32_t total_timeout_ms; /* whole navigation; 0 for long downloads */
  uint32_t pool_idle_per_origin;
  uint32_t pool_idle_ms;
  size_t hsts_max_entries; /* LRU bound of the dynamic store (at most 2^28) */
  uint32_t pool_idle_max;  /* idle connections kept in all origins; the
                              least recently pooled closes first */
} dt_limits;

DT_EXTERN void dt_limits_default(dt_limits *lim);

/* ------------------------------------------------------------------------ */
/* Clock: every read of wall time goes through this, so HSTS expiry and
 * timestamps are testable (curl's CURL_TIME idea). now_ms returns Unix time
 * in milliseconds. A NULL now_ms means the system clock. Timeouts run on the
 * libuv loop's own monotonic clock. Value type. */
typedef struct dt_clock {
  int64_t (*now_ms)(void *user_data);
  void *user_data;
} dt_clock;

DT_EXTERN int64_t dt_clock_now_ms(const dt_clock *clock); /* NULL: system */

/* Dates as days since 1970-01-01 (proleptic Gregorian, UTC).
 * dt_date_parse reads "YYYY-MM-DD": 0 or DT_EINVAL. dt_date_format writes
 * "YYYY-MM-DD" and a NUL into OUT. */
DT_EXTERN int dt_date_parse(const char *s, int32_t *days);
DT_EXTERN void dt_date_format(int32_t days, char out[11]);
/* RFC 3339 UTC time ("2026-11-25T04:27:19Z") of Unix ms, into OUT. */
DT_EXTERN void dt_time_format(int64_t unix_ms, char out[32]);

/* ------------------------------------------------------------------------ */
/* JSON writer: what the library's *_to_json functions use, for callers that
 * wrap library documents in their own (the CLI's envelopes). Commas are
 * placed for you; strings are escaped (bytes that are not UTF-8 become
 * \u00XX). Errors are sticky: after a failure every call does nothing and
 * dt_json_finish returns NULL. */
typedef struct dt_json dt_json;
DT_EXTERN dt_json *dt_json_new(int pretty); /* NULL on ENOMEM */
DT_EXTERN void dt_json_obj_open(dt_json *w);
DT_EXTERN void dt_json_obj_close(dt_json *w);
DT_EXTERN void dt_json_arr_open(dt_json *w);
DT_EXTERN void dt_json_arr_close(dt_json *w);
DT_EXTERN void dt_json_key(dt_json *w, const char *key);
DT_EXTERN void dt_json_str(dt_json *w, const char *s); /* NULL → null */
DT_EXTERN void dt_json_int(dt_json *w, int64_t v);
DT_EXTERN void dt_json_uint(dt_json *w, uint64_t v);
DT_EXTERN void dt_json_bool(dt_json *w, int v);
DT_EXTERN void dt_json_null(dt_json *w);
/* A JSON value made by the library (a *_to_json result), inserted as is;
 * NULL → null. */
DT_EXTERN void dt_json_raw(dt_json *w, const char *json);
/* The document (new string, dt_free), or NULL after a failure; frees W. */
DT_EXTERN char *dt_json_finish(dt_json *w);

/* ------------------------------------------------------------------------ */
/* URL: the WHATWG URL Standard (engine/url/url.c). */

typedef struct dt_url dt_url; /* opaque, immutable once parsed */

/* Parse INPUT (len bytes, need not be NUL-terminated) against BASE (may be
 * NULL). On success *out is a new URL, freed with dt_url_free(). Returns
 * DT_EURL on failure (the Standard's "failure"), DT_ELIMIT_URL when input
 * exceeds DT_DEFAULT_MAX_URL_BYTES. */
DT_EXTERN int dt_url_parse(dt_url **out, const char *input, size_t len,
                           const dt_url *base);
/* dt_url_parse, saying why when INPUT does not parse: ERR's message names
 * the input and the cause (the URL Standard's validation error, e.g. no
 * scheme, a port over 65535, a byte a host cannot hold), ERR->column is
 * the 1-based byte of INPUT the parser stopped at (0 when it cannot point
 * at one: invalid UTF-8 before it) and ERR->hint a likely fix ("did you
 * mean http://a.test/?", dt_url_missing_scheme). ERR may be NULL. */
DT_EXTERN int dt_url_parse_err(dt_url **out, const char *input, size_t len,
                               const dt_url *base, dt_error *err);
/* When INPUT (NUL-terminated) reads as a host typed without a scheme —
 * "a.test", "a.test:8080/x" (which the Standard parses as the scheme
 * "a.test:"), "localhost:3000" — writes the http URL it most likely means
 * into OUT (CAP bytes; its href, e.g. "http://a.test:8080/x") and returns 1;
 * else 0. A guess for a hint; text typed into an address bar is made a URL
 * by dt_address_bar_url, the browsers' rule. */
DT_EXTERN int dt_url_missing_scheme(const char *input, char *out, size_t cap);
DT_EXTERN void dt_url_free(dt_url *url);
DT_EXTERN dt_url *dt_url_dup(const dt_url *url);

/* Components, as the URL Standard's API getters name them (href, origin,
 * protocol "http:", username, password, host "a.test:8080", hostname, port
 * "" or "8080", pathname, search "" or "?q", hash "" or "#f").
 * Returned pointers live as long as the URL; never free them. */
typedef enum dt_url_part {
  DT_URL_HREF,
  DT_URL_ORIGIN,
  DT_URL_PROTOCOL,
  DT_URL_USERNAME,
  DT_URL_PASSWORD,
  DT_URL_HOST,
  DT_URL_HOSTNAME,
  DT_URL_PORT,
  DT_URL_PATHNAME,
  DT_URL_SEARCH,
  DT_URL_HASH
} dt_url_part;
DT_EXTERN const char *dt_url_get(const dt_url *url, dt_url_part part);
/* The part's getter name ("href", "hostname", …); static string. */
DT_EXTERN const char *dt_url_part_name(dt_url_part part);

/* Scheme without ':' ("https"). */
DT_EXTERN const char *dt_url_scheme(const dt_url *url);
/* The port to connect to: explicit port, else the scheme's default, else
 * -1. */
DT_EXTERN int dt_url_port_or_default(const dt_url *url);
/* Host kind after host parsing. */
typedef enum dt_host_kind {
  DT_HOST_NONE = 0, /* no host (e.g. "mailto:") or empty host */
  DT_HOST_DOMAIN,   /* ASCII domain after IDNA (A-labels, lowercase) */
  DT_HOST_IPV4,
  DT_HOST_IPV6,  /* hostname getter includes brackets */
  DT_HOST_OPAQUE /* non-special scheme opaque host */
} dt_host_kind;
DT_EXTERN dt_host_kind dt_url_host_kind(const dt_url *url);
DT_EXTERN int dt_url_has_fragment(const dt_url *url); /* null vs "#" */
DT_EXTERN int dt_url_is_special(const dt_url *url);
/* Same origin (tuple origins; opaque origins are never same). */
DT_EXTERN int dt_url_same_origin(const dt_url *a, const dt_url *b);
/* Target for the request line: path + query, never the fragment. New
 * string, dt_free() it. */
DT_EXTERN char *dt_url_request_target(const dt_url *url);
/* A copy of URL with one part replaced, using the Standard's setter rules
 * (protocol, username, password, host, hostname, port, pathname, search,
 * hash). As with the Standard's setters, a value the setter rejects leaves
 * the copy unchanged (or changed only as far as the setter got before it
 * gave up). NULL only on ENOMEM, a limit, a NULL argument, ORIGIN (which
 * has no setter), or an href value that does not parse. */
DT_EXTERN dt_url *dt_url_with(const dt_url *url, dt_url_part part,
                              const char *value);
/* The URL's parts as JSON with the Standard's getter names (`detour url`).
 * New string (dt_free); NULL on ENOMEM. */
DT_EXTERN char *dt_url_to_json(const dt_url *url);

/* Host canonicalisation, the one every part of detour uses (navigation, the
 * HSTS store, the preload list, the audit): domain to ASCII (UTS #46
 * non-transitional), lowercase, trailing dots removed. Writes a
 * NUL-terminated string into OUT (CAP bytes; DT_MAX_HOST_BYTES + 2 always
 * fits a valid name). Returns its length, or DT_EURL when HOST is not a
 * valid domain, DT_EINVAL when it is an IP literal, DT_ELIMIT_URL when the
 * input is longer than a URL may be or the result does not fit. */
DT_EXTERN int dt_host_canonicalize(const char *host, size_t len, char *out,
                                   size_t cap);

/* ------------------------------------------------------------------------ */
/* Profiles: browser behaviour as data (docs/profiles.md). Everywhere a
 * function takes a profile name, NULL means "chromium" and names are
 * matched ASCII case-insensitively; an unknown name is DT_EINVAL. */

DT_EXTERN size_t dt_profile_count(void);
/* The i-th profile's name ("chromium", "fetch", "firefox") and one-line
 * summary, or NULL past the last. Static strings. */
DT_EXTERN const char *dt_profile_name(size_t i);
DT_EXTERN const char *dt_profile_summary(size_t i);
/* 1 when NAME is a profile (NULL counts: the default). */
DT_EXTERN int dt_profile_exists(const char *name);

/* ------------------------------------------------------------------------ */
/* The Strict-Transport-Security header (RFC 6797 §6.1, with Chromium's
 * strictness; docs/hsts.md). */

#define DT_STS_MAX_UNKNOWN 8
typedef struct dt_sts_result {
  int valid;
  const char *code;    /* "STSOk" or the rejection ("STSMultipleMaxAges") */
  const char *message; /* the code as a sentence; static */
  size_t offset;       /* byte of VALUE where the problem is */
  uint64_t max_age;    /* seconds, after the profile's cap (valid only) */
  int clamped;         /* the cap applied */
  int include_subdomains;
  int preload;             /* a `preload` directive was present */
  unsigned unknown_count;  /* unknown well-formed directives */
  struct {                 /* the first DT_STS_MAX_UNKNOWN, as spans */
    size_t offset, length; /* into VALUE */
  } unknown[DT_STS_MAX_UNKNOWN];
} dt_sts_result;

/* Parses VALUE (LEN bytes) as the profile would. Returns 1 (valid), 0
 * (rejected: code, message, offset say why) or DT_EINVAL (unknown profile,
 * NULL argument). */
DT_EXTERN int dt_sts_parse(const char *value, size_t len, const char *profile,
                           dt_sts_result *out);
/* {"valid", "max_age", "include_subdomains", "preload", "clamped",
 * "unknown_directives", "error", "profile"} (docs/json-output.md); VALUE is
 * the parsed text. New string (dt_free). */
DT_EXTERN char *dt_sts_result_to_json(const dt_sts_result *r, const char *value,
                                      const char *profile);

/* ------------------------------------------------------------------------ */
/* The HSTS store: the dynamic entries learned from STS fields (RFC 6797
 * §8.1), in memory and, with a path, in a crash-safe file shared between
 * processes by a locked merge (docs/hsts-store-format.md). A context has one
 * (dt_ctx_hsts_store); `detour hsts` opens one on its own. Hosts are
 * canonicalised as a navigation's (dt_host_canonicalize); IP literals and
 * localhost are never HSTS hosts. Not thread-safe. */

typedef struct dt_hsts_store dt_hsts_store;

#define DT_HSTS_NEVER INT64_MAX /* expires_ms of an entry without expiry */
typedef struct dt_hsts_entry {
  char host[DT_MAX_HOST_BYTES + 1]; /* canonical */
  int include_subdomains;
  int64_t expires_ms;  /* Unix ms (the store's clock), or DT_HSTS_NEVER */
  int64_t observed_ms; /* when the header was noted or the entry added */
} dt_hsts_entry;

typedef struct dt_hsts_store_options {
  uint32_t size;       /* dt_hsts_store_options_init sets it */
  const char *profile; /* caps and matching rules; NULL: chromium */
  dt_clock clock;      /* NULL now_ms: the system clock */
  size_t max_entries;  /* LRU bound; 0: DT_DEFAULT_HSTS_MAX_ENTRIES */
} dt_hsts_store_options;
DT_EXTERN void dt_hsts_store_options_init(dt_hsts_store_options *opt);

/* Opens the store file PATH (NULL: a store in memory only; a missing file
 * is an empty store). OPT may be NULL (defaults). On success *out is a new
 * store (dt_hsts_store_free). A file that cannot be used is DT_ESTORE or
 * DT_EIO and no store is made; ERR says which file, why and the fix.
 * Damaged lines are skipped: dt_hsts_store_warning says so. */
DT_EXTERN int dt_hsts_store_open(dt_hsts_store **out, const char *path,
                                 const dt_hsts_store_options *opt,
                                 dt_error *err);
/* Frees the store. Unsaved changes are dropped: save first. */
DT_EXTERN void dt_hsts_store_free(dt_hsts_store *s);
/* The file ("" for a memory store); lives as long as S. */
DT_EXTERN const char *dt_hsts_store_path(const dt_hsts_store *s);
/* The default file: $XDG_DATA_HOME/detour/hsts.txt (absolute XDG_DATA_HOME)
 * else $HOME/.local/share/detour/hsts.txt. 0 or DT_EINVAL (neither set,
 * or it does not fit CAP bytes). */
DT_EXTERN int dt_hsts_store_default_path(char *out, size_t cap);
/* Problems worth telling a person (damaged lines skipped, a save that
 * failed and left the store memory-only): the i-th, or NULL past the last.
 * Lives as long as S. */
DT_EXTERN const char *dt_hsts_store_warning(const dt_hsts_store *s, size_t i);
DT_EXTERN size_t dt_hsts_store_count(const dt_hsts_store *s);

/* Adds or replaces HOST's entry, expiring MAX_AGE_S seconds from now; the
 * profile's cap applies, as to a header (chromium: one year). 0,
 * DT_EINVAL (max_age_s 0, or not an HSTS host: ERR says why), DT_EURL,
 * DT_ELIMIT_URL, DT_ENOMEM. */
DT_EXTERN int dt_hsts_store_add(dt_hsts_store *s, const char *host,
                                uint64_t max_age_s, int include_subdomains,
                                dt_error *err);
/* HOST's own entry (not an ancestor's): 1 and *out, or 0 when none. */
DT_EXTERN int dt_hsts_store_get(dt_hsts_store *s, const char *host,
                                dt_hsts_entry *out);

/* Why a host is or is not a Known HSTS Host in the store. */
typedef enum dt_hsts_reason {
  DT_HSTS_EXACT = 0, /* known: an unexpired entry for the host */
  DT_HSTS_ANCESTOR,  /* known: an ancestor with includeSubDomains */
  DT_HSTS_NO_ENTRY,  /* nothing for the host or any ancestor */
  DT_HSTS_EXPIRED,   /* the closest candidate had expired */
  DT_HSTS_ANCESTOR_NO_SUBDOMAINS, /* only ancestors without it */
  DT_HSTS_INELIGIBLE              /* localhost, *.localhost or a bad name */
} dt_hsts_reason;
typedef struct dt_hsts_match {
  char host[DT_MAX_HOST_BYTES + 1]; /* the canonical host asked about */
  int known;
  dt_hsts_reason reason;
  const char *reason_name; /* "exact", "ancestor", "no-entry", "expired",
                              "ancestor-without-include-subdomains",
                              "ineligible-host"; static */
  int has_entry;           /* entry is set: the match, or the closest near miss
                              (an expired entry, an ancestor without
                              includeSubDomains) */
  dt_hsts_entry entry;
} dt_hsts_match;
/* Looks HOST up as a navigation would (the match becomes the most recently
 * used entry). 1 known, 0 not, DT_EURL / DT_EINVAL (IP literal; ERR says
 * why) / DT_ELIMIT_URL. */
DT_EXTERN int dt_hsts_store_query(dt_hsts_store *s, const char *host,
                                  dt_hsts_match *out, dt_error *err);
/* Deletes HOST's own entry: 1 deleted, 0 none, DT_EINVAL / DT_EURL. */
DT_EXTERN int dt_hsts_store_delete(dt_hsts_store *s, const char *host);
/* Deletes the entries observed in [from_ms, to_ms] ("clear browsing data
 * for a time range"; every entry: INT64_MIN, INT64_MAX). TO_MS is capped
 * at now: headers noted later are kept. Returns how many. */
DT_EXTERN size_t dt_hsts_store_delete_observed_between(dt_hsts_store *s,
                                                       int64_t from_ms,
                                                       int64_t to_ms);
/* Deletes every entry; returns how many there were. */
DT_EXTERN size_t dt_hsts_store_clear(dt_hsts_store *s);
/* Calls CB for each entry, most recently used first; a non-zero return
 * stops the walk and is returned. CB must not change the store. */
DT_EXTERN int dt_hsts_store_each(dt_hsts_store *s,
                                 int (*cb)(const dt_hsts_entry *entry,
                                           void *user_data),
                                 void *user_data);

/* curl's --hsts cache file (CURLOPT_HSTS(3), "FILE FORMAT"). */
typedef struct dt_hsts_import_report {
  size_t imported, skipped, expired; /* entries, bad lines, expired ones */
} dt_hsts_import_report;
/* Imports the file PATH ("-": standard input). 0, DT_EIO (ERR says why),
 * DT_ENOMEM. Bad lines are skipped and counted. */
DT_EXTERN int dt_hsts_store_import_curl(dt_hsts_store *s, const char *path,
                                        dt_hsts_import_report *rep,
                                        dt_error *err);
/* Every live entry in curl's format: a new string (dt_free), or NULL. */
DT_EXTERN char *dt_hsts_store_export_curl(dt_hsts_store *s);
/* The same written to PATH atomically (mode 0600; its directory must
 * exist). 0 or DT_EIO (ERR). */
DT_EXTERN int dt_hsts_store_export_curl_file(dt_hsts_store *s, const char *path,
                                             dt_error *err);

/* Writes unsaved changes to the file now, merged under a lock with what
 * other processes wrote meanwhile (nothing to do for a memory store or
 * without changes). 0, or DT_ESTORE / DT_EIO (ERR): the file is left as it
 * was and the changes stay in memory for a later try. */
DT_EXTERN int dt_hsts_store_save(dt_hsts_store *s, dt_error *err);

/* JSON (docs/json-output.md), each a new string (dt_free) or NULL:
 * an entry {"host", "include_subdomains", "expires", "observed"}; the store
 * {"entries": [...]}; a query {"host", "known", "match", "reason"[,
 * "near_miss"]}. */
DT_EXTERN char *dt_hsts_entry_to_json(const dt_hsts_entry *e);
DT_EXTERN char *dt_hsts_store_to_json(dt_hsts_store *s);
DT_EXTERN char *dt_hsts_match_to_json(const dt_hsts_match *m);

/* ------------------------------------------------------------------------ */
/* The HSTS preload list: Chromium's list compiled to a checked blob that is
 * used in place (docs/preload-format.md). The library embeds one; a
 * newer one comes from `detour preload compile` (or dt_preload_compile).
 * A handle is read-only and may be shared by any number of contexts
 * (dt_ctx_options.preload); each context keeps its own reference, so the
 * caller may free its handle once the contexts are made. */

typedef struct dt_preload dt_preload;

/* The list built into libdetour. 0 or DT_ENOMEM. */
DT_EXTERN int dt_preload_open_embedded(dt_preload **out, dt_error *err);
/* A blob file (memory-mapped), checked in full. 0, DT_EIO, DT_EPRELOAD
 * (ERR says what is wrong), DT_ENOMEM. */
DT_EXTERN int dt_preload_open_file(dt_preload **out, const char *path,
                                   dt_error *err);
/* A blob in memory, checked in full and used in place: BUF must stay valid
 * and unchanged until the last handle or context using it is gone. */
DT_EXTERN int dt_preload_open_mem(dt_preload **out, const void *buf, size_t len,
                                  dt_error *err);
DT_EXTERN void dt_preload_free(dt_preload *p);

typedef struct dt_preload_info {
  uint32_t entries;            /* force-https entries */
  uint32_t include_subdomains; /* of which with include_subdomains */
  size_t blob_bytes;
  size_t derived_bytes;   /* heap the handle holds besides the blob */
  int32_t list_date_days; /* days since 1970-01-01 */
  char list_date[11];     /* "YYYY-MM-DD" */
  char checksum_hex[17];  /* XXH64 of the blob, as stored in it */
  int embedded;           /* 1: the list built into libdetour */
  uint32_t overrides;     /* entries that are not force-https (pins or
                             Expect-CT only in Chromium's file), besides
                             ENTRIES: under the chromium profile they match
                             and answer "no HSTS" for their subtree */
} dt_preload_info;
DT_EXTERN void dt_preload_get_info(const dt_preload *p, dt_preload_info *out);
/* Chromium stops using its list once the build is 70 days old (stale:
 * dt_preload_age_days >= 70; docs/hsts.md rule 25). */
#define DT_PRELOAD_STALE_DAYS 70
/* Days since the list date by CLOCK (NULL: system); negative before it. */
DT_EXTERN int64_t dt_preload_age_days(const dt_preload *p,
                                      const dt_clock *clock);
/* {"entries", "include_subdomains", "overrides", "blob_bytes",
 * "derived_bytes", "list_date", "checksum", "age_days", "stale",
 * "source"}. New string. */
DT_EXTERN char *dt_preload_info_to_json(const dt_preload *p,
                                        const dt_clock *clock);

typedef struct dt_preload_match {
  char host[DT_MAX_HOST_BYTES + 1]; /* the canonical host asked about */
  int known;
  const char *reason;                /* "exact", "ancestor", "no-entry",
                                        "ancestor-without-include-subdomains",
                                        "cancelled-by-deeper-entry",
                                        "overridden-by-non-hsts-entry",
                                        "bad-host", "disabled-stale"; static */
  char entry[DT_MAX_HOST_BYTES + 1]; /* the deciding (or deepest) entry, ""
                                        when none */
  int include_subdomains;
  char cancelled[DT_MAX_HOST_BYTES + 1]; /* the ancestor a deeper entry
                                            overrode, "" when none */
  const char *profile; /* the profile whose matching rule applied */
} dt_preload_match;
/* Which entry decides for HOST under PROFILE (the matching rules differ:
 * docs/profiles.md knob 8). With DISABLE_STALE and a list older than
 * DT_PRELOAD_STALE_DAYS by CLOCK, nothing matches ("disabled-stale"), as in
 * Chromium. 1 known, 0 not, DT_EURL / DT_EINVAL (an IP literal, an unknown
 * profile; ERR says which) / DT_ELIMIT_URL. */
DT_EXTERN int dt_preload_query(const dt_preload *p, const char *host,
                               const char *profile, int disable_stale,
                               const dt_clock *clock, dt_preload_match *out,
                               dt_error *err);
DT_EXTERN char *dt_preload_match_to_json(const dt_preload_match *m);

typedef struct dt_preload_compile_stats {
  size_t entries_total;      /* objects in "entries" */
  size_t compiled;           /* force-https entries in the blob */
  size_t include_subdomains; /* of which with include_subdomains */
  size_t overrides;          /* entries without "mode" (pins or Expect-CT
                                only), kept: they match in Chromium */
  size_t case_duplicates;    /* names equal once lowered: merged */
  size_t blob_bytes;
  int32_t list_date_days;
  size_t unknown_fields; /* entry fields Chromium's file does not define,
                            ignored */
  size_t skipped_ip;     /* names that are IPv4 addresses, skipped (an IP
                            literal is never looked up) */
} dt_preload_compile_stats;
/* The largest JSON the compiler takes; a larger file is refused from its
 * size before it is read. */
#define DT_PRELOAD_MAX_JSON_BYTES (512u * 1024u * 1024u)
/* Compiles Chromium's transport_security_state_static.json (JSON, LEN
 * bytes) dated LIST_DATE_DAYS into a new blob (*blob, dt_free). 0,
 * DT_EPARSE (ERR has the line, the column and why), DT_EINVAL (LEN over
 * DT_PRELOAD_MAX_JSON_BYTES), DT_ENOMEM. STATS may be NULL. */
DT_EXTERN int dt_preload_compile(const char *json, size_t len,
                                 int32_t list_date_days, unsigned char **blob,
                                 size_t *blob_len,
                                 dt_preload_compile_stats *stats,
                                 dt_error *err);
DT_EXTERN char *
dt_preload_compile_stats_to_json(const dt_preload_compile_stats *st);

/* ------------------------------------------------------------------------ */
/* Decisions: why a hop went where it went, as typed records the output
 * functions turn into JSON, text and HAR. */

/* Is this host a Known HSTS Host, and by which entry (RFC 6797 §8.2;
 * the dynamic store first, then the preload list: docs/decisions.md knob
 * 7). Value type. */
typedef enum dt_hsts_source {
  DT_HSTS_SOURCE_NONE = 0,
  DT_HSTS_SOURCE_DYNAMIC, /* the store: a header seen earlier */
  DT_HSTS_SOURCE_PRELOAD  /* the preload list */
} dt_hsts_source;
typedef struct dt_hsts_decision {
  int known; /* 1: an http URL to it is upgraded before any traffic */
  dt_hsts_source source;
  /* Why not, when not known: "not-http", "not-a-domain", "localhost",
   * "hsts-off" or the store's / list's reason token
   * ("no-entry", "expired", …). Static; NULL when known. */
  const char *why;
  char host[DT_MAX_HOST_BYTES + 1];  /* the host looked up */
  char entry[DT_MAX_HOST_BYTES + 1]; /* the entry that matched */
  int include_subdomains;
  int exact;           /* the entry is the host itself */
  int64_t expires_ms;  /* dynamic: expiry (DT_HSTS_NEVER: none) */
  int64_t observed_ms; /* dynamic: when the header was noted */
  char list_date[11];  /* preload: the list's date */
} dt_hsts_decision;
/* A Known HSTS Host decision as a synthetic hop's "reason" object
 * (docs/json-output.md), or "null" when D is not known. New string. */
DT_EXTERN char *dt_hsts_decision_to_json(const dt_hsts_decision *d);

/* What a response's Strict-Transport-Security field did (RFC 6797 §8.1). */
typedef enum dt_sts_outcome {
  DT_STS_NOTED = 0,    /* entry added or replaced */
  DT_STS_DELETED,      /* max-age=0 removed the host's entry */
  DT_STS_NOTHING,      /* max-age=0 and there was no entry */
  DT_STS_REJECTED,     /* the value is invalid: code/offset say why */
  DT_STS_REFUSED_HOST, /* the host can never be an HSTS host */
  DT_STS_IGNORED       /* not considered at all: see ignored */
} dt_sts_outcome;
typedef struct dt_sts_note {
  const char *header; /* the first STS field's value */
  dt_sts_outcome outcome;
  const char *outcome_name; /* "noted", "deleted", "nothing-to-delete",
                               "rejected", "refused-host",
                               "ignored"; static */
  /* IGNORED: "not-https", "certificate-not-verified", "hsts-off",
   * "ip-literal"; else NULL. Static. */
  const char *ignored;
  /* NOTED */
  char host[DT_MAX_HOST_BYTES + 1];
  uint64_t max_age; /* after the profile's cap */
  int include_subdomains;
  int64_t expires_ms;
  int clamped;
  /* REJECTED (an STS code, with offset) or REFUSED_HOST (a host reason) */
  const char *code;    /* "STSMultipleMaxAges", "ip-literal", …; static */
  const char *message; /* static */
  size_t offset;       /* REJECTED: byte of the value */
} dt_sts_note;

/* One rule a hop's decision followed: what happened, and the rule (an RFC
 * section, a Fetch step, a profile knob). Strings live with the chain. */
typedef struct dt_step {
  const char *text;
  const char *rule;
} dt_step;

/* ------------------------------------------------------------------------ */
/* A request and the hop chain it produces. */

typedef struct dt_header { /* value type: a name and a value */
  const char *name;
  const char *value;
} dt_header;

/* One hop's record: read-only, owned by the chain, valid until
 * dt_chain_free(). Times are milliseconds; -1 when the phase did not run. */
typedef struct dt_hop_timing {
  double dns_ms, connect_ms, tls_ms, first_byte_ms, total_ms;
  int64_t started_ms; /* wall clock (dt_clock) when the hop started */
} dt_hop_timing;

typedef struct dt_hop_connection {
  const char *remote_addr;  /* "127.0.0.1:8443" */
  int reused;               /* 1 if taken from the pool */
  uint64_t id;              /* connection number within the context */
  const char *tls_version;  /* "TLSv1.2", or NULL for plain http */
  const char *tls_cipher;   /* IANA name or NULL */
  const char *peer_subject; /* leaf certificate subject or NULL */
  int cert_verified;        /* 1 if verification ran and passed */
  const char *alpn;         /* negotiated ALPN or NULL */
  int tls_resumed;          /* 1 if the TLS handshake resumed a session */
  const char *tls_group;    /* key exchange group ("X25519"), NULL when the
                               TLS library does not say */
  const char *tls_library;  /* the TLS backend ("OpenSSL 3.0.19") or NULL */
} dt_hop_connection;

/* Cookies on a hop (docs/cookies.md). Reasons are Chromium's DevTools
 * names (Network.CookieBlockedReason / SetCookieBlockedReason) where it
 * has one: "SecureOnly", "SameSiteStrict", "InvalidPrefix", …; every
 * string lives with the chain. */
typedef struct dt_hop_cookie { /* one cookie the request matched */
  const char *name;
  const char *value;
  const char *domain; /* ".a.test" for a domain cookie, "a.test" host-only */
  const char *path;
  const char *blocked; /* NULL: sent; else why it was held back */
  const char *why;     /* the rule, in words */
} dt_hop_cookie;
typedef struct dt_hop_set_cookie { /* one Set-Cookie field, what it did */
  const char *field;               /* the value as received */
  const char *outcome;             /* "stored", "replaced", "deleted",
                                      "nothing-to-delete", "rejected" */
  const char *reason; /* rejected: why ("SameSiteNoneInsecure", …) */
  const char *why;    /* the rule, in words */
  const char *name;   /* NULL when the field did not parse */
  const char *domain; /* as for dt_hop_cookie; NULL when not worked out */
  const char *path;
  int64_t expires_ms;    /* -1: a session cookie */
  const char *same_site; /* "Strict", "Lax", "None"; NULL unspecified */
  int secure, http_only;
} dt_hop_set_cookie;

typedef struct dt_hop {
  /* the request as sent */
  const char *method;
  const char *url;
  const dt_header *req_headers;
  size_t req_header_count;
  uint64_t req_body_bytes;
  /* the response; has_response 0 when the hop failed before one */
  int has_response;
  int status;
  const char *reason;
  const dt_header *resp_headers;
  size_t resp_header_count;
  uint64_t resp_body_bytes; /* body bytes received (after chunking) */
  const uint8_t *body;      /* the kept body (may be shorter: limit) */
  size_t body_kept;
  int body_streamed;             /* 1: the body went to the body callback */
  int synthetic;                 /* 1: made by detour, nothing was sent */
  const dt_hop_connection *conn; /* NULL when no connection was used */
  const dt_hop_timing *timing;   /* never NULL */
  /* decisions */
  const dt_hsts_decision *upgrade; /* a synthetic HSTS hop: why; else NULL */
  const dt_sts_note *sts;          /* the first STS field: what it did;
                                      NULL when the response had none */
  const dt_step *steps;            /* the redirect rules applied */
  size_t step_count;
  int permanent_redirect_cached; /* a 301/308 without freshness: a
                                    browser keeps it for good (RFC 9111
                                    §4.2.2); so does detour's redirect
                                    cache when the profile does (knob 12,
                                    docs/redirect-cache.md) */
  const char *http_version;      /* the response's protocol: "HTTP/1.1",
                                    "HTTP/1.0", "HTTP/2"; NULL without a
                                    response (added in 0.3) */
  /* Why each request field the profile's identity produced went out as it
   * did: {name, rule}, in the fields' order (docs/profiles.md "Request
   * fields"); none with the minimal identity (added in 0.3). */
  const dt_header *field_rules;
  size_t field_rule_count;
  /* Content codings undone ("gzip", "br", "zstd", "deflate"; several
   * comma-separated), or NULL when the body came as it is; then
   * resp_body_bytes counts the decoded bytes and resp_encoded_bytes those
   * on the wire (after de-chunking). Added in 0.3. */
  const char *content_decoded;
  uint64_t resp_encoded_bytes;
  /* This hop's own error (DT_E*, 0 none) and message. The chain's error is
   * the navigation's; a hop the navigation went on without (an https
   * attempt HTTPS-Upgrades fell back from) has one and the chain none.
   * Added in 0.3. */
  int error;
  const char *error_message;
  /* 1: served from the redirect cache, no request made (no connection);
   * the response is the stored one (docs/redirect-cache.md). Added in
   * 0.3. */
  int from_cache;
  /* Cookies (docs/cookies.md; added in 0.3): each cookie of the jar this
   * request matched by domain and path — sent, in Cookie order, then the
   * ones held back with why — and what each Set-Cookie field of the
   * response did, applied before the next hop is computed. */
  const dt_hop_cookie *cookies;
  size_t cookie_count;
  const dt_hop_set_cookie *set_cookies;
  size_t set_cookie_count;
} dt_hop;

typedef struct dt_chain dt_chain; /* opaque; freed with dt_chain_free() */

DT_EXTERN size_t dt_chain_hop_count(const dt_chain *chain);
DT_EXTERN const dt_hop *dt_chain_hop(const dt_chain *chain, size_t i);
DT_EXTERN const char *dt_chain_url(const dt_chain *chain);       /* first */
DT_EXTERN const char *dt_chain_method(const dt_chain *chain);    /* first */
DT_EXTERN const char *dt_chain_final_url(const dt_chain *chain); /* or NULL
                                                                    on error */
DT_EXTERN int dt_chain_error(const dt_chain *chain); /* 0 or DT_E* */
DT_EXTERN const char *dt_chain_error_message(const dt_chain *chain);
/* What to try for the chain's error, when detour can tell (a URL typed
 * without a scheme, a name that does not resolve, a port nothing listens
 * on, a server without TLS 1.2 or 1.3, a certificate for another name), or
 * NULL. Lives with the chain. */
DT_EXTERN const char *dt_chain_error_hint(const dt_chain *chain);
/* The warnings of this navigation: the context's when it ended (a store
 * that could not be loaded or saved, ...) and the preload list's age when
 * it could have changed an answer (a stale list's entry decided a hop, or
 * a stale list disabled by preload_disable_stale had an entry for a hop's
 * host): the I-th, or NULL. A run that must not pass unprotected checks
 * these (JSON "warnings"). */
DT_EXTERN const char *dt_chain_warning(const dt_chain *chain, size_t i);
/* Address-bar input (dt_request.input = DT_INPUT_ADDRESS_BAR; docs/cli.md
 * "Scheme-less input"): the text as typed, or NULL when the request gave a
 * URL; dt_chain_url is then what the address bar made of it. _schemeless:
 * 1 when the text had no scheme and the address bar added one. _tried: the
 * scheme of the first request the navigation made for it — "https" when
 * HSTS or the profile's HTTPS-Upgrades / HTTPS-First took it there, else
 * "http" — or NULL (no input, or nothing went). Added in 0.4. */
DT_EXTERN const char *dt_chain_typed(const dt_chain *chain);
DT_EXTERN int dt_chain_typed_schemeless(const dt_chain *chain);
DT_EXTERN const char *dt_chain_typed_tried(const dt_chain *chain);
DT_EXTERN void dt_chain_free(dt_chain *chain);

/* Streaming: the final response's body bytes as they arrive. HOP is the
 * final hop (its head is complete). Return 0 to go on, or a negative DT_E*
 * to stop the navigation with that error (e.g. DT_EIO when a disk is full).
 */
typedef int (*dt_body_cb)(const dt_hop *hop, const uint8_t *data, size_t len,
                          void *user_data);
/* Progress of the final response's body: bytes so far and the length the
 * response announced (Content-Length), or -1 when it did not. */
typedef void (*dt_progress_cb)(const dt_hop *hop, uint64_t received,
                               int64_t expected, void *user_data);

typedef struct dt_request {
  uint32_t size;      /* dt_request_init sets it */
  const char *method; /* NULL → "GET" */
  const char *url;
  const dt_header *headers; /* caller headers, sent after Host/UA/Accept */
  size_t header_count;
  const uint8_t *body;
  size_t body_len;
  /* Navigation (all zero: follow redirects with the profile's limit, as a
   * URL typed into the address bar). */
  int no_follow;         /* 1: a redirect response is final */
  int max_redirects_set; /* 1: max_redirects replaces the profile's */
  unsigned max_redirects;
  const char *initiator; /* page the navigation starts from (link or form):
                            sets Referer and Origin as a browser would;
                            NULL: typed by the user */
  /* With on_body, the final response's body goes to it and is not kept
   * (no size limit: a download of any size runs in constant memory);
   * without, up to limits.max_body_bytes are kept in the hop. Both get
   * dt_fetch's user_data. */
  dt_body_cb on_body;
  dt_progress_cb on_progress;
  /* What kind of request this is, for cookies, the request fields and the
   * redirect rules (Origin, a Location with credentials: docs/profiles.md
   * knob 17; docs/cookies.md; added in 0.3): a top-level navigation, or
   * fetch() run by the initiator's page (DT_MODE_CORS needs an initiator).
   * DT_MODE_DEFAULT is the profile's: a navigation, or in the fetch
   * profile fetch() when there is an initiator. */
  int mode;        /* dt_request_mode */
  int credentials; /* dt_credentials: fetch()'s credentials mode */
  /* What url is (added in 0.4): DT_INPUT_URL, a URL (typed with its
   * scheme, or with an initiator a link's); DT_INPUT_ADDRESS_BAR, text a
   * user typed into the address bar, made a URL as dt_address_bar_url does
   * — without a scheme it is scheme-less input, which Firefox's HTTPS-First
   * upgrades and a URL typed with http:// is not (docs/https-upgrades.md).
   * Not with an initiator. */
  int input; /* dt_input */
} dt_request;
DT_EXTERN void dt_request_init(dt_request *req);

typedef enum dt_input {
  DT_INPUT_URL = 0,    /* url is a URL */
  DT_INPUT_ADDRESS_BAR /* url is what the user typed into the address bar */
} dt_input;

/* What a browser's address bar makes of TEXT (docs/cli.md "Scheme-less
 * input"): text with a scheme is that URL as typed (`http://a.example/`);
 * text without one — `example.com`, `example.com:8080/x`, `localhost:3000`,
 * `[::1]:8080/` — gets `http://`, as Chromium's omnibox and Firefox's URI
 * fixup both add it (a "scheme" with a dot, or followed by a port, is a
 * host: Chromium url_fixer.cc GetValidScheme); whether https is then tried
 * first is the profile's HTTPS-Upgrades / HTTPS-First, at the navigation.
 * Surrounding white space is dropped. *URL gets a new string (dt_free);
 * *SCHEMELESS (may be NULL) 1 when the scheme was added. 0, DT_EURL (the
 * text makes no URL; ERR says why), DT_EINVAL, DT_ENOMEM. The scheme of a
 * URL typed with one is not checked here (dt_fetch refuses all but http
 * and https). */
DT_EXTERN int dt_address_bar_url(const char *text, char **url, int *schemeless,
                                 dt_error *err);

typedef enum dt_request_mode {
  DT_MODE_DEFAULT = 0, /* the profile's */
  DT_MODE_NAVIGATE,    /* a top-level navigation (typed, link, form) */
  DT_MODE_CORS         /* fetch() from the initiator's page */
} dt_request_mode;
/* fetch()'s credentials mode (Fetch §2.2.5): whether cookies go and are
 * taken. Navigations always include them. */
typedef enum dt_credentials {
  DT_CREDENTIALS_DEFAULT = 0, /* "same-origin", fetch()'s default */
  DT_CREDENTIALS_OMIT,
  DT_CREDENTIALS_SAME_ORIGIN, /* only while every URL is the page's origin */
  DT_CREDENTIALS_INCLUDE
} dt_credentials;

/* ------------------------------------------------------------------------ */
/* Engine context: the loop, limits, clock, trust, name overrides, the
 * connection pool, the HSTS store and the preload list. Not thread-safe:
 * use it from the loop's thread. */

typedef struct dt_ctx dt_ctx;

typedef struct dt_ctx_options {
  uint32_t size;           /* dt_ctx_options_init sets it */
  struct uv_loop_s *loop;  /* the caller's loop; required */
  const dt_limits *limits; /* NULL: dt_limits_default(); copied */
  dt_clock clock;
  const char *ca_file;    /* NULL → /etc/ssl/certs/ca-certificates.crt */
  int insecure;           /* 1 → skip certificate verification (noted;
                             never for a Known HSTS Host) */
  const char *user_agent; /* NULL → "detour/VERSION" */
  const char *profile;    /* "chromium" (NULL), "fetch", "firefox" */
  /* HSTS. The store lives in memory; with a path it is loaded at
   * dt_ctx_new and saved (a locked merge with other processes) after every
   * navigation that changed it, or at most once per hsts_save_delay_ms. A
   * store file problem is a warning and the context goes on memory-only
   * (dt_ctx_warning). */
  const char *hsts_store_path; /* NULL → memory-only */
  unsigned hsts_save_delay_ms; /* 0 → save after each navigation (a crash
                                  loses nothing); N → at most once per N ms
                                  on a timer that does not keep the loop
                                  alive, and at dt_ctx_close */
  int hsts_off;                /* 1 → no HSTS at all (store nor preload) */
  /* The preload list: a handle to share (referenced, not copied), else a
   * blob file, else a blob in memory (used in place), else the embedded
   * list; none with no_preload. A list that cannot be used is a warning. */
  dt_preload *preload;
  const char *preload_file;
  const void *preload_blob;
  size_t preload_blob_len;
  int no_preload;
  int preload_disable_stale; /* 1 → a list 70 days old or more is unused */
  /* Another context on the same loop whose TLS configuration (trust
   * anchors, session cache) and preload list this one shares, when its
   * ca_file and insecure are the same: one CA parse for many contexts. The
   * shared parts are reference-counted; either context may close first. */
  dt_ctx *share;
  void *data; /* the caller's slot: dt_ctx_data() returns it */
  /* Which HTTP the TLS handshake offers (ALPN, RFC 7301): "h2, http/1.1"
   * as browsers do, HTTP/2 when the server picks it (DT_HTTP_ANY and
   * DT_HTTP_2, curl's --http2), or "http/1.1" only (curl's --http1.1).
   * Plain http is always HTTP/1.1: browsers never upgrade to h2c. */
  int http_version; /* dt_http_version; added in 0.3 */
  /* Who the requests say they are (docs/profiles.md "Request fields"):
   * DT_IDENTITY_BROWSER sends the profile's browser's fields, names, order
   * and values per kind of hop; DT_IDENTITY_MINIMAL only Host, User-Agent
   * (user_agent or "detour/VERSION") and Accept: * / * (curl's trio).
   * user_agent replaces User-Agent only, as a browser's override does. */
  int identity;                /* dt_identity; added in 0.3 */
  unsigned browser_version;    /* the browser's major version in
                                  User-Agent and sec-ch-ua; 0: the
                                  profile's (Chromium 156, Firefox 153) */
  const char *accept_language; /* NULL: the profile's ("en-US,en;q=0.9") */
  /* 1: no HTTPS-Upgrades / HTTPS-First for this context, whatever the
   * profile (docs/https-upgrades.md); added in 0.3 */
  int no_https_upgrades;
  /* The browser-profile directory (Chromium's --user-data-dir): what the
   * context remembers across runs lives there — the HSTS store
   * (DIR/hsts.txt unless hsts_store_path names another file) and the
   * HTTPS-Upgrades fallback list (DIR/https-upgrades.txt), each
   * crash-safe and shared safely between processes. NULL: only the HSTS
   * store, at hsts_store_path, persists. Added in 0.3. */
  const char *user_data_dir;
  /* 1: no redirect cache (docs/redirect-cache.md): every redirect is
   * asked for again; added in 0.3 */
  int no_redirect_cache;
  /* 1: no cookie jar: no Cookie sent, Set-Cookie ignored (curl without
   * -b/-c). Otherwise cookies are kept as a browser keeps them
   * (docs/cookies.md): persistent ones in DIR/cookies.txt with a
   * user-data directory, session ones until the context closes. Added in
   * 0.3. */
  int no_cookies;
  /* When dt_ctx_new (or dt_sync_new) fails, the reason: which value, file
   * or blob and why (NULL: not wanted). Added in 0.3. */
  dt_error *error;
  /* 1: this context is another tab of share's browser (share, or the
   * context share itself shares with): it routes with that context's
   * --resolve and --connect-to entries (dt_ctx_add_* here first copies
   * them), and takes and returns connections in its pool (its pool_idle_*
   * limits; connection bytes reach its trace) when the TLS configuration
   * is shared (above) and the profile is the same, since an HTTP/2 session
   * keeps the SETTINGS of the profile that opened it. A connection keeps no
   * cookie, HSTS or cache state: what the context remembers stays its own.
   * That context's close completes once every context sharing with it has
   * closed. Added in 0.3. */
  int share_pool;
  /* How long an HTTPS-Upgrades / HTTPS-First attempt runs alone before the
   * browser acts — Chromium gives it up and falls back, Firefox sends its
   * background http probe (docs/https-upgrades.md): ms; 0: the profile's
   * (3000, 2200). Added in 0.4. */
  unsigned https_upgrades_wait_ms;
} dt_ctx_options;

typedef enum dt_identity {
  DT_IDENTITY_BROWSER = 0, /* the profile's browser (the default) */
  DT_IDENTITY_MINIMAL      /* Host, User-Agent, Accept: as curl */
} dt_identity;

typedef enum dt_http_version {
  DT_HTTP_ANY = 0, /* h2, then http/1.1 (the default) */
  DT_HTTP_1_1,     /* http/1.1 only */
  DT_HTTP_2        /* as DT_HTTP_ANY: named for curl's --http2 */
} dt_http_version;
/* The smallest size dt_ctx_new accepts (the 0.2 layout up to `share`). */
#define DT_CTX_OPTIONS_SIZE_MIN offsetof(dt_ctx_options, data)

DT_EXTERN void dt_ctx_options_init(dt_ctx_options *opt); /* loop left NULL */

/* Creates a context. Copies what it needs from OPT (a smaller, older
 * caller struct is read only as far as its size). 0, DT_EINVAL (no loop,
 * an unknown profile, a value that could split a request), DT_EPRELOAD or
 * DT_EIO (a preload_file or preload_blob that cannot be used: a list the
 * caller named is never silently dropped), DT_ENOMEM; opt->error says
 * why. A store file that cannot be read is not an error (the store is
 * kept in memory, dt_ctx_warning says why, and every chain carries the
 * warning: dt_chain_warning). */
DT_EXTERN int dt_ctx_new(dt_ctx **out, const dt_ctx_options *opt);
/* What dt_ctx_new checks in the values OPT would put on the wire: the
 * user_agent and accept_language hold no CR, LF (or NUL) — a value that
 * could split a request (docs/embedding.md "What may go on the wire").
 * 0, or DT_EINVAL with ERR naming the value. */
DT_EXTERN int dt_ctx_options_check(const dt_ctx_options *opt, dt_error *err);
/* The caller's slot (dt_ctx_options.data, or what dt_ctx_set_data set). */
DT_EXTERN void *dt_ctx_data(const dt_ctx *ctx);
DT_EXTERN void dt_ctx_set_data(dt_ctx *ctx, void *data);
/* curl-style overrides, applied before DNS:
 *   "host:port:addr[,addr...]"  (--resolve; addr may be [v6])
 *   "host:port:host2:port2"     (--connect-to; empty host/port = any/same) */
DT_EXTERN int dt_ctx_add_resolve(dt_ctx *ctx, const char *spec);
DT_EXTERN int dt_ctx_add_connect_to(dt_ctx *ctx, const char *spec);
/* Wire trace: called with every byte sent and received (TLS decrypted).
 * dir is '>' for sent, '<' for received, '*' for info lines. */
typedef void (*dt_trace_cb)(char dir, const char *data, size_t len,
                            void *user_data);
DT_EXTERN void dt_ctx_set_trace(dt_ctx *ctx, dt_trace_cb cb, void *user_data);
/* Warnings about the context's set-up and its store (an unusable HSTS store
 * file with the path, cause and fix): the i-th, or
 * NULL past the last. Static until dt_ctx_close. */
DT_EXTERN const char *dt_ctx_warning(const dt_ctx *ctx, size_t i);
/* The preload list the context uses (NULL: none), for its date and age
 * (dt_preload_get_info, dt_preload_age_days); the context's reference,
 * valid while the context lives. A stale list is no warning of the
 * context's: a chain carries one when the list's age could have changed
 * its answer (dt_chain_warning; docs/cli.md). */
DT_EXTERN const dt_preload *dt_ctx_preload(const dt_ctx *ctx);
/* The profile in use ("chromium", "fetch", "firefox"). */
DT_EXTERN const char *dt_ctx_profile(const dt_ctx *ctx);
/* The context's HSTS store, to list and manage as a browser's "domain
 * security policy" page does; changes are saved like noted headers. Owned
 * by the context (never free it). */
DT_EXTERN dt_hsts_store *dt_ctx_hsts_store(dt_ctx *ctx);
/* ---- What the context remembers: list and clear (docs/user-data.md) ---
 * Each part of the user-data directory, as a browser's settings pages and
 * its "clear browsing data" show them. Changes are saved as navigations'
 * are (at once, merged with other processes). */

/* One cookie of the jar. Strings live until the jar next changes. */
typedef struct dt_cookie {
  const char *name, *value;
  const char *domain; /* no leading dot; host_only says which kind */
  const char *path;
  int host_only, secure, http_only;
  int persistent;     /* 0: a session cookie (ends with the context) */
  int64_t expires_ms; /* persistent only */
  int64_t created_ms, last_access_ms;
  const char *same_site; /* "Strict", "Lax", "None"; NULL unspecified */
  const char *priority;  /* "Low", "Medium", "High" */
} dt_cookie;
/* Calls CB for each cookie, oldest first; a non-zero return stops the walk
 * and is returned. CB must not change the jar. DT_EINVAL without a jar
 * (no_cookies). */
DT_EXTERN int
dt_ctx_cookies_each(dt_ctx *ctx, int (*cb)(const dt_cookie *c, void *user_data),
                    void *user_data);
DT_EXTERN size_t dt_ctx_cookie_count(const dt_ctx *ctx);
/* Stores SET_COOKIE (a Set-Cookie value) as the response to a typed
 * navigation to URL would (curl's -b 'name=value' goes this way). 0;
 * DT_EINVAL with WHY (WHY_CAP bytes; may be NULL) saying the refusal
 * ("SecureOnly: …"); DT_EURL; DT_ENOMEM. */
DT_EXTERN int dt_ctx_cookie_set(dt_ctx *ctx, const char *url,
                                const char *set_cookie, char *why,
                                size_t why_cap);
/* The Cookie value a typed navigation to URL would send: a new string
 * (dt_free), "" when none; NULL on DT_EURL / DT_ENOMEM. */
DT_EXTERN char *dt_ctx_cookie_header(dt_ctx *ctx, const char *url);
/* curl's Netscape cookie file (-b/-c; "# Netscape HTTP Cookie File").
 * Import reads PATH ("-": standard input); bad lines are skipped and
 * counted. 0, DT_EIO (ERR), DT_ENOMEM, DT_EINVAL without a jar. */
typedef struct dt_cookie_import_report {
  size_t imported, skipped, expired; /* cookies, bad lines, expired ones */
} dt_cookie_import_report;
DT_EXTERN int dt_ctx_cookies_import(dt_ctx *ctx, const char *path,
                                    dt_cookie_import_report *rep,
                                    dt_error *err);
/* Every cookie, session ones too, as curl's -c writes them: a new string
 * (dt_free), or NULL. The _file form writes PATH atomically (0600). */
DT_EXTERN char *dt_ctx_cookies_export(dt_ctx *ctx);
DT_EXTERN int dt_ctx_cookies_export_file(dt_ctx *ctx, const char *path,
                                         dt_error *err);

/* One redirect the redirect cache serves (docs/redirect-cache.md). */
typedef struct dt_cached_redirect {
  const char *url; /* the request URL it answers */
  int status;
  const char *location; /* NULL when the stored answer has none */
  int64_t stored_ms;
  int64_t expires_ms; /* INT64_MAX: kept for good */
} dt_cached_redirect;
DT_EXTERN int dt_ctx_redirects_each(dt_ctx *ctx,
                                    int (*cb)(const dt_cached_redirect *r,
                                              void *user_data),
                                    void *user_data);
/* A host HTTPS-Upgrades fell back from, and when (it is not upgraded
 * again; docs/https-upgrades.md). */
DT_EXTERN int dt_ctx_upgrade_fallbacks_each(
    dt_ctx *ctx, int (*cb)(const char *host, int64_t at_ms, void *user_data),
    void *user_data);

/* Forgets the cookies of DOMAIN and its subdomains created in [FROM_MS,
 * TO_MS] (a browser's "delete site data"), and saves. */
DT_EXTERN int dt_ctx_cookies_clear_domain(dt_ctx *ctx, const char *domain,
                                          int64_t from_ms, int64_t to_ms,
                                          size_t *removed, dt_error *err);

/* "Clear browsing data": forgets what the parts in KINDS (DT_DATA_* ored)
 * learned in [FROM_MS, TO_MS] (INT64_MIN, INT64_MAX: all time) — cookies
 * by creation, HSTS entries by when their header was noted, redirects by
 * when stored, fallbacks by when they happened — and saves at once.
 * *REMOVED (may be NULL) gets how many items went. 0, or DT_EIO / DT_ESTORE
 * when a file could not be written (the memory is cleared; ERR says which
 * file). */
typedef enum dt_data_kind {
  DT_DATA_HSTS = 1,
  DT_DATA_COOKIES = 2,
  DT_DATA_REDIRECTS = 4,
  DT_DATA_HTTPS_UPGRADES = 8,
  DT_DATA_ALL = 15
} dt_data_kind;
DT_EXTERN int dt_ctx_clear_data(dt_ctx *ctx, unsigned kinds, int64_t from_ms,
                                int64_t to_ms, size_t *removed, dt_error *err);
/* Saves what is unsaved in every part of the user-data directory now
 * (navigations do it as they end; for changes made through the calls
 * above without a navigation). 0 or the first error (ERR). */
DT_EXTERN int dt_ctx_save(dt_ctx *ctx, dt_error *err);

/* The HSTS decision for URL, without fetching anything. 1 (known: *out says
 * by which entry), 0 (not: out->why), DT_EURL, DT_EINVAL. */
DT_EXTERN int dt_ctx_hsts_decide(dt_ctx *ctx, const char *url,
                                 dt_hsts_decision *out);
/* The HSTS decision applied, for URLs the engine does not fetch itself (a
 * WebSocket client: ws: → wss:, RFC 6797 §8.3): 1 and *upgraded (a new
 * string, dt_free it) when URL's host is a Known HSTS Host and its scheme is
 * http or ws; 0 when not; DT_EURL / DT_ENOMEM / DT_EINVAL. */
DT_EXTERN int dt_ctx_hsts_upgrade(dt_ctx *ctx, const char *url,
                                  char **upgraded);
/* Cancels every navigation in flight (each callback runs with
 * DT_ECANCELED), saves unsaved HSTS changes and closes pooled
 * connections; CB runs from the loop once every handle is closed, after
 * which the context is freed. Run the loop until CB. */
DT_EXTERN void dt_ctx_close(dt_ctx *ctx, void (*cb)(void *user_data),
                            void *user_data);

/* ------------------------------------------------------------------------ */
/* Navigations. */

/* A navigation in flight: valid from dt_fetch until its callback runs. */
typedef struct dt_nav dt_nav;

/* The callback gets the chain (the callee's: dt_chain_free it). Even on
 * failure a chain is delivered, carrying the error. */
typedef void (*dt_fetch_cb)(dt_chain *chain, void *user_data);
/* Starts a navigation: the request, its HSTS upgrades (synthetic hops,
 * nothing sent) and the redirects it follows per the profile, as one
 * chain. REQ is copied. *nav (NAV may be NULL) is its handle for
 * dt_nav_cancel. 0 if started — CB then runs exactly once, from the loop;
 * DT_EINVAL / DT_ENOMEM otherwise (CB never runs). */
DT_EXTERN int dt_fetch(dt_ctx *ctx, const dt_request *req, dt_fetch_cb cb,
                       void *user_data, dt_nav **nav);
/* What dt_fetch checks before anything is sent, with the reason in ERR:
 * a URL is given; the method is an RFC 9110 token; every field name is a
 * token and no value holds CR or LF; mode and credentials are known values
 * (cors needs an initiator). 0 or DT_EINVAL. dt_fetch returns DT_EINVAL
 * for the same requests (the request's body limit is the context's). */
DT_EXTERN int dt_request_check(const dt_request *req, dt_error *err);
/* Stops a navigation: its connection is closed, and its callback runs once
 * from the loop with a chain whose error is DT_ECANCELED. 0, or DT_EINVAL
 * when NAV has already finished (its callback is queued with the real
 * result). */
DT_EXTERN int dt_nav_cancel(dt_nav *nav);

/* Blocking wrapper for programs without a loop of their own.
 * dt_sync_new() makes a private loop and a context on it (opt->loop is
 * ignored); dt_sync_ctx() gives that context; dt_sync_fetch() runs the loop
 * until the navigation completes and stores the chain in *out (free with
 * dt_chain_free) — the return value is the chain's error; the pool stays
 * warm between calls. dt_sync_free() closes everything and frees the loop.
 */
typedef struct dt_sync dt_sync;
DT_EXTERN int dt_sync_new(dt_sync **out, const dt_ctx_options *opt);
DT_EXTERN dt_ctx *dt_sync_ctx(dt_sync *s);
DT_EXTERN int dt_sync_fetch(dt_sync *s, const dt_request *req, dt_chain **out,
                            void *user_data);
DT_EXTERN void dt_sync_free(dt_sync *s);

/* ------------------------------------------------------------------------ */
/* Output (engine/out/). Each returns a new NUL-terminated string that the
 * caller frees with dt_free(), or NULL when out of memory. */
/* The chain as JSON, the stable shape documented in docs/json-output.md. */
DT_EXTERN char *dt_chain_to_json(const dt_chain *chain);
/* The chain for people: one hop a line (method, URL, status, reason, why),
 * then the final response head or the error. Control bytes are escaped. */
DT_EXTERN char *dt_chain_to_text(const dt_chain *chain);
/* Every decision of every hop with the rule behind it (--explain). */
DT_EXTERN char *dt_chain_to_explain(const dt_chain *chain);
/* The chain as HAR 1.2 (what devtools export), internal redirects included
 * as 307 entries with the custom fields _detour_synthetic and _detour_note.
 */
DT_EXTERN char *dt_chain_to_har(const dt_chain *chain);
/* The chain as one self-contained HTML page for people and classrooms
 * (docs/cli.md, "--html"): a sequence diagram with a lane for the client,
 * one for each part of the browser that acted (HSTS store, preload list,
 * HTTPS-Upgrades, redirect cache, cookie jar) and one per origin; one
 * arrow per hop — an internal 307 drawn inside the browser with the entry
 * that decided it, plaintext hops red and dashed, failed hops crossed —
 * each hop's request and response fields on a click, and the --explain
 * text beside it. Every value from the wire is escaped; the page loads
 * nothing (its Content-Security-Policy allows only its own style and
 * script), so it works offline in any browser. NULL for a NULL chain or
 * when out of memory. */
DT_EXTERN char *dt_chain_to_html(const dt_chain *chain);
/* N chains (N >= 1, none NULL) on one page, in order: CAPTIONS[i] (plain
 * text, escaped; NULL or "": the chain's method and URL) gives section i
 * its heading — the first line — and a paragraph — the lines after it;
 * CAPTIONS may be NULL. TITLE is the page's (NULL: "detour: " and the
 * first chain's method and URL). As dt_chain_to_html otherwise; NULL when
 * N is 0, a chain is NULL, or out of memory. */
DT_EXTERN char *dt_chains_to_html(const dt_chain *const *chains,
                                  const char *const *captions, size_t n,
                                  const char *title);

/* Text for people, styled for a terminal or not (docs/cli.md "Colour").
 * Colour is presentation only: JSON and HAR never carry it. */
typedef struct dt_text_options {
  uint32_t size; /* dt_text_options_init sets it */
  int color;     /* 1: ANSI SGR colours (a terminal's); 0: plain text */
  int chains;    /* dt_audit_result_to_text_ex: every chain the audit made,
                    hop by hop as dt_chain_to_text_ex prints it, after the
                    findings */
  int no_error;  /* dt_chain_to_text_ex: leave out the lines that say the
                    chain's error and its hint, for a caller that says them
                    itself (the CLI: once, on stderr) */
} dt_text_options;
DT_EXTERN void dt_text_options_init(dt_text_options *opt); /* plain */

/* The styles of detour's text, one SGR sequence each: the library's
 * formatters use these and no other, so a caller's own lines (a summary)
 * look the same. */
typedef enum dt_text_style {
  DT_STYLE_RESET = 0, /* back to the terminal's default */
  DT_STYLE_ERROR,     /* errors: a finding, a failed navigation, 4xx/5xx */
  DT_STYLE_WARNING,   /* warnings, an unverified certificate */
  DT_STYLE_INFO,      /* info findings */
  DT_STYLE_OK,        /* 2xx, "no errors or warnings" */
  DT_STYLE_REDIRECT,  /* 3xx */
  DT_STYLE_INTERNAL,  /* a hop detour made itself: the HSTS 307, a cached
                         redirect (nothing sent) */
  DT_STYLE_HEADING    /* headings */
} dt_text_style;
/* The SGR sequence that starts STYLE ("\033[31m"); static string, "" for
 * an unknown style. */
DT_EXTERN const char *dt_text_style_sgr(dt_text_style style);

/* dt_chain_to_text, styled as OPT says (NULL: plain, as dt_chain_to_text):
 * status codes by class, the internal 307, the error. */
DT_EXTERN char *dt_chain_to_text_ex(const dt_chain *chain,
                                    const dt_text_options *opt);

/* ------------------------------------------------------------------------ */
/* The audit (docs/audit.md): a site's redirect and HSTS set-up judged as
 * the HSTS preload checker (hstspreload.org) and a browser see it, each
 * finding with a stable code, severity, evidence and fix. Runs on the
 * caller's loop; many targets at once. */

typedef struct dt_audit dt_audit;

typedef struct dt_audit_options {
  uint32_t size;          /* dt_audit_options_init sets it */
  struct uv_loop_s *loop; /* required */
  /* The contexts' settings (CA file, -k, limits, user agent, profile and
   * preload list of the browser navigation); NULL: defaults. Its loop,
   * store path and hsts_off are ignored: the checker runs without HSTS and
   * each target's browser navigation gets a fresh memory-only store. A
   * preload handle given here is borrowed: it must outlive the auditor. */
  const dt_ctx_options *ctx;
  const char *const *resolve; /* --resolve specs for every navigation */
  size_t resolve_count;
  const char *const *connect_to; /* --connect-to specs */
  size_t connect_to_count;
  /* Targets in flight in a stream; 0: 64. At most DT_AUDIT_MAX_CONCURRENCY
   * (each holds about 0.2 MB and up to six connections, docs/audit.md):
   * more is refused by dt_audit_new rather than left to exhaust memory or
   * descriptors. */
  unsigned concurrency;
} dt_audit_options;
#define DT_AUDIT_MAX_CONCURRENCY 1024u
DT_EXTERN void dt_audit_options_init(dt_audit_options *opt);

/* 0, DT_EINVAL (no loop, a bad override or profile: ERR says which),
 * DT_ENOMEM. Warnings about the set-up are dt_audit_warning's; a stale
 * preload list is said by the chain whose answer its age could have
 * changed (dt_chain_warning). */
DT_EXTERN int dt_audit_new(dt_audit **out, const dt_audit_options *opt,
                           dt_error *err);
DT_EXTERN const char *dt_audit_warning(const dt_audit *a, size_t i);

typedef struct dt_audit_target {
  const char *target; /* "a.test", or "https://a.test/contact" */
  const char *method; /* a URL target's browser navigation; NULL: GET, or
                         POST with a body */
  const uint8_t *body;
  size_t body_len;
  const dt_header *headers; /* the browser navigation's extra fields */
  size_t header_count;
  uint64_t tag; /* the caller's, echoed in the result (e.g. a line) */
} dt_audit_target;

typedef enum dt_audit_severity {
  DT_AUDIT_ERROR = 0, /* blocks preload submission, or breaks HSTS */
  DT_AUDIT_WARNING,   /* worth fixing; does not block */
  DT_AUDIT_INFO       /* what a browser does, for the explanation */
} dt_audit_severity;

/* The navigations an audit makes (docs/audit.md). */
typedef enum dt_audit_chain {
  DT_AUDIT_CHAIN_HTTPS = 0, /* checker: https://D/, 3 redirects at most */
  DT_AUDIT_CHAIN_HTTP,      /* checker: http://D/ */
  DT_AUDIT_CHAIN_WWW,       /* checker: https://www.D/, not followed */
  DT_AUDIT_CHAIN_BROWSER,   /* a browser's navigation of the target */
  DT_AUDIT_CHAIN_COUNT
} dt_audit_chain;

typedef struct dt_audit_finding {
  const char *code; /* "response.no_header": stable, never renamed */
  dt_audit_severity severity;
  const char *severity_name; /* "error", "warning", "info" */
  const char *source;        /* "hstspreload" or "detour" */
  const char *message;       /* static */
  const char *fix;           /* static */
  const char *detail;        /* evidence, printable ASCII; "" when none */
  int chain;                 /* dt_audit_chain of the evidence, or -1 */
  int hop;                   /* index of the hop in that chain, or -1 */
} dt_audit_finding;

/* Valid during the result callback only. */
typedef struct dt_audit_result {
  const char *target;
  const char *domain; /* the domain judged ("" when none) */
  int error;          /* 0, or why (part of) the audit could not run */
  int judged;         /* 1: the navigations ran and were judged */
  size_t errors, warnings, infos;
  const dt_audit_finding *findings; /* report order */
  size_t finding_count;
  size_t findings_dropped; /* past the bound of one report */
  const dt_chain *chains[DT_AUDIT_CHAIN_COUNT]; /* NULL: not run */
  uint64_t tag;
} dt_audit_result;

typedef void (*dt_audit_cb)(const dt_audit_result *res, void *user_data);
/* Audits one target. CB runs once from the loop (also for a target that is
 * not a valid domain: the result then holds the domain findings). 0,
 * DT_EINVAL, DT_ENOMEM. */
DT_EXTERN int dt_audit_run(dt_audit *a, const dt_audit_target *t,
                           dt_audit_cb cb, void *user_data);
/* A stream of targets: NEXT fills *t with the next one (its strings need
 * only live until NEXT is called again) and returns 1, or 0 when there are
 * no more, or -1 for "not now": the caller has no room (e.g. it holds
 * results to print them in its own order) and is asked again after the
 * next result's callback; with no audit in flight -1 ends the stream, as 0
 * does, since nothing would ask again. The library keeps up to `concurrency`
 * audits in flight (opening the window as results come, so the first wave is
 * not all handshakes at once) and calls CB per result in completion order, then
 * once with NULL when the stream is done. Memory is bounded by the window,
 * whatever the stream's length. 0 or DT_EINVAL. */
typedef int (*dt_audit_next_cb)(dt_audit_target *t, void *user_data);
DT_EXTERN int dt_audit_run_stream(dt_audit *a, dt_audit_next_cb next,
                                  dt_audit_cb cb, void *user_data);
/* Cancels what is in flight (their results carry DT_ECANCELED) and frees
 * the auditor once everything is closed; CB (may be NULL) runs then. */
DT_EXTERN void dt_audit_close(dt_audit *a, void (*cb)(void *user_data),
                              void *user_data);

/* The result as one line of JSON (docs/audit.md): {"target", "domain",
 * "errors", "warnings", "findings": [...] [, "chains": {...}]}. */
DT_EXTERN char *dt_audit_result_to_json(const dt_audit_result *r,
                                        int with_chains);
/* For people: grouped by severity, each finding with its message, evidence
 * and fix. */
DT_EXTERN char *dt_audit_result_to_text(const dt_audit_result *r);
/* The same, styled as OPT says (NULL: as dt_audit_result_to_text):
 * severities coloured; with opt->chains each chain's hops after the
 * findings. */
DT_EXTERN char *dt_audit_result_to_text_ex(const dt_audit_result *r,
                                           const dt_text_options *opt);

/* ------------------------------------------------------------------------ */
/* Versions of detour and the libraries it was built with; static string. */
DT_EXTERN const char *dt_version_info(void);

#ifdef __cplusplus
}
#endif
#endif /* DETOUR_H */
