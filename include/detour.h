/* detour.h — the one public header of libdetour.
 *
 * detour is a browser-style HTTP user agent: it follows redirects the way a
 * browser's network stack does, keeps an HSTS store and the preload list, and
 * records every step of a navigation as a chain of hops.
 *
 * Conventions (see docs/ and ../shared/STYLE.md):
 *  - Every function that can fail returns an int: 0 on success, a negative
 *    DT_E* code from the one error table below on failure.
 *  - Handles are opaque and come in _new/_free pairs. Value types that are
 *    public (spans, options, read-only records) say so.
 *  - Strings returned by the library are NUL-terminated; who frees them is
 *    stated on each function. Strings passed in are copied unless stated.
 *  - This header includes no third-party header: libuv's loop is forward
 *    declared, so hsts/ (pure C) can share the error table and limits.
 */
#ifndef DETOUR_H
#define DETOUR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DETOUR_VERSION "0.2.0"

/* Every public function carries DT_EXTERN: libdetour is built with hidden
 * visibility, so only these symbols leave the shared library (libuv's
 * UV_EXTERN idea). */
#if defined(__GNUC__) && __GNUC__ >= 4
#define DT_EXTERN __attribute__((visibility("default")))
#else
#define DT_EXTERN
#endif

struct uv_loop_s; /* libuv's uv_loop_t, without including uv.h */

/* ------------------------------------------------------------------------ */
/* Errors: one table (libuv's UV_ERRNO_MAP idea). X(name, value, message).
 * Values are grouped by class; dt_err_class() maps a code to its class and
 * the CLI maps a class to its exit status (docs/cli.md). */

#define DT_ERRNO_MAP(X)                                                        \
  X(EINVAL, -1, "invalid argument")                                            \
  X(ENOMEM, -2, "out of memory")                                               \
  X(ECANCELED, -3, "operation canceled")                                       \
  X(EINTERNAL, -4, "internal error")                                           \
  X(EURL, -10, "URL could not be parsed")                                      \
  X(ESCHEME, -11, "URL scheme not supported")                                  \
  X(EBADPORT, -12, "port is blocked (Fetch bad port)")                         \
  X(EDNS, -20, "name could not be resolved")                                   \
  X(ECONNECT, -21, "connection could not be established")                     \
  X(ECONNRESET, -22, "connection reset by peer")                               \
  X(ESEND, -23, "request could not be sent")                                   \
  X(ETLS, -30, "TLS handshake failed")                                         \
  X(ECERT_UNTRUSTED, -31, "certificate not trusted (unknown CA)")              \
  X(ECERT_EXPIRED, -32, "certificate expired or not yet valid")                \
  X(ECERT_NAME, -33, "certificate name does not match host")                  \
  X(ECERT_OTHER, -34, "certificate verification failed")                      \
  X(EHTTP, -40, "malformed HTTP response")                                     \
  X(ETRUNCATED, -41, "connection closed before the response was complete")     \
  X(ELIMIT_HEADER_BYTES, -50, "response header block exceeds limit")           \
  X(ELIMIT_HEADER_COUNT, -51, "response header count exceeds limit")           \
  X(ELIMIT_URL, -52, "URL exceeds length limit")                               \
  X(ETIMEOUT_DNS, -60, "timed out resolving name")                             \
  X(ETIMEOUT_CONNECT, -61, "timed out connecting")                             \
  X(ETIMEOUT_TLS, -62, "timed out in TLS handshake")                           \
  X(ETIMEOUT_FIRST_BYTE, -63, "timed out waiting for the first response byte") \
  X(ETIMEOUT_IDLE, -64, "timed out: connection idle too long")                 \
  X(ETIMEOUT_TOTAL, -65, "timed out: total time limit reached")                \
  X(EREDIRECT_LIMIT, -70, "too many redirects")                                \
  X(EREDIRECT_LOCATION, -71, "redirect Location is invalid")                   \
  X(EREDIRECT_SCHEME, -72, "redirect to a scheme other than http/https")       \
  X(EHSTS_CERT, -73, "certificate error on a Known HSTS Host (fatal)")         \
  X(EIO, -80, "file I/O error")                                                \
  X(ESTORE, -81, "HSTS store file problem")                                    \
  X(EPRELOAD, -82, "preload list blob is invalid")                             \
  X(EPARSE, -83, "input could not be parsed")

