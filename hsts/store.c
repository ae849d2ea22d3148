/* store.c — the dynamic HSTS store (store.h; docs/hsts.md §2 rules
 * 15–22).
 *
 * Data layout, chosen for speed and a small footprint per entry:
 *  - ents[] + cold[]: one record per index, split by who reads it. ents[]
 *    holds what a lookup reads — expiry, hash, flags and the name itself
 *    when it fits (INLINE_NAME bytes: nearly every real host) — in 32
 *    bytes, two to a 64-aligned cache line, so a found entry costs one miss
 *    (a separate name would be a second, dependent one). cold[] holds when
 *    it was observed and the LRU links. Free records are chained through
 *    cold[].next. The arrays grow by doubling up to the entry bound, then
 *    as tombstones need.
 *  - arena: the longer names, back to back (no NUL), each record keeping
 *    its offset where the inline name would be; deleted names are garbage
 *    until the arena is compacted on growth.
 *  - slots[]: open addressing (linear probing) of entry index + 1; 0 is
 *    empty, SLOT_DEL a deleted slot. Load (used + deleted) stays <= 3/4.
 *  - tags[]: one byte per slot beside it (0 empty, 1 deleted, else 8 bits of
 *    the hash): a probe reads the tags first (a small, dense array)
 *    and touches slots[] and ents[] only on a tag match — most suffixes of
 *    a looked-up host are in no entry (Abseil's Swiss-table control bytes).
 *    A lookup hashes every suffix first and prefetches their tags, so the
 *    probes' cache misses overlap.
 *  - LRU: a doubly linked list of indices, head = most recently used.
 * The hash of a name is chained over 8-byte words aligned to the name's end
 * (suffix_hashes), so hashing a host yields the hash of every label suffix
 * — the host and each superdomain — in one pass without copying.
 * docs/benchmarks.md has what each step bought (bench_hsts_store). */
#include "hsts/store.h"

#include "hsts/base/bytes.h"

#include <stdlib.h>
#include <string.h>

#define NIL UINT32_MAX
#define SLOT_DEL UINT32_MAX
#define RANGES_MAX 1024u
/* Entries whose value before their first change since the last save is
 * remembered (for the file's one-day rule, store_file.c); past this many
 * a change is simply written. */
#define PREV_MAX 4096u

enum { F_USED = 1, F_ISD = 2, F_DIRTY = 4, F_TOMB = 8 };
#define LIVE_DIRTY(f)                                                          \
  (((f) & (F_USED | F_TOMB | F_DIRTY)) == (F_USED | F_DIRTY))

/* A record is split in two arrays under one index: what a lookup reads
 * (ent: 32 bytes, two to a cache line, with the name when it fits) and
 * what it does not (ent_cold: when observed, the LRU links). */
#define INLINE_NAME 18
typedef struct ent {
  int64_t expires;
  uint32_t hash;
  uint8_t name_len, flags;
  /* name_len <= INLINE_NAME: the name; else its arena offset (4 bytes). */
  char name[INLINE_NAME];
} ent;
typedef char ent_is_half_a_line[sizeof(ent) == 32 ? 1 : -1];
#define ENT_ALIGN 64
typedef struct ent_cold {
  int64_t observed;
  uint32_t prev, next; /* LRU; `next` chains free records */
} ent_cold;
/* An entry as the file had it before this process first changed it since
 * the last save (index and hash say which entry: a record reused for
 * another name no longer matches). */
typedef struct prev_rec {
  int64_t expires, observed;
  uint32_t i, hash;
  uint8_t flags;
} prev_rec;

struct dt__hsts_store {
  dt_clock clock;
  size_t max_entries;
  ent *ents;
  ent_cold *cold; /* same index and capacity as ents */
  uint32_t ents_len, ents_cap, free_head;
  uint32_t *slots;
  uint8_t *tags; /* one per slot, see the top of the file */
  uint32_t slots_cap, slots_used, slots_del; /* cap is a power of two */
  char *arena;
  size_t arena_len, arena_cap, arena_garbage;
  uint32_t lru_head, lru_tail;   /* live entries, head = most recent */
  uint32_t tomb_head, tomb_tail; /* tombstones, head = newest */
  size_t live, tombs;
  /* Live entries changed since the last save (F_DIRTY). A change moves an
   * entry to the head of the LRU list, so they are found by walking from
   * the head until this many are seen: a save costs what changed, not the
   * store's size (hsts/base/journal.h). Tombstones are all journal. */
  size_t ndirty;
  prev_rec *prev;
  size_t nprev, prev_cap;
  int64_t *ranges; /* pairs */
  size_t nranges;
  dt__hsts_store_stats st;
};

/* ---- names --------------------------------------------------------------- */
const char *dt__hsts_reason_name(dt__hsts_reason r) {
  static const char *const n[] = {"exact",
                                  "ancestor",
                                  "no-entry",
                                  "expired",
                                  "ancestor-without-include-subdomains",
                                  "ineligible-host"};
  return (unsigned)r < sizeof n / sizeof n[0] ? n[r] : "unknown";
}
const char *dt__hsts_note_outcome_name(dt__hsts_note_outcome o) {
  static const char *const n[] = {"noted", "deleted", "nothing-to-delete",
                                  "rejected", "refused-host"};
  return (unsigned)o < sizeof n / sizeof n[0] ? n[o] : "unknown";
}

/* ---- allocation accounting ----------------------------------------------- */
static void *s_realloc(dt__hsts_store *s, void *p, size_t old, size_t n) {
  void *q = realloc(p, n);
  if (!q) return NULL;
  s->st.alloc_calls++;
  s->st.bytes = s->st.bytes - old + n;
  return q;
}
static void s_free(dt__hsts_store *s, void *p, size_t n) {
  if (!p) return;
  free(p);
  s->st.bytes -= n;
}

/* ---- hashing ------------------------------------------------------------- */
/* The hash of a name is chained over its bytes in 8-byte words aligned to
 * the name's END (word k = bytes [n-8k-8, n-8k), positions before the name
 * read as zero), right to left. Every label suffix of a name ends where the
 * name ends, so a suffix sees exactly the words the same name would on its
 * own: one pass over a host gives the hash of the host and of each
 * superdomain, with no per-byte dependency chain (as byte-serial FNV-1a
 * has) and no copy. The words come straight from the
 * caller's bytes (held in registers, never re-read from a buffer just
 * written: a wide load over narrower fresh stores stalls). */
