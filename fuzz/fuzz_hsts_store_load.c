/* fuzz_hsts_store_load.c — the store file loader and the curl --hsts
 * importer must accept or refuse any bytes without crashing, and what they
 * accept must survive a write and a re-read unchanged in size.
 * The first input byte selects the reader: bit 0 clear → the detour store
 * format (dt__hsts_file_load_mem), set → curl's format. Bit 1 → a store
 * limited to 4 entries (exercises eviction while loading). Bits 2-3: the
 * clock (below). Bit 4 → the bytes are not a file but a program of store
 * operations (add, lookup, delete, note, range delete, clear, limit,
 * journal reset, clock steps; run_ops), checked against the store's
 * invariants (the journal's bookkeeping a save walks included) and then
 * written and re-read like a loaded file. A file may be a base with a
 * journal appended by saves (records in any order, a last line cut short
 * by a crash: hsts/base/journal.h); the seeds journal* are such files. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hsts/store_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Bits 2-3 of the mode byte pick the clock: a normal time (whole
 * seconds, so curl's stamps round-trip), or the extremes an embedder's
 * clock could return (saturation paths). */
static int64_t fixed_now(void *ud) { return *(const int64_t *)ud; }
static const int64_t clocks[4] = {1700000000000, INT64_MIN, INT64_MAX, 0};

static const char *const hosts[] = {"a.test",  "www.a.test", "example.com",
                                    "x.y.z.w", "localhost",  "1.2.3.4",
                                    "",        "b.a.test.",  "ExAmPle.CoM"};

static int count_cb(const dt__hsts_entry *e, void *ud) {
  (void)e;
  (*(size_t *)ud)++;
  return 0;
}
static size_t listed(const dt__hsts_store *s) {
  size_t n = 0;
  dt__hsts_store_each(s, count_cb, &n);
  return n;
}

/* One op per byte (low 3 bits), arguments from the following bytes. */
static void run_ops(dt__hsts_store *s, const uint8_t *p, size_t n,
                    int64_t *now) {
  static const char *const vals[] = {"max-age=100", "max-age=0",
                                     "max-age=5; includeSubDomains", "bogus",
                                     "max-age=99999999999999999999"};
  size_t i = 0;
  while (i < n) {
    uint8_t op = p[i++];
    size_t hl = i < n ? (size_t)(p[i++] % 24) : 0;
    if (hl > n - i) hl = n - i;
    const char *h = (const char *)p + i;
    i += hl;
    uint8_t a = i < n ? p[i++] : 0;
    switch (op & 7) {
    case 0:
      if (a >= 0xF0) /* now and then an entry without expiry */
        dt__hsts_store_add(s, h, hl, a & 1, DT__HSTS_NEVER, *now - (a & 15),
                           NULL);
      else
        dt__hsts_store_add(s, h, hl, a & 1,
                           *now + (int64_t)(a % 64) * 1000 - 5000,
                           *now - (a >> 2), NULL);
      break;
    case 1: {
      dt__hsts_decision d;
      if (a & 2) { /* "known?" only: no decision to fill */
        dt__hsts_store_lookup(s, h, hl, NULL);
        break;
      }
      int k = dt__hsts_store_lookup(s, h, hl, &d);
      if (k != d.known || (k && d.entry.host[0] == 0)) abort();
      break;
    }
    case 2: dt__hsts_store_delete(s, h, hl); break;
    case 3: {
      const char *v = vals[a % 5];
      dt__hsts_note(s, h, hl, v, strlen(v), *now, (a & 8) ? 0 : 31536000u,
                    NULL);
      break;
    }
    case 4:
      dt__hsts_store_delete_observed_between(s, *now - a * 100, *now);
      break;
    case 5:
      if (a == 0x5c)
        dt__hsts_store_clear(s); /* rare: it empties the store */
      else
        dt__hsts_store_journal_reset(s);
      break;
    case 6: dt__hsts_store_set_max_entries(s, (size_t)(a % 16) + 1); break;
    default:
      if (*now < INT64_MAX - 256 * 1000) *now += (int64_t)a * 1000;
    }
    dt__hsts_store_stats st;
    dt__hsts_store_get_stats(s, &st);
    if (st.entries > st.max_entries || st.tombstones > st.max_entries ||
        listed(s) > st.entries || dt__hsts_store_check(s))
      abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  unsigned mode = data[0];
  size_t n = size - 1;
  char *b = malloc(n ? n : 1); /* exact size: ASan sees any over-read */
  if (!b) return 0;
  memcpy(b, data + 1, n);
  if (mode & 0x10) mode &= ~0x0cu; /* ops do time arithmetic: normal clock */
  int64_t now = clocks[(mode >> 2) & 3];
  dt_clock clk = {fixed_now, &now};
  size_t max = (mode & 2) ? 4 : 0;
  dt__hsts_store *s = NULL, *t = NULL;
  if (dt__hsts_store_new(&s, max, &clk) || dt__hsts_store_new(&t, max, &clk))
    abort();
  dt__hsts_file_report rep;
  if (mode & 0x10) {
    run_ops(s, (const uint8_t *)b, n, &now);
    mode &= ~1u; /* written and re-read in the store format */
    dt__hsts_store_stats st;
    dt__hsts_store_get_stats(s, &st);
    dt__hsts_store_set_max_entries(t, st.max_entries);
  } else {
    int rc = (mode & 1) ? dt__hsts_file_import_curl_mem(s, b, n, &rep)
                        : dt__hsts_file_load_mem(s, b, n, &rep);
    if (rc == 0 && rep.err) abort();
    if (rep.nbad > DT__HSTS_FILE_BAD_KEPT || rep.nbad > rep.skipped) abort();
  }
  for (size_t i = 0; i < sizeof hosts / sizeof *hosts; i++) {
    dt__hsts_decision d;
    dt__hsts_store_lookup(s, hosts[i], strlen(hosts[i]), &d);
  }
  /* Round trip through the writer of the same format. */
  char *out = NULL;
  size_t olen = 0;
  FILE *mf = open_memstream(&out, &olen);
  if (!mf) abort();
  if (mode & 1)
    dt__hsts_file_export_curl(s, mf, NULL);
  else
    dt__hsts_file_write(s, mf, NULL);
  fclose(mf);
  dt__hsts_file_report rep2;
  int rc = (mode & 1) ? dt__hsts_file_import_curl_mem(t, out, olen, &rep2)
                      : dt__hsts_file_load_mem(t, out, olen, &rep2);
  /* The round trip is exact at a normal time; at the extremes curl's
   * stamps cannot say every expiry (years before 1970). */
  if (((mode >> 2) & 3) == 0) {
    if (rc != 0 || rep2.skipped != 0) abort();
    if (dt__hsts_store_count(t) != listed(s)) abort();
  }
  free(out);
  dt__hsts_store_free(s);
  dt__hsts_store_free(t);
  free(b);
  return 0;
}