typedef enum dt_err {
  DT_OK = 0,
#define DT__ERR_ENUM(name, val, msg) DT_##name = (val),
  DT_ERRNO_MAP(DT__ERR_ENUM)
#undef DT__ERR_ENUM
} dt_err;

/* Error classes: the CLI's exit status is the class value (docs/cli.md). */
typedef enum dt_err_class {
  DT_CLASS_OK = 0,
  DT_CLASS_USAGE = 2,    /* EINVAL, ENOMEM, ECANCELED, EINTERNAL, EPARSE */
  DT_CLASS_URL = 3,      /* EURL, ESCHEME, EBADPORT, ELIMIT_URL */
  DT_CLASS_DNS = 4,      /* EDNS */
  DT_CLASS_CONNECT = 5,  /* ECONNECT, ECONNRESET, ESEND */
  DT_CLASS_TLS = 6,      /* ETLS, ECERT_*, EHSTS_CERT */
  DT_CLASS_HTTP = 7,     /* EHTTP, ETRUNCATED */
  DT_CLASS_LIMIT = 8,    /* ELIMIT_HEADER_* */
  DT_CLASS_TIMEOUT = 9,  /* ETIMEOUT_* */
  DT_CLASS_REDIRECT = 10,/* EREDIRECT_* */
  DT_CLASS_IO = 11       /* EIO, ESTORE, EPRELOAD */
} dt_err_class;

/* "EDNS" etc. (without the DT_ prefix); "UNKNOWN" for an unknown code.
 * Static strings: never free. */
DT_EXTERN const char *dt_err_name(int err);
/* Human message for a code; static string. */
DT_EXTERN const char *dt_strerror(int err);
DT_EXTERN dt_err_class dt_err_class_of(int err);
/* "usage", "url", "dns", … ("ok" for 0): the class as JSON names it. */
DT_EXTERN const char *dt_err_class_name(dt_err_class c);

/* ------------------------------------------------------------------------ */
/* Memory returned by the library (strings, JSON) is freed with dt_free(). */
DT_EXTERN void dt_free(void *p);

/* ------------------------------------------------------------------------ */
/* Limits: every buffer and count the engine keeps has a limit, and all the
 * defaults live here. dt_limits is a public value type; fill it with
 * dt_limits_default() and change what you need. A timeout of 0 disables it. */

#define DT_DEFAULT_MAX_HEADER_BYTES (64u * 1024u)
#define DT_DEFAULT_MAX_HEADER_COUNT 100u
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
#define DT_DEFAULT_HSTS_MAX_ENTRIES 100000u
#define DT_MAX_HOST_BYTES 253u  /* RFC 1035 name length, text form */
#define DT_MAX_LABEL_BYTES 63u

typedef struct dt_limits {
  size_t max_header_bytes;   /* response head, status line included */
  size_t max_header_count;   /* response header fields */
  size_t max_body_bytes;     /* body bytes kept; beyond: counted, discarded */
  size_t max_url_bytes;      /* any URL the engine parses or builds */
  size_t max_request_body;   /* request body (-d / --data-binary) */
  uint32_t dns_timeout_ms;
  uint32_t connect_timeout_ms;
  uint32_t tls_timeout_ms;
  uint32_t first_byte_timeout_ms;
  uint32_t idle_timeout_ms;  /* no byte received for this long mid-response */
  uint32_t total_timeout_ms; /* whole fetch / navigation */
  uint32_t pool_idle_per_origin;
  uint32_t pool_idle_ms;
  size_t hsts_max_entries;   /* LRU bound of the dynamic store (at most 2^28) */
} dt_limits;

DT_EXTERN void dt_limits_default(dt_limits *lim);

/* ------------------------------------------------------------------------ */
/* Clock: every read of wall time goes through this, so HSTS expiry and
 * timestamps are testable (curl's CURL_TIME idea). now_ms returns Unix time
 * in milliseconds. A NULL now_ms means the system clock. Timeouts run on the
 * libuv loop's own monotonic clock. */