#define H_SEED 0x9e3779b97f4a7c15ULL
#define H_MUL1 0xbf58476d1ce4e5b9ULL
#define H_MUL2 0x94d049bb133111ebULL
#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

static inline uint64_t h_mix(uint64_t h, uint64_t w) {
  h = (h ^ w) * H_MUL1;
  return h ^ (h >> 31);
}
/* The table's 32-bit hash of a suffix of LEN bytes whose chain is H. */
static inline uint32_t h_final(uint64_t h, size_t len) {
  h = (h ^ len) * H_MUL2;
  return (uint32_t)(h >> 32);
}

/* SWAR ("SIMD within a register") byte tests on 8 bytes, each < 0x80:
 * adding 0x80 - C to a byte sets its top bit iff it is >= C, and no carry
 * crosses into the next byte. */
static inline uint64_t ge_bytes(uint64_t w, unsigned c) {
  return (w + (0x80u - c) * ONES) & HIGHS;
}
static inline uint64_t in_range(uint64_t w, unsigned lo, unsigned hi) {
  return ge_bytes(w, lo) & ~ge_bytes(w, hi + 1);
}

/* The suffix hashes of the N-byte name P (1 <= N <= DT_MAX_HOST_BYTES),
 * shortest first: HS[k] for the suffix starting at AT[k]; returns how many.
 * With CANON (the lookup's fast path, a constant at each call) the bytes
 * are also lowered into KEY (with its NUL) and checked: only [A-Za-z0-9_-]
 * labels of 1..63 bytes pass; *BAD is set otherwise (and 0 may be returned
 * early). Without it P is a canonical name (ASCII: the byte tests assume
 * it) and KEY, BAD are unused. */
static inline size_t suffix_hashes(const char *p, size_t n, int canon,
                                   char *key, int *bad, uint32_t *hs,
                                   uint16_t *at) {
  uint64_t h = H_SEED, badm = 0;
  size_t nh = 0, prev_dot = n, words = (n + 7) / 8;
  for (size_t k = 0; k < words; k++) {
    /* Word k covers positions [end - 8, end); the leftmost one may start
     * before the name (PAD bytes). It is read as P's first 8 bytes (its
     * bytes past END belong to word k - 1 and are read twice) or, for a
     * name shorter than 8, byte by byte, then shifted into place. */
    size_t end = n - 8 * k, pad = end >= 8 ? 0 : 8 - end;
    uint64_t w = 0, valid = ~0ULL;
    if (!pad) {
      w = dt__ld_le64(p + end - 8);
    } else if (n >= 8) {
      w = dt__ld_le64(p);
    } else {
      for (size_t b = 0; b < n; b++)
        w |= (uint64_t)(unsigned char)p[b] << (8 * b);
      valid = ~0ULL >> (8 * pad);
    }
    if (canon) {
      badm |= w & HIGHS & valid;       /* a byte >= 0x80 */
      w &= ~HIGHS;                     /* keeps the tests below carry-free */
      w |= in_range(w, 'A', 'Z') >> 2; /* 0x80 >> 2 = 0x20: lowered */
      uint64_t okb = in_range(w, 'a', 'z') | in_range(w, '0', '9') |
                     in_range(w, '-', '.') | in_range(w, '_', '_');
      badm |= ~okb & HIGHS & valid;
      /* KEY has room for 8 bytes at 0 even when N < 8; what lands past N
       * is overwritten by the NUL or never read. */
      dt__st_le64(key + end - 8 + pad, w);
    }
    w <<= 8 * pad; /* byte j is position end - 8 + j; padding reads 0 */
    uint64_t dots = in_range(w, '.', '.');
    /* Dots right to left: each starts a suffix (shorter ones first). */
    while (dots) {
      if (nh >= DT__HSTS_MAX_LABELS - 1) { /* only with empty labels */
        if (bad) *bad = 1;
        return 0;
      }
      unsigned j = 63u - (unsigned)__builtin_clzll(dots); /* top bit of byte */
      dots ^= 1ULL << j;
      j /= 8;
      size_t q = end - 8 + j; /* the dot's position (>= 0: it is valid) */
      if (canon) {            /* the label right of it: 1..63 bytes */
        size_t gap = prev_dot - q - 1;
        badm |= (uint64_t)(gap - 1 >= DT_MAX_LABEL_BYTES);
        prev_dot = q;
      }
      uint64_t m = j == 7 ? h : h_mix(h, w & (~0ULL << (8 * (j + 1))));
      hs[nh] = h_final(m, n - q - 1);
      at[nh++] = (uint16_t)(q + 1);
    }
    h = h_mix(h, w);
  }
  if (canon) {
    badm |= (uint64_t)(prev_dot - 1 >= DT_MAX_LABEL_BYTES); /* leftmost */
    key[n] = 0;
    *bad = badm != 0;
  }
  hs[nh] = h_final(h, n); /* the whole name */
  at[nh++] = 0;
  return nh;
}

static uint32_t hash_name(const char *p, size_t n) {
  uint32_t hs[DT__HSTS_MAX_LABELS];
  uint16_t at[DT__HSTS_MAX_LABELS];
  size_t k = suffix_hashes(p, n, 0, NULL, NULL, hs, at);
  return k ? hs[k - 1] : 0; /* k >= 1 for every canonical name */
}

/* ---- table --------------------------------------------------------------- */
static uint32_t name_off(const ent *e) {
  uint32_t off;
  memcpy(&off, e->name, sizeof off);
  return off;
}
static void set_name_off(ent *e, uint32_t off) {
  memcpy(e->name, &off, sizeof off);
}
static const char *ename(const dt__hsts_store *s, const ent *e) {
  return e->name_len <= INLINE_NAME ? e->name : s->arena + name_off(e);
}

#define TAG_EMPTY 0u
#define TAG_DEL 1u
/* 8 bits of the hash, never TAG_EMPTY or TAG_DEL (0 and 1 become 2 and 3:
 * a tag only filters, the name decides). */
static uint8_t tag_of(uint32_t h) {
  uint8_t t = (uint8_t)(h >> 24);
  return (uint8_t)(t < 2 ? t + 2 : t);
}

