/* store.h — the dynamic HSTS store: canonical host keys, matching with a
 * reason, expiry through dt_clock, LRU eviction, and a change journal that
 * store_file.c uses to merge with other processes (docs/hsts-store-format.md).
 *
 * Internal (dt__ names); the engine and the CLI wrap it. Pure C, libc only.
 * Not thread-safe: one store per thread, or a lock around it.
 *
 * Layout (for speed, bench/bench_hsts_store.c): an open-addressing hash
 * table of uint32 entry indices keyed by the canonical name; names live in
 * one arena; LRU is an intrusive doubly linked list of indices. A lookup
 * canonicalises into a stack buffer, hashes every label suffix in one pass
 * from the right and probes once per label: no allocation per lookup. */
#ifndef DT_HSTS_STORE_H
#define DT_HSTS_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "detour.h"
#include "hsts/base/host.h"
#include "hsts/sts_header.h"

#define DT__HSTS_NEVER INT64_MAX /* expiry of an "unlimited" entry */

/* ---- the store ----------------------------------------------------------- */
typedef struct dt__hsts_store dt__hsts_store;

/* A copy of one entry (value type). Times are Unix ms (dt_clock). */
typedef struct dt__hsts_entry {
  char host[DT_MAX_HOST_BYTES + 1];
  int include_subdomains;
  int64_t expires_ms;  /* DT__HSTS_NEVER = no expiry (curl "unlimited") */
  int64_t observed_ms; /* when the header was noted (or the entry added) */
} dt__hsts_entry;

/* The largest entry bound a store takes (2^28: ~17 GB of records); a larger
 * MAX_ENTRIES is clamped to it. */
#define DT__HSTS_MAX_ENTRIES_CAP ((size_t)1 << 28)
/* New empty store. MAX_ENTRIES 0 → DT_DEFAULT_HSTS_MAX_ENTRIES; CLOCK may
 * be NULL (system clock) and is copied. Returns 0 or DT_ENOMEM. Free with
 * dt__hsts_store_free. */
int dt__hsts_store_new(dt__hsts_store **out, size_t max_entries,
                       const dt_clock *clock);
void dt__hsts_store_free(dt__hsts_store *s);
void dt__hsts_store_set_max_entries(dt__hsts_store *s, size_t max_entries);
int64_t dt__hsts_store_now(const dt__hsts_store *s); /* via its dt_clock */

/* Gives back the growth slack of the record array and the name arena
 * (store_file.c calls it after loading a file, when the size is known).
 * Never fails: on a failed realloc the store keeps its memory. */
void dt__hsts_store_shrink(dt__hsts_store *s);

/* Live (unexpired at the last prune, not deleted) entries. */
size_t dt__hsts_store_count(const dt__hsts_store *s);

/* Adds or replaces the exact HOST's entry (rule 16: never touches another
 * host). If the store is full, the least recently used other entry is
 * evicted: the new entry always wins over its own eviction. Deletions are
 * kept as tombstones until the next save, in their own list bounded by the
 * same number (past it the oldest deletion is forgotten); they never evict
 * a live entry. Returns 0,
 * DT_EINVAL (ineligible host: *why says which; why may be NULL),
 * DT_ENOMEM. */
int dt__hsts_store_add(dt__hsts_store *s, const char *host, size_t len,
                       int include_subdomains, int64_t expires_ms,
                       int64_t observed_ms, dt__host_reason *why);
/* The exact HOST's entry (not a deleted or expired one) into *OUT: 1, or 0 when
 * there is none or HOST is ineligible. No LRU effect. */
int dt__hsts_store_get(const dt__hsts_store *s, const char *host, size_t len,
                       dt__hsts_entry *out);

/* Deletes the exact HOST's entry (a parent or a child is never touched).
 * Returns 1 if an entry was deleted, 0 if there was none, DT_EINVAL for an
 * ineligible host. The deletion is journalled so a later locked save
 * removes it from the shared file too. */
int dt__hsts_store_delete(dt__hsts_store *s, const char *host, size_t len);
/* Deletes entries observed in [from_ms, to_ms] (Chromium's
 * DeleteAllDynamicDataBetween); returns how many. Journalled. */
size_t dt__hsts_store_delete_observed_between(dt__hsts_store *s,
                                              int64_t from_ms, int64_t to_ms);
/* Deletes everything (journalled: the next locked save clears the file of
 * entries observed up to now). */