typedef struct dt_clock {
  int64_t (*now_ms)(void *user_data);
  void *user_data;
} dt_clock;

DT_EXTERN int64_t dt_clock_now_ms(const dt_clock *clock); /* NULL clock → system */

/* ------------------------------------------------------------------------ */
/* URL: the WHATWG URL Standard (engine/url/url.c). */

typedef struct dt_url dt_url; /* opaque, immutable once parsed */

/* Parse INPUT (len bytes, need not be NUL-terminated) against BASE (may be
 * NULL). On success *out is a new URL, freed with dt_url_free(). Returns
 * DT_EURL on failure (the Standard's "failure"), DT_ELIMIT_URL when input
 * exceeds DT_DEFAULT_MAX_URL_BYTES. */
DT_EXTERN int dt_url_parse(dt_url **out, const char *input, size_t len,
                 const dt_url *base);
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

/* Scheme without ':' ("https"). */
DT_EXTERN const char *dt_url_scheme(const dt_url *url);
/* The port to connect to: explicit port, else the scheme's default, else -1. */
DT_EXTERN int dt_url_port_or_default(const dt_url *url);
/* Host kind after host parsing. */
typedef enum dt_host_kind {
  DT_HOST_NONE = 0,   /* no host (e.g. "mailto:") or empty host */
  DT_HOST_DOMAIN,     /* ASCII domain after IDNA (A-labels, lowercase) */
  DT_HOST_IPV4,
  DT_HOST_IPV6,       /* hostname getter includes brackets */
  DT_HOST_OPAQUE      /* non-special scheme opaque host */
} dt_host_kind;
DT_EXTERN dt_host_kind dt_url_host_kind(const dt_url *url);
DT_EXTERN int dt_url_has_fragment(const dt_url *url); /* null fragment vs "#" */
DT_EXTERN int dt_url_is_special(const dt_url *url);
/* Same origin (tuple origins; opaque origins are never same). */
DT_EXTERN int dt_url_same_origin(const dt_url *a, const dt_url *b);
/* Target for the request line: path + query, never the fragment. New string,
 * dt_free() it. */
DT_EXTERN char *dt_url_request_target(const dt_url *url);
/* A copy of URL with one part replaced, using the Standard's setter rules
 * (protocol, username, password, host, hostname, port, pathname, search,
 * hash). As with the Standard's setters, a value the setter rejects leaves
 * the copy unchanged (or changed only as far as the setter got before it
 * gave up). NULL only on ENOMEM, a limit, a NULL argument, ORIGIN (which
 * has no setter), or an href value that does not parse. */
DT_EXTERN dt_url *dt_url_with(const dt_url *url, dt_url_part part, const char *value);

/* Host canonicalisation shared with hsts/: domain to ASCII (UTS #46
 * non-transitional via libidn2), lowercase, trailing dots removed. Writes a
 * NUL-terminated string into out (cap bytes). Returns length, or DT_EURL when
 * the host is not a valid domain, DT_EINVAL when it is an IP literal,
 * DT_ELIMIT_URL when the input is longer than a URL may be or the result
 * does not fit in CAP bytes. */
DT_EXTERN int dt_host_canonicalize(const char *host, size_t len, char *out, size_t cap);

/* ------------------------------------------------------------------------ */
/* Engine context: the loop, limits, clock, trust, name overrides, the
 * connection pool. One per program is typical; it is not thread-safe and
 * must be used from the loop's thread. */

typedef struct dt_ctx dt_ctx;