static uint32_t find(const dt__hsts_store *s, const char *name, size_t n,
                     uint32_t h, uint32_t *slot_out) {
  if (!s->slots_cap) return NIL;
  uint32_t mask = s->slots_cap - 1;
  uint8_t tag = tag_of(h);
  for (uint32_t i = h & mask;; i = (i + 1) & mask) {
    uint8_t t = s->tags[i];
    if (t == TAG_EMPTY) return NIL;
    if (t != tag) continue; /* deleted, or another hash */
    uint32_t v = s->slots[i];
    const ent *e = &s->ents[v - 1];
    if (e->hash == h && e->name_len == n && memcmp(ename(s, e), name, n) == 0) {
      if (slot_out) *slot_out = i;
      return v - 1;
    }
  }
}

static void slot_put(dt__hsts_store *s, uint32_t idx) {
  uint32_t mask = s->slots_cap - 1;
  uint32_t i = s->ents[idx].hash & mask;
  while (s->slots[i] != 0 && s->slots[i] != SLOT_DEL)
    i = (i + 1) & mask;
  if (s->slots[i] == SLOT_DEL) s->slots_del--;
  s->slots[i] = idx + 1;
  s->tags[i] = tag_of(s->ents[idx].hash);
  s->slots_used++;
}

static int rehash(dt__hsts_store *s, uint32_t cap) {
  uint32_t *ns = s_realloc(s, NULL, 0, (size_t)cap * sizeof *ns);
  if (!ns) return DT_ENOMEM;
  uint8_t *nt = s_realloc(s, NULL, 0, cap);
  if (!nt) {
    s_free(s, ns, (size_t)cap * sizeof *ns);
    return DT_ENOMEM;
  }
  memset(ns, 0, (size_t)cap * sizeof *ns);
  memset(nt, TAG_EMPTY, cap);
  s_free(s, s->slots, (size_t)s->slots_cap * sizeof *s->slots);
  s_free(s, s->tags, s->slots_cap);
  s->slots = ns;
  s->tags = nt;
  s->slots_cap = cap;
  s->slots_used = s->slots_del = 0;
  for (uint32_t i = 0; i < s->ents_len; i++)
    if (s->ents[i].flags & F_USED) slot_put(s, i);
  return 0;
}

/* Room for one more slot: keep (used + deleted) <= 3/4 of the capacity. */
static int table_reserve(dt__hsts_store *s) {
  uint64_t need = (uint64_t)s->slots_used + s->slots_del + 1;
  if (s->slots_cap && need * 4 <= (uint64_t)s->slots_cap * 3) return 0;
  uint32_t cap = s->slots_cap ? s->slots_cap : 16;
  while ((uint64_t)(s->slots_used + 1) * 2 > cap)
    cap *= 2;
  return rehash(s, cap);
}

/* ---- LRU ----------------------------------------------------------------- */
/* Two intrusive lists share the prev/next links: live entries in LRU
 * order, and tombstones oldest-last (a record is in exactly one). */
static void list_unlink(dt__hsts_store *s, uint32_t *head, uint32_t *tail,
                        uint32_t i) {
  ent_cold *e = &s->cold[i];
  if (e->prev != NIL)
    s->cold[e->prev].next = e->next;
  else
    *head = e->next;
  if (e->next != NIL)
    s->cold[e->next].prev = e->prev;
  else
    *tail = e->prev;
  e->prev = e->next = NIL;
}
static void list_push(dt__hsts_store *s, uint32_t *head, uint32_t *tail,
                      uint32_t i) {
  ent_cold *e = &s->cold[i];
  e->prev = NIL;
  e->next = *head;
  if (*head != NIL) s->cold[*head].prev = i;
  *head = i;
  if (*tail == NIL) *tail = i;
}
static void lru_unlink(dt__hsts_store *s, uint32_t i) {
  list_unlink(s, &s->lru_head, &s->lru_tail, i);
}
static void lru_push(dt__hsts_store *s, uint32_t i) {
  list_push(s, &s->lru_head, &s->lru_tail, i);
}
static void tomb_unlink(dt__hsts_store *s, uint32_t i) {
  list_unlink(s, &s->tomb_head, &s->tomb_tail, i);
}
static void tomb_push(dt__hsts_store *s, uint32_t i) {
  list_push(s, &s->tomb_head, &s->tomb_tail, i);
}
static void lru_touch(dt__hsts_store *s, uint32_t i) {
  if (s->lru_head == i) return;
  lru_unlink(s, i);
  lru_push(s, i);
}

/* ---- entries ------------------------------------------------------------- */

/* Removes record I entirely (no tombstone). */
static void remove_ent(dt__hsts_store *s, uint32_t i) {
  ent *e = &s->ents[i];
  uint32_t slot = 0;
  if (find(s, ename(s, e), e->name_len, e->hash, &slot) == i) {
    s->slots[slot] = SLOT_DEL;
    s->tags[slot] = TAG_DEL;
    s->slots_used--;
    s->slots_del++;
  }
  if (e->flags & F_TOMB) {
    tomb_unlink(s, i);
    s->tombs--;
  } else {
    lru_unlink(s, i);
    s->live--;
    if (e->flags & F_DIRTY) s->ndirty--;
  }
  if (e->name_len > INLINE_NAME) s->arena_garbage += e->name_len;
  e->flags = 0;
  s->cold[i].next = s->free_head;
  s->free_head = i;
}

/* Bytes of ents[] for CAP records: whole cache lines (aligned_alloc wants
 * a multiple of the alignment). */
static size_t ents_bytes(uint32_t cap) {
  return ((size_t)cap * sizeof(ent) + ENT_ALIGN - 1) / ENT_ALIGN * ENT_ALIGN;
}

/* ents[] and cold[] to CAP records (>= ents_len). ents[] is 64-aligned so
 * no record straddles two lines: realloc keeps only malloc's alignment,
 * so a new block is allocated and the records copied. */