void dt__hsts_store_clear(dt__hsts_store *s);

/* ---- lookup -------------------------------------------------------------- */
typedef enum dt__hsts_reason {
  DT__HSTS_R_EXACT = 0, /* known: unexpired entry for the host */
  DT__HSTS_R_ANCESTOR,  /* known: ancestor with includeSubDomains */
  DT__HSTS_R_NO_ENTRY,  /* no entry for the host or any ancestor */
  DT__HSTS_R_EXPIRED,   /* the closest candidate had expired */
  DT__HSTS_R_ANCESTOR_NO_SUBDOMAINS, /* only ancestors without includeSub. */
  DT__HSTS_R_INELIGIBLE              /* host not eligible (see host_reason) */
} dt__hsts_reason;
/* "exact", "ancestor", "no-entry", "expired",
 * "ancestor-without-include-subdomains", "ineligible-host". */
const char *dt__hsts_reason_name(dt__hsts_reason r);

typedef struct dt__hsts_decision {
  int known; /* 1 → Known HSTS Host */
  dt__hsts_reason reason;
  dt__host_reason host_reason; /* for INELIGIBLE */
  /* The entry that matched (known), or the closest near miss (expired /
   * ancestor without includeSubDomains); host[0] == 0 when none. */
  dt__hsts_entry entry;
} dt__hsts_decision;

/* Walks HOST and each superdomain (rule 22): an unexpired exact entry, or
 * the closest ancestor with includeSubDomains; a closer entry without it
 * does not hide an ancestor's. Expired entries met on the way are pruned
 * (rule 17). A match becomes the most recently used entry. d may be NULL.
 * Returns 1 when known, 0 otherwise. O(labels) probes; never allocates. */
int dt__hsts_store_lookup(dt__hsts_store *s, const char *host, size_t len,
                          dt__hsts_decision *d);

/* The lookup key of HOST: canonical name (as dt__host_canon), its length,
 * and the hash of every label suffix, shortest first (HS[k] for the suffix
 * starting at AT[k]; *NL of them; arrays of DT__HSTS_MAX_LABELS). With FAST
 * a one-pass path handles plain [A-Za-z0-9_-] names and defers everything
 * else to dt__host_canon; the result must not depend on FAST
 * (test_hsts_store checks it on random names). Returns 1, or 0 with *WHY.
 * Internal to the lookup; exposed for that test. */
#define DT__HSTS_MAX_LABELS ((DT_MAX_HOST_BYTES + 1) / 2 + 1)
int dt__hsts_lookup_key(const char *host, size_t len, int fast,
                        char key[DT_MAX_HOST_BYTES + 1], size_t *n,
                        uint32_t *hs, uint16_t *at, size_t *nl,
                        dt__host_reason *why);

/* ---- noting a header ----------------------------------------------------- */
typedef enum dt__hsts_note_outcome {
  DT__HSTS_NOTED = 0,   /* entry added or replaced */
  DT__HSTS_DELETED,     /* max-age=0 removed the exact host's entry */
  DT__HSTS_NOTHING,     /* max-age=0 and there was no entry */
  DT__HSTS_REJECTED,    /* header invalid: sts.code says why */
  DT__HSTS_REFUSED_HOST /* host not eligible: host_reason says why */
} dt__hsts_note_outcome;
const char *dt__hsts_note_outcome_name(dt__hsts_note_outcome o);

typedef struct dt__hsts_note_result {
  dt__hsts_note_outcome outcome;
  dt__host_reason host_reason;
  dt__sts_result sts;   /* the parse (spans point into the value) */
  dt__hsts_entry entry; /* NOTED: the stored entry */
} dt__hsts_note_result;

/* Parses VALUE (the first Strict-Transport-Security field of a verified TLS
 * response; the caller enforces rules 1, 4, 5) and applies it to HOST at
 * NOW_MS with the profile's CAP (seconds, 0 = none). max-age=0 deletes the
 * exact host only, never a parent's entry (rule 15, curl CVE-2024-9681).
 * Returns 0 when noted/deleted/nothing, DT_EPARSE (rejected), DT_EINVAL
 * (refused host), DT_ENOMEM. res may be NULL. */
int dt__hsts_note(dt__hsts_store *s, const char *host, size_t len,
                  const char *value, size_t vlen, int64_t now_ms, uint64_t cap,
                  dt__hsts_note_result *res);