typedef struct dt_ctx_options {
  /* sizeof(dt_ctx_options) as the caller was compiled (dt_ctx_options_init
   * sets it). New fields are only ever appended; a caller built against an
   * older header passes a smaller size and gets the defaults (0) for the
   * fields it does not know. */
  uint32_t size;
  struct uv_loop_s *loop;      /* caller's loop; required */
  dt_limits limits;
  dt_clock clock;
  const char *ca_file;         /* NULL → /etc/ssl/certs/ca-certificates.crt */
  int insecure;                /* 1 → skip certificate verification (noted) */
  const char *user_agent;      /* NULL → "detour/VERSION" */
  /* Browser behaviour (docs/profiles.md): "chromium" (NULL), "fetch" or
   * "firefox". */
  const char *profile;
  /* HSTS. The dynamic store lives in memory; with a path it is loaded at
   * dt_ctx_new and saved (locked merge with other processes) after every
   * navigation that changed it — or, with hsts_save_delay_ms (below), at
   * most once per that many ms. A store file problem is a warning and the
   * context goes on memory-only (dt_ctx_warning). */
  const char *hsts_store_path; /* NULL → memory-only */
  int hsts_off;                /* 1 → no HSTS at all (store nor preload) */
  const char *preload_file;    /* NULL → the list embedded at build time;
                                  a blob from `detour preload compile`,
                                  memory-mapped */
  const void *preload_blob;    /* or a blob in memory (used in place: keep
                                  it alive until the context is closed) */
  size_t preload_blob_len;
  int no_preload;              /* 1 → no preload list */
  int preload_disable_stale;   /* 1 → a list older than 70 days is unused */
  /* --- added after 0.1.0 (see size) --- */
  unsigned hsts_save_delay_ms; /* 0 → save after each navigation (a crash
                                  loses nothing); N → at most once per N ms,
                                  on a timer that does not keep the loop
                                  alive, plus dt_ctx_hsts_flush and
                                  dt_ctx_close; e.g. 10000 as Chromium */
} dt_ctx_options;
/* The size of dt_ctx_options in 0.1.0, the smallest dt_ctx_new accepts. */
#define DT_CTX_OPTIONS_SIZE_V1 offsetof(dt_ctx_options, hsts_save_delay_ms)

DT_EXTERN void dt_ctx_options_init(dt_ctx_options *opt); /* defaults; loop left NULL */

/* Creates a context. Copies what it needs from opt. */
DT_EXTERN int dt_ctx_new(dt_ctx **out, const dt_ctx_options *opt);
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
/* Warnings about the context's set-up (an unusable HSTS store file with the
 * path, cause and fix; a stale preload list): the i-th, or NULL past the
 * last. Static until dt_ctx_close. */
DT_EXTERN const char *dt_ctx_warning(const dt_ctx *ctx, size_t i);
/* The profile in use ("chromium", "fetch", "firefox"). */
DT_EXTERN const char *dt_ctx_profile(const dt_ctx *ctx);
/* The HSTS decision alone, for URLs the engine does not fetch itself (a
 * WebSocket client: ws: → wss:, RFC 6797 §8.3 / Fetch "main fetch"): 1
 * and *upgraded (a new string, dt_free it) when URL's host is a Known HSTS
 * Host and its scheme is http or ws; 0 when not (nothing to upgrade);
 * DT_EURL / DT_ENOMEM / DT_EINVAL. Never touches the network. */
DT_EXTERN int dt_ctx_hsts_upgrade(dt_ctx *ctx, const char *url, char **upgraded);
/* The dynamic HSTS state of a context (the store; the preload list is read
 * only), as a browser's "domain security policy" page manages it. HOST is
 * any host string: it is canonicalised like a navigation's (IDNA, lowercase,
 * trailing dots removed). Changes are saved like noted headers (after the
 * call, or by the delayed save). */
#define DT_HSTS_NEVER INT64_MAX /* expires_ms of an entry without expiry */
typedef struct dt_hsts_entry {
  char host[DT_MAX_HOST_BYTES + 1]; /* canonical */
  int include_subdomains;
  int knockout;        /* firefox profile: max-age=0 while preloaded; never
                          matches, and the preload list skips this name */
  int64_t expires_ms;  /* Unix ms (the context's clock), or DT_HSTS_NEVER */
  int64_t observed_ms; /* when the header was noted or the entry added */
} dt_hsts_entry;
/* Adds or replaces HOST's entry, expiring max_age_s seconds from now (the
 * profile's cap applies, as to a header). 0, DT_EINVAL (max_age_s 0, or not
 * a domain: IP literals and localhost are never HSTS hosts), DT_EURL,
 * DT_ELIMIT_URL (longer than DT_MAX_HOST_BYTES), DT_ENOMEM. */