static int ents_resize(dt__hsts_store *s, uint32_t cap) {
  size_t bytes = ents_bytes(cap), old = ents_bytes(s->ents_cap);
  ent *ne = aligned_alloc(ENT_ALIGN, bytes);
  if (!ne) return DT_ENOMEM;
  ent_cold *nc = s_realloc(s, s->cold, (size_t)s->ents_cap * sizeof *nc,
                           (size_t)cap * sizeof *nc);
  if (!nc) {
    free(ne);
    return DT_ENOMEM;
  }
  s->cold = nc;
  if (s->ents_len) memcpy(ne, s->ents, (size_t)s->ents_len * sizeof(ent));
  free(s->ents);
  s->st.alloc_calls++;
  s->st.bytes = s->st.bytes - old + bytes;
  s->ents = ne;
  s->ents_cap = cap;
  return 0;
}

static int arena_append(dt__hsts_store *s, const char *name, size_t n,
                        uint32_t *off) {
  if (s->arena_len + n > s->arena_cap) {
    if (s->arena_garbage * 2 > s->arena_len) {
      /* Compact: copy live names into a fresh arena of the same size. */
      size_t cap = s->arena_cap;
      if (s->arena_len - s->arena_garbage + n > cap) cap = cap * 2 + n;
      char *na = s_realloc(s, NULL, 0, cap);
      if (!na) return DT_ENOMEM;
      size_t len = 0;
      for (uint32_t i = 0; i < s->ents_len; i++) {
        ent *e = &s->ents[i];
        if (!(e->flags & F_USED) || e->name_len <= INLINE_NAME) continue;
        memcpy(na + len, s->arena + name_off(e), e->name_len);
        set_name_off(e, (uint32_t)len);
        len += e->name_len;
      }
      s_free(s, s->arena, s->arena_cap);
      s->arena = na;
      s->arena_cap = cap;
      s->arena_len = len;
      s->arena_garbage = 0;
    } else {
      size_t cap = s->arena_cap ? s->arena_cap * 2 : 4096;
      while (cap < s->arena_len + n)
        cap *= 2;
      if (cap > UINT32_MAX) return DT_ENOMEM;
      char *na = s_realloc(s, s->arena, s->arena_cap, cap);
      if (!na) return DT_ENOMEM;
      s->arena = na;
      s->arena_cap = cap;
    }
  }
  memcpy(s->arena + s->arena_len, name, n);
  *off = (uint32_t)s->arena_len;
  s->arena_len += n;
  return 0;
}

/* Bounded (dt_limits.hsts_max_entries): evicts least recently used live
 * entries until one more fits. Callers run it before linking the new or
 * revived entry into the list, so an entry can never be its own victim. */
static void make_room(dt__hsts_store *s) {
  while (s->live >= s->max_entries && s->lru_tail != NIL) {
    remove_ent(s, s->lru_tail);
    s->st.evictions++;
  }
}

/* Tombstones have their own bound, max_entries: past it the oldest
 * deletion is forgotten (it will not reach the shared file). They never
 * evict a live entry: deleting a host must not push a known one out. */
static void make_tomb_room(dt__hsts_store *s) {
  while (s->tombs >= s->max_entries && s->tomb_tail != NIL)
    remove_ent(s, s->tomb_tail);
}

/* A new record for NAME: a live entry (linked as most recently used) or,
 * with TOMB, a tombstone (linked as the newest). */
static int new_ent(dt__hsts_store *s, const char *name, size_t n, uint32_t h,
                   int tomb, uint32_t *out) {
  if (tomb)
    make_tomb_room(s);
  else
    make_room(s);
  int rc = table_reserve(s);
  if (rc) return rc;
  uint32_t i;
  if (s->free_head == NIL && s->ents_len == s->ents_cap) {
    /* Doubling, but not past the bound while the live entries alone
     * could fill it: a full store of max_entries has no slack. */
    uint32_t cap = s->ents_cap ? s->ents_cap * 2 : 64;
    if (s->ents_cap < s->max_entries && cap > s->max_entries)
      cap = (uint32_t)s->max_entries;
    if ((rc = ents_resize(s, cap))) return rc;
  }
  uint32_t off = 0;
  if (n > INLINE_NAME && (rc = arena_append(s, name, n, &off))) return rc;
  if (s->free_head != NIL) {
    i = s->free_head;
    s->free_head = s->cold[i].next;
  } else {
    i = s->ents_len++;
  }
  ent *e = &s->ents[i];
  memset(e, 0, sizeof *e);
  if (n > INLINE_NAME)
    set_name_off(e, off);
  else
    memcpy(e->name, name, n);
  e->name_len = (uint8_t)n;
  e->hash = h;
  e->flags = (uint8_t)(F_USED | (tomb ? F_TOMB : 0));
  memset(&s->cold[i], 0, sizeof s->cold[i]);
  s->cold[i].prev = s->cold[i].next = NIL;
  slot_put(s, i);
  if (tomb) {
    tomb_push(s, i);
    s->tombs++;
  } else {
    lru_push(s, i);
    s->live++;
  }
  *out = i;
  return 0;
}

static void to_entry(const dt__hsts_store *s, const ent *e, dt__hsts_entry *o) {
  memcpy(o->host, ename(s, e), e->name_len);
  o->host[e->name_len] = 0;
  o->include_subdomains = (e->flags & F_ISD) != 0;
  o->expires_ms = e->expires;
  o->observed_ms = s->cold[e - s->ents].observed;
}

/* Remembers live entry I as the file has it, before its first change. */
static void note_prev(dt__hsts_store *s, uint32_t i) {
  if (s->nprev == s->prev_cap) {
    if (s->prev_cap >= PREV_MAX) return; /* the change is simply written */
    size_t cap = s->prev_cap ? s->prev_cap * 2 : 8;
    prev_rec *np =
        s_realloc(s, s->prev, s->prev_cap * sizeof *np, cap * sizeof *np);
    if (!np) return;
    s->prev = np;
    s->prev_cap = cap;
  }
  const ent *e = &s->ents[i];
  s->prev[s->nprev++] =
      (prev_rec){e->expires, s->cold[i].observed, i, e->hash, e->flags};
}