/* ---- iteration ----------------------------------------------------------- */
/* Calls CB for every live unexpired entry, most recently used first; stops
 * early when CB returns non-zero (that value is returned). Do not modify
 * the store from CB. */
typedef int (*dt__hsts_each_cb)(const dt__hsts_entry *e, void *user_data);
int dt__hsts_store_each(const dt__hsts_store *s, dt__hsts_each_cb cb,
                        void *user_data);
/* The same, least recently used first: adding the entries in this order
 * to an empty store rebuilds the same LRU order (the store file is written
 * this way, so a save and a load keep which entries are evicted next). */
int dt__hsts_store_each_oldest_first(const dt__hsts_store *s,
                                     dt__hsts_each_cb cb, void *user_data);

/* ---- accounting (tests, bench) ------------------------------------------- */
typedef struct dt__hsts_store_stats {
  size_t entries;     /* live */
  size_t tombstones;  /* journalled deletions awaiting a save */
  size_t alloc_calls; /* malloc/realloc calls made by this store so far */
  size_t bytes;       /* bytes currently allocated by this store */
  size_t evictions;   /* LRU evictions so far */
  size_t pruned;      /* expired entries removed so far */
  size_t max_entries; /* the current limit */
} dt__hsts_store_stats;
void dt__hsts_store_get_stats(const dt__hsts_store *s,
                              dt__hsts_store_stats *st);

/* ---- journal (used by store_file.c; internal to the persistence) --------- */
/* A journal record: a changed entry (noted/added since the last sync) or a
 * tombstone (deleted: the host was deleted at e.observed_ms). HAS_PREV:
 * the entry as it was before its first change since the last sync (what
 * the file has: the one-day rule of docs/hsts-store-format.md compares
 * the two; remembered for up to 4,096 entries). */
typedef struct dt__hsts_change {
  dt__hsts_entry e;
  int deleted;
  int has_prev;
  struct {
    int include_subdomains;
    int64_t expires_ms, observed_ms;
  } prev;
} dt__hsts_change;
typedef int (*dt__hsts_change_cb)(const dt__hsts_change *c, void *user_data);
/* Every journalled change since the last dt__hsts_store_journal_reset:
 * tombstones first, then changed entries least recently used first. Costs
 * what changed (and what was looked up since), not the store's size. */
int dt__hsts_store_each_change(const dt__hsts_store *s, dt__hsts_change_cb cb,
                               void *user_data);
/* Journalled range deletions ([from, to] of observed times; clear is
 * [INT64_MIN, now]). Returns the count; *ranges points into the store. */
size_t dt__hsts_store_ranges(const dt__hsts_store *s, const int64_t **ranges);
/* How many changes the journal holds (entries, tombstones, ranges): 0
 * when a save has nothing to write. */
size_t dt__hsts_store_changes(const dt__hsts_store *s);
/* Forgets the journal: tombstones are dropped, changes marked clean. Costs
 * what changed. */
void dt__hsts_store_journal_reset(dt__hsts_store *s);
/* The journal's bookkeeping holds (the changed-entry count the walks rely
 * on, tombstones all journal): 0, or -1. O(size): for tests and fuzzing. */
int dt__hsts_store_check(const dt__hsts_store *s);
/* Applies SRC's journal to DST as DST's own journalled changes (ranges,
 * then deletions, then entries; the later observation wins): a store that
 * takes a newer picture of the file keeps what this process changed since
 * it asked for it. 0 or DT_ENOMEM. */
int dt__hsts_store_replay(dt__hsts_store *dst, const dt__hsts_store *src);
/* Moves the content of FROM into S (S's journal and entries are replaced,
 * S keeps its clock and limit, evicting down to it). FROM is freed: the
 * caller's pointer is dead after the call. */
void dt__hsts_store_take(dt__hsts_store *s, dt__hsts_store *from);
/* Merge rule (docs/hsts-store-format.md): sets HOST's entry unless the store
 * already has one observed later. Not journalled. Returns 1 if applied. */
int dt__hsts_store_merge_entry(dt__hsts_store *s, const dt__hsts_entry *e);
/* Applies a tombstone: removes HOST's entry if it was observed at or before
 * DELETED_MS. Not journalled. */
void dt__hsts_store_merge_delete(dt__hsts_store *s, const char *host,
                                 int64_t deleted_ms);
/* Removes entries observed in [from, to]. Not journalled. */
void dt__hsts_store_merge_range(dt__hsts_store *s, int64_t from, int64_t to);

#endif