DT_EXTERN int dt_ctx_hsts_add(dt_ctx *ctx, const char *host, uint64_t max_age_s,
                    int include_subdomains);
/* HOST's own entry (not an ancestor's): 1 and *out, or 0 when none. */
DT_EXTERN int dt_ctx_hsts_get(dt_ctx *ctx, const char *host, dt_hsts_entry *out);
/* Deletes HOST's own entry: 1 deleted, 0 none, DT_EINVAL / DT_EURL. */
DT_EXTERN int dt_ctx_hsts_delete(dt_ctx *ctx, const char *host);
/* Deletes the entries observed in [from_ms, to_ms] ("clear browsing data
 * for a time range"; every entry: INT64_MIN, INT64_MAX). TO_MS is capped at
 * now: headers noted later are kept. Returns how many. */
DT_EXTERN size_t dt_ctx_hsts_delete_observed_between(dt_ctx *ctx, int64_t from_ms,
                                           int64_t to_ms);
/* Calls cb for each entry, most recently used first; a non-zero return
 * stops the walk and is returned. The callback must not change the store
 * (no dt_ctx_hsts_add/delete, no navigation ending): collect, then act. */
DT_EXTERN int dt_ctx_hsts_each(dt_ctx *ctx,
                     int (*cb)(const dt_hsts_entry *entry, void *user_data),
                     void *user_data);
/* Saves the HSTS store now if it has unsaved changes (hsts_save_delay_ms).
 * 0: saved, or nothing to save; DT_ESTORE: the file failed — the context
 * goes on memory-only and dt_ctx_warning says why. */
DT_EXTERN int dt_ctx_hsts_flush(dt_ctx *ctx);
/* Saves unsaved HSTS changes, closes pooled connections; cb runs from the
 * loop once every handle is closed, after which the context is freed.
 * Run the loop until cb. */
DT_EXTERN void dt_ctx_close(dt_ctx *ctx, void (*cb)(void *user_data), void *user_data);

/* ------------------------------------------------------------------------ */
/* A request and the hop chain it produces. */

typedef struct dt_header {   /* public value type; a span of a name and value */
  const char *name;
  const char *value;
} dt_header;

typedef struct dt_request {  /* public value type; nothing is owned */
  const char *method;        /* NULL → "GET" */
  const char *url;
  const dt_header *headers;  /* caller headers, sent after Host/UA/Accept */
  size_t header_count;
  const uint8_t *body;
  size_t body_len;
  /* Navigation (all zero: follow redirects with the profile's limit, as a
   * URL typed into the address bar). */
  int no_follow;              /* 1: a redirect response is final */
  int max_redirects_set;      /* 1: max_redirects replaces the profile's */
  unsigned max_redirects;
  const char *initiator;      /* page the navigation starts from (link or
                                 form): sets Referer and Origin as a
                                 browser would; NULL: typed by the user */
} dt_request;

/* One hop's record: read-only, owned by the chain, valid until
 * dt_chain_free(). Times are milliseconds; -1 when the phase did not run. */
typedef struct dt_hop_timing {
  double dns_ms, connect_ms, tls_ms, first_byte_ms, total_ms;
  int64_t started_ms; /* wall clock (dt_clock) when the hop started */
} dt_hop_timing;

typedef struct dt_hop_connection {
  const char *remote_addr;   /* "127.0.0.1:8443", NULL for synthetic */
  int reused;                /* 1 if taken from the pool */
  uint64_t id;               /* connection number within the context */
  const char *tls_version;   /* "TLSv1.2" or NULL for plain http */
  const char *tls_cipher;    /* IANA name or NULL */
  const char *peer_subject;  /* leaf certificate subject or NULL */
  int cert_verified;         /* 1 if verification ran and passed */
  const char *alpn;          /* negotiated ALPN or NULL */
  int tls_resumed;           /* 1 if the TLS handshake resumed a session */
} dt_hop_connection;