/* Sets the exact key's entry; JOURNAL marks it dirty for the next save. */
static int put(dt__hsts_store *s, const char *key, size_t n, int isd,
               int64_t expires, int64_t observed, int journal) {
  uint32_t h = hash_name(key, n);
  uint32_t i = find(s, key, n, h, NULL);
  uint8_t was = i == NIL ? 0 : s->ents[i].flags;
  if (journal && (was & F_USED) && !(was & (F_TOMB | F_DIRTY))) note_prev(s, i);
  if (i == NIL) {
    int rc = new_ent(s, key, n, h, 0, &i);
    if (rc) return rc;
  } else if (s->ents[i].flags & F_TOMB) {
    /* A deleted host noted again: the tombstone becomes a live entry. */
    tomb_unlink(s, i);
    make_room(s);
    s->tombs--;
    s->live++;
    lru_push(s, i);
  } else {
    lru_touch(s, i);
  }
  ent *e = &s->ents[i];
  s->ndirty -= LIVE_DIRTY(was) ? 1 : 0;
  s->ndirty += journal ? 1 : 0;
  e->flags = (uint8_t)(F_USED | (isd ? F_ISD : 0) | (journal ? F_DIRTY : 0));
  e->expires = expires;
  s->cold[i].observed = observed;
  return 0;
}

/* ---- public -------------------------------------------------------------- */
/* 0 → the default; above DT__HSTS_MAX_ENTRIES_CAP → the cap, so record and
 * slot counts (uint32_t, doubled on growth) can never wrap. */
static size_t bound_entries(size_t max_entries) {
  if (!max_entries) return DT_DEFAULT_HSTS_MAX_ENTRIES;
  return max_entries > DT__HSTS_MAX_ENTRIES_CAP ? DT__HSTS_MAX_ENTRIES_CAP
                                                : max_entries;
}

int dt__hsts_store_new(dt__hsts_store **out, size_t max_entries,
                       const dt_clock *clock) {
  *out = NULL;
  dt__hsts_store *s = calloc(1, sizeof *s);
  if (!s) return DT_ENOMEM;
  s->st.alloc_calls = 1;
  s->st.bytes = sizeof *s;
  if (clock) s->clock = *clock;
  s->max_entries = bound_entries(max_entries);
  s->free_head = s->lru_head = s->lru_tail = NIL;
  s->tomb_head = s->tomb_tail = NIL;
  *out = s;
  return 0;
}

static void free_contents(dt__hsts_store *s) {
  free(s->ents);
  free(s->cold);
  free(s->slots);
  free(s->tags);
  free(s->arena);
  free(s->ranges);
  free(s->prev);
}
void dt__hsts_store_free(dt__hsts_store *s) {
  if (!s) return;
  free_contents(s);
  free(s);
}

void dt__hsts_store_shrink(dt__hsts_store *s) {
  /* Records: the free list only holds indices below ents_len, so the
   * array can end there. */
  if (s->ents_len >= 64 && s->ents_cap > s->ents_len)
    (void)ents_resize(s, s->ents_len); /* on failure the old array stays */
  /* Names: keep 1/8 of headroom so the next few adds do not double it. */
  size_t cap = s->arena_len + s->arena_len / 8 + 256;
  if (s->arena_len && cap < s->arena_cap) {
    char *na = s_realloc(s, s->arena, s->arena_cap, cap);
    if (na) {
      s->arena = na;
      s->arena_cap = cap;
    }
  }
}

void dt__hsts_store_set_max_entries(dt__hsts_store *s, size_t max_entries) {
  s->max_entries = bound_entries(max_entries);
  while (s->live > s->max_entries && s->lru_tail != NIL) {
    remove_ent(s, s->lru_tail);
    s->st.evictions++;
  }
  while (s->tombs > s->max_entries && s->tomb_tail != NIL)
    remove_ent(s, s->tomb_tail); /* the oldest deletions are forgotten */
}
int64_t dt__hsts_store_now(const dt__hsts_store *s) {
  return dt_clock_now_ms(&s->clock);
}
size_t dt__hsts_store_count(const dt__hsts_store *s) { return s->live; }

int dt__hsts_store_add(dt__hsts_store *s, const char *host, size_t len,
                       int include_subdomains, int64_t expires_ms,
                       int64_t observed_ms, dt__host_reason *why) {
  char key[DT_MAX_HOST_BYTES + 1];
  size_t n;
  dt__host_reason r = dt__host_canon(host, len, key, &n);
  if (why) *why = r;
  if (r != DT__HOST_OK) return DT_EINVAL;
  return put(s, key, n, include_subdomains, expires_ms, observed_ms, 1);
}

int dt__hsts_store_get(const dt__hsts_store *s, const char *host, size_t len,
                       dt__hsts_entry *out) {
  char key[DT_MAX_HOST_BYTES + 1];
  size_t n;
  if (dt__host_canon(host, len, key, &n) != DT__HOST_OK) return 0;
  uint32_t i = find(s, key, n, hash_name(key, n), NULL);
  if (i == NIL || (s->ents[i].flags & F_TOMB) ||
      dt__hsts_store_now(s) > s->ents[i].expires)
    return 0;
  to_entry(s, &s->ents[i], out);
  return 1;
}

/* Journalled deletion: the record becomes a tombstone carrying the time of
 * the deletion, so the next locked save removes the host from the shared
 * file unless another process noted it later (docs/hsts-store-format.md). */
static int delete_key(dt__hsts_store *s, const char *key, size_t n,
                      int64_t now) {
  uint32_t h = hash_name(key, n);
  uint32_t i = find(s, key, n, h, NULL);
  int had = 0;
  if (i != NIL && !(s->ents[i].flags & F_TOMB)) {
    had = 1;
    lru_unlink(s, i);
    s->live--;
    if (s->ents[i].flags & F_DIRTY) s->ndirty--;
    make_tomb_room(s); /* I is in no list now: never its own victim */
    tomb_push(s, i);
    s->tombs++;
  } else if (i != NIL) {
    tomb_unlink(s, i); /* deleted again: now the newest deletion */
    tomb_push(s, i);
  } else {
    /* No entry here, but another process may have one in the shared file:
     * journal the deletion. */
    if (new_ent(s, key, n, h, 1, &i)) return had;
  }
  ent *e = &s->ents[i];
  e->flags = F_USED | F_TOMB | F_DIRTY;
  s->cold[i].observed = now;
  e->expires = 0;
  return had;
}

int dt__hsts_store_delete(dt__hsts_store *s, const char *host, size_t len) {
  char key[DT_MAX_HOST_BYTES + 1];
  size_t n;
  if (dt__host_canon(host, len, key, &n) != DT__HOST_OK) return DT_EINVAL;
  return delete_key(s, key, n, dt__hsts_store_now(s));
}