typedef struct dt_hop {
  /* request as sent */
  const char *method;
  const char *url;
  const dt_header *req_headers;
  size_t req_header_count;
  size_t req_body_bytes;
  /* response; has_response 0 when the hop failed before a response */
  int has_response;
  int status;
  const char *reason;
  const dt_header *resp_headers;
  size_t resp_header_count;
  uint64_t resp_body_bytes;   /* bytes received (decoded from chunking) */
  const uint8_t *body;        /* kept body (may be shorter: limit) */
  size_t body_kept;
  int synthetic;              /* 1 for the HSTS internal redirect */
  dt_hop_connection conn;
  dt_hop_timing timing;
  const char *note;           /* human note, or NULL */
  const char *reason_json;    /* machine-readable reason (JSON), or NULL */
  const char *hsts_json;      /* what the STS field did (JSON), or NULL */
  const char *explain;        /* the hop's decisions, one "  - what
                                 [rule]" line each (--explain), or NULL */
  int permanent_redirect_cached; /* a 301/308 with no freshness headers:
                                    a browser keeps it for good (RFC 9111
                                    §4.2.2); detour does not cache */
} dt_hop;

typedef struct dt_chain dt_chain; /* opaque; freed with dt_chain_free() */

DT_EXTERN size_t dt_chain_hop_count(const dt_chain *chain);
DT_EXTERN const dt_hop *dt_chain_hop(const dt_chain *chain, size_t i);
DT_EXTERN const char *dt_chain_url(const dt_chain *chain);      /* first URL */
DT_EXTERN const char *dt_chain_method(const dt_chain *chain);   /* first method */
DT_EXTERN const char *dt_chain_final_url(const dt_chain *chain);/* NULL on error */
DT_EXTERN int dt_chain_error(const dt_chain *chain);            /* 0 or DT_E* */
DT_EXTERN const char *dt_chain_error_message(const dt_chain *chain); /* or NULL */
DT_EXTERN void dt_chain_free(dt_chain *chain);

/* Asynchronous navigation: the request, its HSTS upgrades (synthetic
 * hops, nothing sent) and the redirects it follows per the profile, as one
 * chain. cb runs from the loop, never from inside
 * dt_fetch(); it receives a chain the callee owns and must free. Even on
 * failure a chain is delivered, carrying the error. Returns 0 if started. */
typedef void (*dt_fetch_cb)(dt_chain *chain, void *user_data);
DT_EXTERN int dt_fetch(dt_ctx *ctx, const dt_request *req, dt_fetch_cb cb,
             void *user_data);

/* Blocking wrapper for programs without a loop of their own (the CLI).
 * dt_sync_new() makes a private loop and a context on it (opt->loop is
 * ignored); dt_sync_ctx() gives that context so overrides can be added;
 * dt_sync_fetch() runs the loop until the fetch completes and stores the
 * chain in *out (free with dt_chain_free); the pool stays warm between calls.
 * dt_sync_free() closes everything and frees the loop. */
typedef struct dt_sync dt_sync;
DT_EXTERN int dt_sync_new(dt_sync **out, const dt_ctx_options *opt);
DT_EXTERN dt_ctx *dt_sync_ctx(dt_sync *s);
DT_EXTERN int dt_sync_fetch(dt_sync *s, const dt_request *req, dt_chain **out);
DT_EXTERN void dt_sync_free(dt_sync *s);

/* ------------------------------------------------------------------------ */
/* Output (engine/out/output.c). Each returns a new NUL-terminated string that the
 * caller frees with dt_free(), or NULL when out of memory. */
/* The chain as JSON, the stable shape documented in docs/json-output.md. */
DT_EXTERN char *dt_chain_to_json(const dt_chain *chain);
/* The chain for people: one hop a line (method, URL, status, reason, why),
 * then the final response head or the error. */
DT_EXTERN char *dt_chain_to_text(const dt_chain *chain);
/* The chain as HAR 1.2 (what devtools export), internal redirects included
 * as 307 entries with the custom fields _detour_synthetic and _detour_note. */
DT_EXTERN char *dt_chain_to_har(const dt_chain *chain);
/* A URL's parts as JSON with the URL Standard's names (`detour url`). */
DT_EXTERN char *dt_url_to_json(const dt_url *url);

/* Versions of detour and the libraries it was built with; static string. */
DT_EXTERN const char *dt_version_info(void);

#ifdef __cplusplus
}
#endif
#endif /* DETOUR_H */