static void add_range(dt__hsts_store *s, int64_t from, int64_t to) {
  if (s->nranges == RANGES_MAX) {
    /* Bounded: past the limit the last range grows to cover the new one
     * (it may delete more at the merge; documented). */
    int64_t *r = &s->ranges[2 * (s->nranges - 1)];
    if (from < r[0]) r[0] = from;
    if (to > r[1]) r[1] = to;
    return;
  }
  int64_t *nr = s_realloc(s, s->ranges, s->nranges * 2 * sizeof *nr,
                          (s->nranges + 1) * 2 * sizeof *nr);
  if (!nr) return;
  s->ranges = nr;
  nr[2 * s->nranges] = from;
  nr[2 * s->nranges + 1] = to;
  s->nranges++;
}

size_t dt__hsts_store_delete_observed_between(dt__hsts_store *s,
                                              int64_t from_ms, int64_t to_ms) {
  size_t n = 0;
  for (uint32_t i = 0; i < s->ents_len; i++) {
    ent *e = &s->ents[i];
    int64_t obs = s->cold[i].observed;
    if ((e->flags & F_USED) && !(e->flags & F_TOMB) && obs >= from_ms &&
        obs <= to_ms) {
      remove_ent(s, i);
      n++;
    }
  }
  add_range(s, from_ms, to_ms);
  return n;
}

void dt__hsts_store_clear(dt__hsts_store *s) {
  int64_t now = dt__hsts_store_now(s);
  for (uint32_t i = 0; i < s->ents_len; i++)
    if (s->ents[i].flags & F_USED) remove_ent(s, i);
  add_range(s, INT64_MIN, now);
}

/* The lookup's fast path: HOST made only of [A-Za-z0-9_-] labels (and
 * trailing dots) is lowercased into KEY and every label suffix hashed in
 * one pass (suffix_hashes with CANON), exactly as dt__host_canon +
 * suffix_hashes would. Returns 0 ("not sure") for anything else — another
 * byte, an empty or long label, a long name, a last label starting with a
 * digit (maybe an IPv4 address), localhost — and the caller takes the
 * slow path, which decides. */
static int fast_suffixes(const char *host, size_t len,
                         char key[DT_MAX_HOST_BYTES + 1], size_t *out_n,
                         uint32_t *hs, uint16_t *at, size_t *nl) {
  if (!host) return 0;
  size_t n = len;
  while (n > 0 && host[n - 1] == '.') /* rule 19: trailing dots */
    n--;
  if (n == 0 || n > DT_MAX_HOST_BYTES) return 0;
  int bad = 0;
  size_t k = suffix_hashes(host, n, 1, key, &bad, hs, at);
  if (bad || k == 0) return 0;
  /* Rule 2 (a numeric or 0x last label makes an IPv4 address) and rule 3
   * (localhost, *.localhost): at[0] starts the last label. */
  const char *tld = key + at[0];
  size_t tl = n - at[0];
  if (tld[0] >= '0' && tld[0] <= '9') return 0;
  if (tl == 9 && memcmp(tld, "localhost", 9) == 0) return 0;
  *nl = k;
  *out_n = n;
  return 1;
}

int dt__hsts_lookup_key(const char *host, size_t len, int fast,
                        char key[DT_MAX_HOST_BYTES + 1], size_t *n,
                        uint32_t *hs, uint16_t *at, size_t *nl,
                        dt__host_reason *why) {
  *nl = 0;
  if (fast && fast_suffixes(host, len, key, n, hs, at, nl)) {
    *why = DT__HOST_OK;
    return 1;
  }
  *why = dt__host_canon(host, len, key, n);
  if (*why != DT__HOST_OK) return 0;
  *nl = suffix_hashes(key, *n, 0, NULL, NULL, hs, at);
  return 1;
}

int dt__hsts_store_lookup(dt__hsts_store *s, const char *host, size_t len,
                          dt__hsts_decision *d) {
  char key[DT_MAX_HOST_BYTES + 1];
  size_t n;
  dt__hsts_decision dummy;
  /* A caller that passes no decision asks only "known?": the matched
   * entry is then not copied out (its name, and `observed` from cold[]). */
  int want = d != NULL;
  if (!d) d = &dummy;
  d->known = 0;
  d->reason = DT__HSTS_R_NO_ENTRY;
  d->entry.host[0] = 0; /* "no entry" (the rest is only read with a host) */
  /* The common host ([A-Za-z0-9_-] labels) is canonicalised and hashed
   * in one right-to-left pass below; anything else, and every name the
   * pass is unsure of, goes through dt__host_canon, which has the last
   * word on eligibility (the two agree: test_hsts_store "fast path"). */
  uint32_t hs[(DT_MAX_HOST_BYTES + 1) / 2 + 1];
  uint16_t at[(DT_MAX_HOST_BYTES + 1) / 2 + 1];
  size_t nl = 0;
  uint32_t mask = s->slots_cap - 1;
  if (!dt__hsts_lookup_key(host, len, 1, key, &n, hs, at, &nl,
                           &d->host_reason)) {
    d->reason = DT__HSTS_R_INELIGIBLE;
    return 0;
  }
  if (!s->live) return 0;
  /* The clock is read once a candidate is found: most lookups find none,
   * and a clock read costs about as much as a probe. */
  int64_t now = 0;
  int have_now = 0;
  uint32_t match = NIL, near = NIL;
  dt__hsts_reason miss_reason = DT__HSTS_R_NO_ENTRY;
  /* The suffix hashes are known (shortest first): prefetch their table
   * lines so the probes' cache misses overlap instead of queueing one
   * behind the other; then probe, shorter suffixes first (a deeper hit
   * overrides). */
#if defined(__GNUC__)
  for (size_t l = 0; l < nl; l++) {
    __builtin_prefetch(&s->tags[hs[l] & mask]);
    __builtin_prefetch(&s->slots[hs[l] & mask]);
  }
#endif
  for (size_t l = 0; l < nl; l++) {
    size_t i = at[l];
    size_t sl = n - i;
    uint32_t idx = find(s, key + i, sl, hs[l], NULL);
    if (idx == NIL) continue;
    ent *e = &s->ents[idx];
    if (e->flags & F_TOMB) continue;
#if defined(__GNUC__)
    if (want) __builtin_prefetch(&s->cold[idx]); /* for to_entry */
#endif
    int exact = (i == 0);
    if (!have_now) {
      now = dt__hsts_store_now(s);
      have_now = 1;
    }
    if (now > e->expires) { /* rule 17: expired entries never match */
      if (exact || (e->flags & F_ISD)) {
        if (want) to_entry(s, e, &d->entry); /* before it is removed */
        miss_reason = DT__HSTS_R_EXPIRED;
        near = NIL;
      }
      remove_ent(s, idx);
      s->st.pruned++;
      continue;
    }
    if (exact || (e->flags & F_ISD)) {
      match = idx; /* rule 22: exact, or an ancestor with includeSubDomains */
    } else if (miss_reason == DT__HSTS_R_NO_ENTRY ||
               miss_reason == DT__HSTS_R_ANCESTOR_NO_SUBDOMAINS) {
      miss_reason = DT__HSTS_R_ANCESTOR_NO_SUBDOMAINS;
      near = idx; /* the closest so far; copied out only if nothing matches */
    }
  }
  if (match != NIL) {
    ent *e = &s->ents[match];
    d->known = 1;
    d->reason = e->name_len == n ? DT__HSTS_R_EXACT : DT__HSTS_R_ANCESTOR;
    if (want) to_entry(s, e, &d->entry);
    lru_touch(s, match);
    return 1;
  }
  if (near != NIL && want) to_entry(s, &s->ents[near], &d->entry);
  d->reason = miss_reason;
  if (miss_reason == DT__HSTS_R_NO_ENTRY) d->entry.host[0] = 0;
  return 0;
}

int dt__hsts_note(dt__hsts_store *s, const char *host, size_t len,
                  const char *value, size_t vlen, int64_t now_ms, uint64_t cap,
                  dt__hsts_note_result *res) {
  dt__hsts_note_result dummy;
  if (!res) res = &dummy;
  memset(res, 0, sizeof *res);
  char key[DT_MAX_HOST_BYTES + 1];
  size_t n;
  res->host_reason = dt__host_canon(host, len, key, &n);
  /* The host is checked first: a header from localhost is ignored whatever
   * it says (rules 2, 3). */
  if (res->host_reason != DT__HOST_OK) {
    res->outcome = DT__HSTS_REFUSED_HOST;
    return DT_EINVAL;
  }
  if (dt__sts_parse(value, vlen, cap, &res->sts) != 0) {
    res->outcome = DT__HSTS_REJECTED; /* rule 8: the store is unchanged */
    return DT_EPARSE;
  }
  if (res->sts.max_age == 0) {
    /* Rule 15: max-age=0 removes exactly this host's entry. */
    res->outcome =
        delete_key(s, key, n, now_ms) ? DT__HSTS_DELETED : DT__HSTS_NOTHING;
    return 0;
  }
  /* Rule 16: expiry = receive time + max-age, saturating (the parser keeps
   * max-age <= INT64_MAX / 1000). */
  int64_t add = (int64_t)res->sts.max_age * 1000;
  int64_t exp = now_ms > INT64_MAX - add ? DT__HSTS_NEVER - 1 : now_ms + add;
  int rc = put(s, key, n, res->sts.include_subdomains, exp, now_ms, 1);
  if (rc) return rc;
  res->outcome = DT__HSTS_NOTED;
  memcpy(res->entry.host, key, n + 1);
  res->entry.include_subdomains = res->sts.include_subdomains;
  res->entry.expires_ms = exp;
  res->entry.observed_ms = now_ms;
  return 0;
}

int dt__hsts_store_each(const dt__hsts_store *s, dt__hsts_each_cb cb,
                        void *user_data) {
  int64_t now = dt__hsts_store_now(s);
  dt__hsts_entry e;
  for (uint32_t i = s->lru_head; i != NIL; i = s->cold[i].next) {
    const ent *x = &s->ents[i];
    if ((x->flags & F_TOMB) || now > x->expires) continue;
    to_entry(s, x, &e);
    int rc = cb(&e, user_data);
    if (rc) return rc;
  }
  return 0;
}

int dt__hsts_store_each_oldest_first(const dt__hsts_store *s,
                                     dt__hsts_each_cb cb, void *user_data) {
  int64_t now = dt__hsts_store_now(s);
  dt__hsts_entry e;
  for (uint32_t i = s->lru_tail; i != NIL; i = s->cold[i].prev) {
    const ent *x = &s->ents[i];
    if (now > x->expires) continue;
    to_entry(s, x, &e);
    int rc = cb(&e, user_data);
    if (rc) return rc;
  }
  return 0;
}

void dt__hsts_store_get_stats(const dt__hsts_store *s,
                              dt__hsts_store_stats *st) {
  *st = s->st;
  st->entries = s->live;
  st->tombstones = s->tombs;
  st->max_entries = s->max_entries;
}

/* The least recently used of the ndirty changed live entries (walking
 * from the head, where a change puts an entry), or NIL. */
static uint32_t last_dirty(const dt__hsts_store *s) {
  uint32_t last = NIL;
  size_t seen = 0;
  for (uint32_t i = s->lru_head; i != NIL && seen < s->ndirty;
       i = s->cold[i].next)
    if (s->ents[i].flags & F_DIRTY) {
      last = i;
      seen++;
    }
  return last;
}

static int prev_cmp(const void *a, const void *b) {
  const prev_rec *x = a, *y = b;
  return x->i < y->i ? -1 : x->i > y->i;
}

/* C's value before this process changed it, if remembered. */
static void fill_prev(const dt__hsts_store *s, const prev_rec *sorted,
                      uint32_t i, dt__hsts_change *c) {
  c->has_prev = 0;
  if (!sorted) return;
  prev_rec key = {0};
  key.i = i;
  const prev_rec *p = bsearch(&key, sorted, s->nprev, sizeof *sorted, prev_cmp);
  if (!p || p->hash != s->ents[i].hash) return;
  c->has_prev = 1;
  c->prev.include_subdomains = (p->flags & F_ISD) != 0;
  c->prev.expires_ms = p->expires;
  c->prev.observed_ms = p->observed;
}

int dt__hsts_store_each_change(const dt__hsts_store *s, dt__hsts_change_cb cb,
                               void *user_data) {
  dt__hsts_change c;
  memset(&c, 0, sizeof c);
  /* Tombstones first (they are outside the LRU list), oldest first; then
   * changed live entries least recently used first, so a store that
   * applies them in this order ends with the same recency order. Both
   * walks cost what changed, not the store's size. */
  c.deleted = 1;
  for (uint32_t i = s->tomb_tail; i != NIL; i = s->cold[i].prev) {
    to_entry(s, &s->ents[i], &c.e);
    int rc = cb(&c, user_data);
    if (rc) return rc;
  }
  c.deleted = 0;
  /* The remembered values, by index (a copy: S is not changed here). */
  prev_rec *sorted = NULL;
  if (s->nprev && (sorted = malloc(s->nprev * sizeof *sorted))) {
    memcpy(sorted, s->prev, s->nprev * sizeof *sorted);
    qsort(sorted, s->nprev, sizeof *sorted, prev_cmp);
  }
  int rc = 0;
  for (uint32_t i = last_dirty(s); i != NIL && !rc; i = s->cold[i].prev) {
    const ent *x = &s->ents[i];
    if (!(x->flags & F_DIRTY)) continue;
    to_entry(s, x, &c.e);
    fill_prev(s, sorted, i, &c);
    rc = cb(&c, user_data);
  }
  free(sorted);
  return rc;
}

size_t dt__hsts_store_ranges(const dt__hsts_store *s, const int64_t **ranges) {
  *ranges = s->ranges;
  return s->nranges;
}

size_t dt__hsts_store_changes(const dt__hsts_store *s) {
  return s->ndirty + s->tombs + s->nranges;
}

void dt__hsts_store_journal_reset(dt__hsts_store *s) {
  while (s->tomb_tail != NIL)
    remove_ent(s, s->tomb_tail);
  for (uint32_t i = s->lru_head; i != NIL && s->ndirty; i = s->cold[i].next)
    if (s->ents[i].flags & F_DIRTY) {
      s->ents[i].flags &= (uint8_t)~F_DIRTY;
      s->ndirty--;
    }
  s_free(s, s->ranges, s->nranges * 2 * sizeof *s->ranges);
  s->ranges = NULL;
  s->nranges = 0;
  s_free(s, s->prev, s->prev_cap * sizeof *s->prev);
  s->prev = NULL;
  s->nprev = s->prev_cap = 0;
}

int dt__hsts_store_check(const dt__hsts_store *s) {
  size_t dirty = 0, tombs = 0, live = 0;
  for (uint32_t i = 0; i < s->ents_len; i++) {
    uint8_t f = s->ents[i].flags;
    if (!(f & F_USED)) continue;
    if (f & F_TOMB) {
      tombs++;
      if (!(f & F_DIRTY)) return -1; /* a deletion is journal until saved */
    } else {
      live++;
      dirty += (f & F_DIRTY) != 0;
    }
  }
  if (dirty != s->ndirty || tombs != s->tombs || live != s->live) return -1;
  /* every changed entry is found by the walk each_change makes */
  size_t seen = 0;
  for (uint32_t i = s->lru_head; i != NIL; i = s->cold[i].next)
    seen += (s->ents[i].flags & F_DIRTY) != 0;
  return seen == dirty && s->nprev <= PREV_MAX ? 0 : -1;
}

static int replay_cb(const dt__hsts_change *c, void *ud) {
  dt__hsts_store *d = ud;
  size_t n = strlen(c->e.host);
  uint32_t i = find(d, c->e.host, n, hash_name(c->e.host, n), NULL);
  /* the later observation wins, as in the file (docs/hsts-store-format.md) */
  int64_t t = i == NIL ? INT64_MIN : d->cold[i].observed;
  if (i != NIL && !(d->ents[i].flags & F_TOMB) && t > c->e.observed_ms)
    return 0;
  if (c->deleted) {
    delete_key(d, c->e.host, n, c->e.observed_ms);
    return 0;
  }
  return put(d, c->e.host, n, c->e.include_subdomains, c->e.expires_ms,
             c->e.observed_ms, 1);
}

int dt__hsts_store_replay(dt__hsts_store *dst, const dt__hsts_store *src) {
  for (size_t k = 0; k < src->nranges; k++) {
    dt__hsts_store_merge_range(dst, src->ranges[2 * k], src->ranges[2 * k + 1]);
    add_range(dst, src->ranges[2 * k], src->ranges[2 * k + 1]);
  }
  return dt__hsts_store_each_change(src, replay_cb, dst);
}

void dt__hsts_store_take(dt__hsts_store *s, dt__hsts_store *from) {
  dt_clock clock = s->clock;
  size_t max = s->max_entries;
  size_t calls = s->st.alloc_calls + from->st.alloc_calls;
  size_t ev = s->st.evictions, pr = s->st.pruned;
  free_contents(s);
  *s = *from;
  s->clock = clock;
  s->max_entries = max;
  s->st.alloc_calls = calls;
  s->st.evictions = ev;
  s->st.pruned = pr;
  free(from);
  dt__hsts_store_set_max_entries(s, max);
}

int dt__hsts_store_merge_entry(dt__hsts_store *s, const dt__hsts_entry *e) {
  size_t n = strlen(e->host);
  uint32_t i = find(s, e->host, n, hash_name(e->host, n), NULL);
  if (i != NIL && s->cold[i].observed > e->observed_ms) return 0;
  int dirty = i != NIL && (s->ents[i].flags & F_DIRTY);
  return put(s, e->host, n, e->include_subdomains, e->expires_ms,
             e->observed_ms, dirty) == 0;
}

void dt__hsts_store_merge_delete(dt__hsts_store *s, const char *host,
                                 int64_t deleted_ms) {
  size_t n = strlen(host);
  uint32_t i = find(s, host, n, hash_name(host, n), NULL);
  if (i != NIL && s->cold[i].observed <= deleted_ms) remove_ent(s, i);
}

void dt__hsts_store_merge_range(dt__hsts_store *s, int64_t from, int64_t to) {
  for (uint32_t i = 0; i < s->ents_len; i++) {
    ent *e = &s->ents[i];
    int64_t obs = s->cold[i].observed;
    if ((e->flags & F_USED) && obs >= from && obs <= to) remove_ent(s, i);
  }
}
