/* test_preload_blob.c — bad blobs are refused with DT_EPRELOAD and a clear
 * message (truncated, each header byte flipped, body bytes changed, wrong
 * version, foreign files); compile errors carry the line and the column; a
 * list file over the size limit is refused before it is read; the genuine
 * 2016 Chromium file compiles with the right counts, its entries without
 * "mode" kept as overrides; XXH64 test vectors. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dt_test.h"
#include "hsts/base/file.h"
#include "hsts/preload.h"
#include "hsts/preload_format.h"

/* The whole file, with the library's bounded reader (NULL on failure). */
static char *read_file(const char *path, size_t *len) {
  char *b = NULL;
  return dt__file_read(path, 1u << 30, &b, len, NULL) ? NULL : b;
}

static void fix_checksum(uint8_t *b, size_t n) {
  uint64_t c = dt__preload_blob_checksum(b, n);
  for (int i = 0; i < 8; i++)
    b[DT__PRELOAD_OFF_CHECKSUM + i] = (uint8_t)(c >> (8 * i));
}

/* Opens a copy (so ASan sees reads past the end) and expects RC; if MSG is
 * set, the error message must contain it. */
static int open_expect(const uint8_t *b, size_t n, unsigned flags, int want,
                       const char *msg) {
  uint8_t *copy = malloc(n ? n : 1);
  memcpy(copy, b, n);
  dt__preload *p = NULL;
  dt__preload_error err = {0, 0, ""};
  int rc = dt__preload_open_mem(&p, copy, n, flags, &err);
  int ok = rc == want && (!msg || strstr(err.msg, msg)) && (rc != 0 || p);
  if (!ok)
    fprintf(stderr, "  open len %zu: rc %d (%s) msg \"%s\", wanted %d \"%s\"\n",
            n, rc, dt_err_name(rc), err.msg, want, msg ? msg : "");
  if (rc == 0) { /* whatever opened must be safe to query */
    dt__preload_match m;
    dt__preload_lookup(p, "www.example.com", 15, DT__PRELOAD_MOST_SPECIFIC, &m);
    dt__preload_lookup(p, "dev", 3, DT__PRELOAD_ANY_ANCESTOR, &m);
    static const char *hs[] = {"a.test", "x.b.a.test", "c.test", "e.d.test",
                               "zz.zz"};
    for (size_t i = 0; i < sizeof hs / sizeof *hs; i++)
      for (int mode = 0; mode < 2; mode++)
        dt__preload_lookup(p, hs[i], strlen(hs[i]), (dt__preload_mode)mode, &m);
  }
  dt__preload_free(p);
  free(copy);
  return ok;
}

typedef struct compile_row {
  const char *json;
  int rc;
  size_t line, col;
  const char *msg;
} compile_row;

static const compile_row compile_rows[] = {
    /* Well-formed, with comments and ignored fields. */
    {"// c\n{\"pinsets\": [],\n \"entries\": [\n  {\"name\": \"a.test\", "
     "\"mode\": \"force-https\", "
     "\"pins\": \"x\"}\n]}",
     0, 0, 0, NULL},
    /* Malformed JSON: the reader's line and column. */
    {"{\n\"entries\": [\n{\"name\": \"a.test\",}\n]}", DT_EPARSE, 3, 19,
     "malformed JSON"},
    {"{\"entries\": [", DT_EPARSE, 1, 14, "malformed JSON"},
    {"", DT_EPARSE, 1, 1, "malformed JSON"},
    /* Schema. */
    {"[]", DT_EPARSE, 1, 1, "top level is not an object"},
    {"{\"x\": 1}", DT_EPARSE, 1, 1, "no \"entries\" array"},
    {"{\"entries\": {}}", DT_EPARSE, 1, 13, "no \"entries\" array"},
    {"{\"entries\": [\n 3]}", DT_EPARSE, 2, 2, "entry is not an object"},
    {"{\"entries\": [\n{\"mode\": \"force-https\"}]}", DT_EPARSE, 2, 1,
     "without a string \"name\""},
    {"{\"entries\": [\n{\"name\": 5}]}", DT_EPARSE, 2, 10,
     "\"name\" is not a string"},
    {"{\"entries\": [\n\n{\"name\": \"a.test\", \"mode\": 1}]}", DT_EPARSE, 3,
     28, "\"mode\" is not a string"},
    {"{\"entries\": [\n{\"name\": \"a.test\", \"mode\": \"force-https\", "
     "\"include_subdomains\": 1}]}",
     DT_EPARSE, 2, 65, "\"include_subdomains\" is not a boolean"},
    /* Every field Chromium's file defines has its type checked. */
    {"{\"entries\": [\n{\"name\": \"a.test\", \"policy\": 7}]}", DT_EPARSE, 2,
     30, "\"policy\" is not a string"},
    {"{\"entries\": [\n{\"name\": \"a.test\", \"pins\": true}]}", DT_EPARSE, 2,
     28, "\"pins\" is not a string"},
    {"{\"entries\": [\n{\"name\": \"a.test\",\n  \"expect_ct\": \"yes\"}]}",
     DT_EPARSE, 3, 16, "\"expect_ct\" is not a boolean"},
    {"{\"entries\": [\n{\"name\": \"a.test\", \"expect_ct\": true, "
     "\"expect_ct_report_uri\": 5}]}",
     DT_EPARSE, 2, 63, "\"expect_ct_report_uri\" is not a string"},
    {"{\"entries\": [\n{\"name\": \"a.test\", "
     "\"include_subdomains_for_pinning\": \"true\"}]}",
     DT_EPARSE, 2, 54, "\"include_subdomains_for_pinning\" is not a boolean"},
    {"{\"entries\": [\n{\"name\": \"a.test\", \"mode\": \"force-https\",\n "
     "\"mode\": \"force-https\"}]}",
     DT_EPARSE, 3, 10, "\"mode\" twice in one entry (first at line 2)"},
    /* Chromium's only mode is "force-https": anything else is refused. */
    {"{\"entries\": [\n{\"name\": \"a.test\", \"mode\": \"force-http\"}]}",
     DT_EPARSE, 2, 28, "\"mode\" is not \"force-https\": \"force-http\""},
    {"{\"entries\": [\n{\"name\": \"a.test\", \"mode\": \"\"}]}", DT_EPARSE, 2,
     28, "\"mode\" is not \"force-https\""},
    /* An empty list is a mistake. */
    {"{\"entries\": []}", DT_EPARSE, 1, 13, "\"entries\" is empty"},
    {"// c\n{\n  \"pinsets\": [],\n  \"entries\": [\n  ]\n}", DT_EPARSE, 4, 14,
     "\"entries\" is empty"},
    /* Bad names (where the name is). */
    {"{\"entries\": [\n{\"name\": \"\", \"mode\": \"force-https\"}]}",
     DT_EPARSE, 2, 10, "empty name"},
    {"{\"entries\": [\n{\"name\": \"a..test\", \"mode\": \"force-https\"}]}",
     DT_EPARSE, 2, 10, "empty label"},
    {"{\"entries\": [\n{\"name\": \".a.test\", \"mode\": \"force-https\"}]}",
     DT_EPARSE, 2, 10, "empty label"},
    {"{\"entries\": [\n{\"name\": \"a.test.\", \"mode\": \"force-https\"}]}",
     DT_EPARSE, 2, 10, "empty label"},
    {"{\"entries\": [\n{\"name\": \"a b.test\", \"mode\": \"force-https\"}]}",
     DT_EPARSE, 2, 10, "character outside"},
    {"{\"entries\": [\n{\"name\": \"\xc3\xa4.test\", \"mode\": "
     "\"force-https\"}]}",
     DT_EPARSE, 2, 10, "character outside"},
    {"{\"entries\": [\n{\"name\": \"a\\u0000.test\", \"mode\": "
     "\"force-https\"}]}",
     DT_EPARSE, 2, 10, "NUL byte"},
    {"{\"entries\": [\n{\"name\": "
     "\"1234567890123456789012345678901234567890123456789012345678901234."
     "test\", "
     "\"mode\": \"force-https\"}]}",
     DT_EPARSE, 2, 10, "label longer than 63"},
    /* An IPv6 address is not a name (IPv4: skipped, below). */
    {"{\"entries\": [\n{\"mode\": \"force-https\", \"name\": "
     "\"2606:4700:4700::1111\"}]}",
     DT_EPARSE, 2, 33, "name is an IPv6 address: \"2606:4700:4700::1111\""},
    /* A bad name is refused in an entry without "mode" too. */
    {"{\"entries\": [\n{\"name\": \"a..b\"}]}", DT_EPARSE, 2, 10,
     "empty label"},
    /* Duplicates: the second place, and the first in the message. */
    {"{\"entries\": [\n{\"name\": \"a.test\", \"mode\": \"force-https\"},\n"
     "{\"name\": \"b.test\", \"mode\": \"force-https\"},\n"
     "{\"name\": \"a.test\", \"mode\": \"force-https\", "
     "\"include_subdomains\": true}]}",
     DT_EPARSE, 4, 10,
     "duplicate name (first at line 2, column 10): \"a.test\""},
    /* ... also once with "mode" and once without (either order). */
    {"{\"entries\": [\n{\"name\": \"a.test\", \"pins\": \"x\"},\n"
     "  {\"name\": \"a.test\", \"mode\": \"force-https\"}]}",
     DT_EPARSE, 3, 12,
     "duplicate name (first at line 2, column 10; once force-https, once "
     "without \"mode\"): \"a.test\""},
    {"{\"entries\": [\n{\"name\": \"a.test\", \"mode\": \"force-https\"},\n"
     "{\"name\": \"a.test\", \"expect_ct\": true}]}",
     DT_EPARSE, 3, 10, "once force-https, once without \"mode\""},
    {"{\"entries\": [\n{\"name\": \"a.test\", \"pins\": \"x\"},\n"
     "{\"name\": \"a.test\", \"pins\": \"y\"}]}",
     DT_EPARSE, 3, 10,
     "duplicate name (first at line 2, column 10): \"a.test\""},
    /* Equal once lowered: merged with the same mode and flags, refused
     * otherwise. */
    {"{\"entries\": [\n{\"name\": \"dev\", \"mode\": \"force-https\"},\n"
     "{\"name\": \"DEV\", \"mode\": \"force-https\"}]}",
     0, 0, 0, NULL},
    {"{\"entries\": [\n{\"name\": \"dev\", \"mode\": \"force-https\"},\n"
     "{\"name\": \"DEV\", \"mode\": \"force-https\", \"include_subdomains\": "
     "true}]}",
     DT_EPARSE, 3, 10, "duplicate name (first at line 2, column 10): \"dev\""},
    {"{\"entries\": [\n{\"name\": \"dev\", \"mode\": \"force-https\"},\n"
     "{\"name\": \"DEV\"}]}",
     DT_EPARSE, 3, 10, "once force-https, once without \"mode\""},
};

int main(void) {
  /* XXH64 vectors (xxHash's reference values). */
  CHECK(dt__preload_xxh64("", 0, 0) == 0xEF46DB3751D8E999ULL);
  CHECK(dt__preload_xxh64("a", 1, 0) == 0xD24EC4F1A98C6E5BULL);
  CHECK(dt__preload_xxh64("abc", 3, 0) == 0x44BC2CF5AD770999ULL);
  CHECK(dt__preload_xxh64("Hello, World!", 13, 0) == 0xC49AACF8080FE47FULL);
  CHECK(dt__preload_xxh64("Hello, World!", 13, 42) == 0xC2E0FE28B2512846ULL);
  char a33[33];
  memset(a33, 'a', sizeof a33);
  CHECK(dt__preload_xxh64(a33, 33, 0) == 0x18F3FF0C21E3B24BULL);

  /* Compile errors, one row each. */
  for (size_t i = 0; i < sizeof compile_rows / sizeof *compile_rows; i++) {
    const compile_row *r = &compile_rows[i];
    dt__preload_compile_opts o = {20605};
    unsigned char *blob = NULL;
    size_t blen = 0;
    dt__preload_error err = {0, 0, ""};
    int rc = dt__preload_compile(r->json, strlen(r->json), &o, &blob, &blen,
                                 NULL, &err);
    CHECK_(rc == r->rc, "row %zu: rc %d, wanted %d (%s)", i, rc, r->rc,
           err.msg);
    if (r->rc) {
      CHECK_(err.line == r->line && err.col == r->col,
             "row %zu: at %zu:%zu, wanted %zu:%zu (%s)", i, err.line, err.col,
             r->line, r->col, err.msg);
      CHECK_(strstr(err.msg, r->msg) != NULL, "row %zu: \"%s\" lacks \"%s\"", i,
             err.msg, r->msg);
      CHECK(blob == NULL);
    }
    free(blob);
  }

  /* An IPv4 name is skipped and counted, not refused: Chromium's own file
   * has had "1.0.0.1" since 2018. Unknown fields are counted. */
  {
    const char *ip =
        "{\"entries\": [\n{\"name\": \"1.0.0.1\", \"mode\": "
        "\"force-https\"},\n{\"name\": \"a.10\", \"pins\": \"x\"},\n"
        "{\"name\": \"10.a\", \"mode\": \"force-https\", "
        "\"expect_staple\": true, \"x\": [1, {}]}]}";
    dt__preload_compile_opts o = {20605};
    unsigned char *blob = NULL;
    size_t blen = 0;
    dt__preload_compile_stats st;
    CHECK_INT(dt__preload_compile(ip, strlen(ip), &o, &blob, &blen, &st, NULL),
              0);
    CHECK_INT(st.skipped_ip, 2);
    CHECK_INT(st.compiled, 1);
    CHECK_INT(st.overrides, 0);
    CHECK_INT(st.unknown_fields, 2);
    free(blob);
  }

  /* The size limit comes before any byte is read: a sparse file one byte
   * over it is refused at once, its size and the limit named, and this
   * process reads next to nothing meanwhile (/proc/self/io's rchar counts
   * every byte read() returns). The in-memory compiler has the same
   * bound, checked before it looks at the text. */
  {
    char path[] = "/tmp/detour-preload-big-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd >= 0) {
      CHECK_INT(ftruncate(fd, (off_t)DT__PRELOAD_MAX_JSON + 1), 0);
      close(fd);
      unsigned long long r0 = 0, r1 = 0;
      char line[128];
      FILE *io = fopen("/proc/self/io", "r");
      while (io && fgets(line, sizeof line, io))
        sscanf(line, "rchar: %llu", &r0);
      if (io) fclose(io);
      dt__preload_compile_opts o = {20605};
      unsigned char *blob = NULL;
      size_t blen = 0;
      dt__preload_error err;
      struct timespec t0, t1;
      clock_gettime(CLOCK_MONOTONIC, &t0);
      int rc = dt__preload_compile_file(path, &o, &blob, &blen, NULL, &err);
      clock_gettime(CLOCK_MONOTONIC, &t1);
      io = fopen("/proc/self/io", "r");
      while (io && fgets(line, sizeof line, io))
        sscanf(line, "rchar: %llu", &r1);
      if (io) fclose(io);
      double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
                  (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
      CHECK_INT(rc, DT_EINVAL);
      CHECK(blob == NULL);
      CHECK_(strstr(err.msg, "536870913 bytes") &&
                 strstr(err.msg, "limit of 536870912 bytes (512 MiB)"),
             "message: %s", err.msg);
      CHECK_(ms < 200, "refusing took %.1f ms", ms);
      CHECK_(!io || r1 - r0 < 64 * 1024, "read %llu bytes", r1 - r0);
      remove(path);
    }
    dt__preload_compile_opts o = {20605};
    unsigned char *blob = NULL;
    size_t blen = 0;
    dt__preload_error err;
    /* LEN is all that is looked at: the text is never read. */
    CHECK_INT(dt__preload_compile("{}", (size_t)DT__PRELOAD_MAX_JSON + 1, &o,
                                  &blob, &blen, NULL, &err),
              DT_EINVAL);
    CHECK(strstr(err.msg, "limit of 536870912 bytes") != NULL);
    /* A file that is not there: DT_EIO with its name. */
    CHECK_INT(dt__preload_compile_file(DETOUR_SOURCE_DIR "/no/such.json", &o,
                                       &blob, &blen, NULL, &err),
              DT_EIO);
    CHECK(strstr(err.msg, "no/such.json") != NULL);
  }

  /* The genuine 2016 file: comments, pinsets, entries without "mode" (pins
   * or Expect-CT only), which are kept as overrides, and fields Chromium's
   * file has since dropped (expect_staple...), counted. */
  size_t jlen = 0;
  char *json = read_file(
      DETOUR_SOURCE_DIR "/fixtures/preload/chromium-2016-sample.json", &jlen);
  CHECK(json != NULL);
  if (json) {
    dt__preload_compile_opts o = {16995}; /* 2016-07-12, any date */
    unsigned char *blob = NULL;
    size_t blen = 0;
    dt__preload_compile_stats st;
    dt__preload_error err;
    int rc = dt__preload_compile(json, jlen, &o, &blob, &blen, &st, &err);
    CHECK_INT(rc, 0);
    if (rc) fprintf(stderr, "2016 sample: %s\n", err.msg);
    CHECK_INT(st.entries_total, 13399);
    /* 13,139 force-https entries; "0xAA55.me" and "0xaa55.me" are one
     * name once lowered (same flags), so 13,138 distinct names. */
    CHECK_INT(st.force_https, 13139);
    CHECK_INT(st.compiled, 13138);
    CHECK_INT(st.include_subdomains, 12890);
    CHECK_INT(st.case_duplicates, 1);
    CHECK_INT(st.overrides, 260);
    CHECK_INT(st.lowercased, 1);
    CHECK_INT(st.skipped_ip, 0);
    /* expect_staple, expect_staple_report_uri (2 each) and
     * include_subdomains_for_expect_staple (1). */
    CHECK_INT(st.unknown_fields, 5);
    dt__preload *p = NULL;
    CHECK_INT(dt__preload_open_mem(&p, blob, blen, 0, &err), 0);
    dt__preload_info info;
    dt__preload_get_info(p, &info);
    CHECK_INT(info.entries, 13138);
    CHECK_INT(info.overrides, 260);
    CHECK_INT(info.include_subdomains, 12890);
    CHECK_INT(info.blob_bytes, blen);
    printf("2016 file: %zu bytes, %.2f B/name over %u names\n", blen,
           (double)blen / (info.entries + info.overrides),
           info.entries + info.overrides);
    static const struct {
      const char *host;
      int mode, known;
      dt__preload_reason reason;
      const char *name, *cancelled;
    } known[] = {
        {"0xaa55.me", 0, 1, DT__PRELOAD_R_EXACT, "0xaa55.me", ""},
        /* Pins only: no HSTS, for the name and under it (chromium). */
        {"pinningtest.appspot.com", 0, 0, DT__PRELOAD_R_OVERRIDDEN,
         "pinningtest.appspot.com", ""},
        {"pinningtest.appspot.com", 1, 0, DT__PRELOAD_R_NO_ENTRY, "", ""},
        {"chart.apis.google.com", 0, 0, DT__PRELOAD_R_OVERRIDDEN,
         "chart.apis.google.com", "apis.google.com"},
        {"x.chart.apis.google.com", 0, 0, DT__PRELOAD_R_OVERRIDDEN,
         "chart.apis.google.com", "apis.google.com"},
        {"chart.apis.google.com", 1, 1, DT__PRELOAD_R_ANCESTOR,
         "apis.google.com", ""},
        {"x.apis.google.com", 0, 1, DT__PRELOAD_R_ANCESTOR, "apis.google.com",
         ""},
        {"foo.appspot.com", 0, 0, DT__PRELOAD_R_OVERRIDDEN, "appspot.com", ""},
        {"webfilings.appspot.com", 0, 1, DT__PRELOAD_R_EXACT,
         "webfilings.appspot.com", ""},
        {"preloaded-expect-ct.badssl.com", 0, 0, DT__PRELOAD_R_OVERRIDDEN,
         "preloaded-expect-ct.badssl.com", ""},
    };
    for (size_t i = 0; i < sizeof known / sizeof *known; i++) {
      dt__preload_match m;
      int k = dt__preload_lookup(p, known[i].host, strlen(known[i].host),
                                 (dt__preload_mode)known[i].mode, &m);
      CHECK_(k == known[i].known && m.reason == known[i].reason &&
                 strcmp(m.name, known[i].name) == 0 &&
                 strcmp(m.cancelled, known[i].cancelled) == 0,
             "2016 file, %s mode %d: %d %s \"%s\" cancelled \"%s\"",
             known[i].host, known[i].mode, k, dt__preload_reason_name(m.reason),
             m.name, m.cancelled);
    }
    dt__preload_free(p);
    free(blob);
    free(json);
  }

  /* A good small blob to damage. */
  const char *src = "{\"entries\": [\n"
                    "{\"name\": \"dev\", \"mode\": \"force-https\", "
                    "\"include_subdomains\": true},\n"
                    "{\"name\": \"a.test\", \"mode\": \"force-https\", "
                    "\"include_subdomains\": true},\n"
                    "{\"name\": \"b.a.test\", \"mode\": \"force-https\"},\n"
                    "{\"name\": \"c.test\", \"mode\": \"force-https\"},\n"
                    "{\"name\": \"d.test\", \"mode\": \"force-https\", "
                    "\"include_subdomains\": true},\n"
                    "{\"name\": \"e.d.test\", \"pins\": \"x\", "
                    "\"include_subdomains\": true},\n"
                    "{\"name\": \"p.test\", \"expect_ct\": true}]}";
  dt__preload_compile_opts o = {20605};
  unsigned char *blob = NULL;
  size_t n = 0;
  CHECK_INT(dt__preload_compile(src, strlen(src), &o, &blob, &n, NULL, NULL),
            0);
  if (!blob) return dt_test_summary("test_preload_blob");
  CHECK(open_expect(blob, n, 0, 0, NULL));

  /* Truncated at every length. */
  for (size_t k = 0; k < n; k++)
    CHECK_(open_expect(blob, k, 0, DT_EPRELOAD, k < 8 ? "bad magic" : NULL),
           "truncated to %zu", k);
  CHECK(open_expect(blob, 50, 0, DT_EPRELOAD, "truncated blob"));
  CHECK(open_expect(blob, n - 1, 0, DT_EPRELOAD, "length mismatch"));

  /* Each header byte flipped: refused (magic, fields or checksum). */
  uint8_t *c = malloc(n);
  for (size_t k = 0; k < DT__PRELOAD_HDR_SIZE; k++) {
    memcpy(c, blob, n);
    c[k] ^= 0x5a;
    CHECK_(open_expect(c, n, 0, DT_EPRELOAD, NULL), "header byte %zu flipped",
           k);
  }
  /* Each body byte changed: the checksum catches it. */
  for (size_t k = DT__PRELOAD_HDR_SIZE; k < n; k++) {
    memcpy(c, blob, n);
    c[k] ^= 0x01;
    CHECK_(open_expect(c, n, 0, DT_EPRELOAD, "checksum mismatch"),
           "body byte %zu", k);
  }
  /* Every body byte set to other values with the checksum fixed up (a
   * forged blob): refused, because every byte of a blob follows from its
   * names (the untrusted open rewrites them), padding included. The one
   * exception is a valid blob of another list: an index in the
   * no-include_subdomains list moved to another entry of a block that
   * already has one, or one in the override list moved to another entry
   * without include_subdomains. Such a blob opens and answers for that
   * list. */
  dt__preload_hdr h;
  dt__preload_hdr_read(blob, &h);
  CHECK_INT(h.n_ovr, 2);
  CHECK_INT(h.n_noinc, 4);
  size_t forged = 0, refused = 0, other_list = 0;
  for (size_t k = DT__PRELOAD_HDR_SIZE; k < n; k++)
    for (unsigned v = 0; v < 256; v += 37) {
      if (blob[k] == v) continue;
      memcpy(c, blob, n);
      c[k] = (uint8_t)v;
      fix_checksum(c, n);
      forged++;
      dt__preload *fp = NULL;
      if (dt__preload_open_mem(&fp, c, n, 0, NULL) != 0)
        refused++;
      else if ((k >= h.off[DT__PRELOAD_SEC_NOINC] &&
                k < h.off[DT__PRELOAD_SEC_NOINC] + 4 * h.n_noinc) ||
               (k >= h.off[DT__PRELOAD_SEC_OVR] &&
                k < h.off[DT__PRELOAD_SEC_OVR] + 4 * h.n_ovr))
        other_list += open_expect(c, n, 0, 0, NULL);
      else
        fprintf(stderr, "  forged byte %zu = %u opened\n", k, v);
      dt__preload_free(fp);
    }
  CHECK_(refused + other_list == forged && other_list < 12,
         "%zu of %zu forged blobs refused, %zu another valid list", refused,
         forged, other_list);
  /* Wrong version, with a valid checksum: 1 to 3 are the layouts before
   * this one (the message says how to get a blob this build reads); 5 is
   * the future. */
  memcpy(c, blob, n);
  for (uint8_t v = 1; v <= 3; v++) {
    char want[64];
    c[8] = v;
    fix_checksum(c, n);
    snprintf(want, sizeof want, "unsupported blob version %u", v);
    CHECK(open_expect(c, n, 0, DT_EPRELOAD, want));
    CHECK(open_expect(c, n, DT__PRELOAD_TRUSTED, DT_EPRELOAD,
                      "compile the list again with `detour preload compile`"));
  }
  c[8] = 5;
  fix_checksum(c, n);
  CHECK(open_expect(c, n, 0, DT_EPRELOAD,
                    "unsupported blob version 5 (this build reads 4)"));
  /* What even a trusted open checks, each with a valid checksum. */
  memcpy(c, blob, n); /* one more entry without include_subdomains */
  c[28]--;
  fix_checksum(c, n);
  CHECK(open_expect(c, n, DT__PRELOAD_TRUSTED, DT_EPRELOAD,
                    "inconsistent counts"));
  memcpy(c, blob, n); /* more overrides than entries without the flag */
  c[DT__PRELOAD_HDR_NOVR] = 5;
  fix_checksum(c, n);
  CHECK(open_expect(c, n, DT__PRELOAD_TRUSTED, DT_EPRELOAD,
                    "inconsistent counts"));
  memcpy(c, blob, n); /* an override's index moved onto an entry that has
                         include_subdomains: the rewrite differs */
  {
    uint8_t *ov = c + h.off[DT__PRELOAD_SEC_OVR];
    uint32_t first = dt__preload_rd32(ov);
    ov[0] = (uint8_t)(first == 0 ? 3 : 0); /* a.test, d.test have it */
    fix_checksum(c, n);
    CHECK(open_expect(c, n, 0, DT_EPRELOAD, "not in canonical form"));
  }
  memcpy(c, blob, n); /* a section moved */
  c[DT__PRELOAD_HDR_OFFS + 4 * DT__PRELOAD_SEC_FUSE] += 64;
  fix_checksum(c, n);
  CHECK(open_expect(c, n, DT__PRELOAD_TRUSTED, DT_EPRELOAD,
                    "section offsets do not match"));
  memcpy(c, blob, n); /* the separators' padding (this blob has 1 block) */
  c[h.off[DT__PRELOAD_SEC_SEP] + 8 * 5] = 0;
  fix_checksum(c, n);
  CHECK(open_expect(c, n, DT__PRELOAD_TRUSTED, DT_EPRELOAD,
                    "separator padding #5"));
  memcpy(c, blob, n); /* a code length of 0 */
  c[h.off[DT__PRELOAD_SEC_CODELEN] + 3 * (DT__PRELOAD_NSYM - 1)] = 0;
  fix_checksum(c, n);
  CHECK(open_expect(c, n, DT__PRELOAD_TRUSTED, DT_EPRELOAD,
                    "bad code lengths for context #3"));
  memcpy(c, blob, n); /* all lengths 1: far beyond Kraft's inequality */
  memset(c + h.off[DT__PRELOAD_SEC_CODELEN], 1, DT__PRELOAD_NSYM - 1);
  fix_checksum(c, n);
  CHECK(open_expect(c, n, DT__PRELOAD_TRUSTED, DT_EPRELOAD,
                    "bad code lengths for context #0"));
  /* Trusted open skips the checksum and the rewrite (the embedded blob
   * was verified by the build); an untrusted open catches both. */
  memcpy(c, blob, n);
  c[h.off[DT__PRELOAD_SEC_STREAM]] ^= 0x80; /* the first entry's code */
  CHECK(open_expect(c, n, DT__PRELOAD_TRUSTED, 0, NULL));
  CHECK(open_expect(c, n, 0, DT_EPRELOAD, "checksum mismatch"));
  fix_checksum(c, n);
  CHECK(open_expect(c, n, 0, DT_EPRELOAD, NULL));
  memcpy(c, blob, n);
  c[h.off[DT__PRELOAD_SEC_FUSE]] ^= 0x01; /* a filter cell */
  fix_checksum(c, n);
  CHECK(open_expect(c, n, 0, DT_EPRELOAD, "not in canonical form: filter"));
  /* Forged bodies opened trusted: whatever opens is safe to query. */
  for (size_t k = DT__PRELOAD_HDR_SIZE; k < n; k++)
    for (unsigned v = 0; v < 256; v += 51) {
      memcpy(c, blob, n);
      c[k] = (uint8_t)v;
      dt__preload *tp = NULL;
      if (dt__preload_open_mem(&tp, c, n, DT__PRELOAD_TRUSTED, NULL) == 0)
        open_expect(c, n, DT__PRELOAD_TRUSTED, 0, NULL);
      dt__preload_free(tp);
    }
  free(c);

  /* A list with every rare path: 300 names in 10 blocks, shared parts
   * longer than 15 characters (prefix escapes), labels long enough for a
   * suffix over 126 bits (length escapes), entries without
   * include_subdomains. Every name must be found, with its flag, and a
   * subdomain decided by it; then every body byte flipped once (checksum
   * fixed) must be refused untrusted and be safe trusted. */
  {
    size_t cap = 64 * 1024, jl = 0;
    char *js = malloc(cap), names[300][160];
    jl += (size_t)snprintf(js + jl, cap - jl, "{\"entries\": [\n");
    for (int i = 0; i < 300; i++) {
      if (i % 3 == 0)
        snprintf(names[i], sizeof names[i], "n%d.a-long-shared-label.test", i);
      else if (i % 3 == 1) { /* a label of 60 pseudo-random characters */
        char lab[61];
        uint32_t x = 2654435761u * (uint32_t)(i + 1);
        for (int k = 0; k < 60; k++) {
          x = x * 1103515245u + 12345u;
          lab[k] = "0123456789-_qxzjkvwy"[(x >> 16) % 20];
        }
        lab[0] = 'q';
        lab[60] = '\0';
        snprintf(names[i], sizeof names[i], "%s.%d.test", lab, i % 7);
      } else
        snprintf(names[i], sizeof names[i], "%d.example.test", i * 7919);
      jl += (size_t)snprintf(js + jl, cap - jl,
                             "%s{\"name\": \"%s\", \"mode\": "
                             "\"force-https\", \"include_subdomains\": %s}\n",
                             i ? "," : "", names[i], i % 5 ? "true" : "false");
    }
    jl += (size_t)snprintf(js + jl, cap - jl, "]}");
    unsigned char *mb = NULL;
    size_t mn = 0;
    CHECK_INT(dt__preload_compile(js, jl, &o, &mb, &mn, NULL, NULL), 0);
    dt__preload *mp = NULL;
    CHECK_INT(dt__preload_open_mem(&mp, mb, mn, 0, NULL), 0);
    dt__preload_hdr mh;
    dt__preload_hdr_read(mb, &mh);
    CHECK_(mh.n_blocks == 10 && mh.n_escp > 0 && mh.n_escs > 0 &&
               mh.n_noinc == 60,
           "blocks %u escp %u escs %u noinc %u", mh.n_blocks, mh.n_escp,
           mh.n_escs, mh.n_noinc);
    for (int i = 0; mp && i < 300; i++) {
      dt__preload_match m;
      char sub[200];
      CHECK_(dt__preload_lookup(mp, names[i], strlen(names[i]),
                                DT__PRELOAD_MOST_SPECIFIC, &m) == 1 &&
                 m.reason == DT__PRELOAD_R_EXACT &&
                 strcmp(m.name, names[i]) == 0 &&
                 m.include_subdomains == (i % 5 != 0),
             "name %s", names[i]);
      snprintf(sub, sizeof sub, "x.%s", names[i]);
      int k = dt__preload_lookup(mp, sub, strlen(sub), DT__PRELOAD_ANY_ANCESTOR,
                                 &m);
      CHECK_(k == (i % 5 != 0) && strcmp(m.name, names[i]) == 0 &&
                 m.reason == (k ? DT__PRELOAD_R_ANCESTOR
                                : DT__PRELOAD_R_ANCESTOR_NO_SUBDOMAINS),
             "subdomain %s", sub);
    }
    dt__preload_free(mp);
    /* Runs of blocks whose separators are cut to the same 8 bytes (the
     * shared labels): keys in a run, listed or not, found or not with the
     * filter bypassed, so every one reaches the block search. */
    size_t run = 0, longest = 0;
    for (size_t b = 0; b < mh.n_blocks; b++) {
      uint32_t bo = dt__preload_rd32(mb + mh.off[DT__PRELOAD_SEC_BOFF] + 4 * b);
      run = bo & DT__PRELOAD_B_CUT ? run + 1 : 0;
      if (run > longest) longest = run;
    }
    CHECK_(longest >= 2, "longest run of cut separators %zu", longest);
    mp = NULL;
    CHECK_INT(dt__preload_open_mem(&mp, mb, mn, DT__PRELOAD_NO_FILTER, NULL),
              0);
    for (int i = 0; mp && i < 300 * 7; i++) {
      char nm[64];
      int listed;
      if (i % 2) {
        snprintf(nm, sizeof nm, "n%d.a-long-shared-label.test", i / 2);
        listed = i / 2 < 300 && i / 2 % 3 == 0;
      } else {
        int j = i / 6, r = i / 2 % 3; /* a listed number and the next two */
        snprintf(nm, sizeof nm, "%d.example.test", j * 7919 + r);
        listed = r == 0 && j < 300 && j % 3 == 2;
      }
      CHECK_(dt__preload_lookup(mp, nm, strlen(nm), DT__PRELOAD_MOST_SPECIFIC,
                                NULL) == listed,
             "%s in a run of cut separators: want %d", nm, listed);
    }
    dt__preload_free(mp);
    uint8_t *mc = malloc(mn);
    size_t mf = 0, mr = 0;
    for (size_t k = DT__PRELOAD_HDR_SIZE; mb && k < mn; k++) {
      memcpy(mc, mb, mn);
      mc[k] ^= (uint8_t)(1u << (k % 8));
      dt__preload *tp = NULL;
      if (dt__preload_open_mem(&tp, mc, mn, DT__PRELOAD_TRUSTED, NULL) == 0)
        open_expect(mc, mn, DT__PRELOAD_TRUSTED, 0, NULL);
      dt__preload_free(tp);
      fix_checksum(mc, mn);
      int other = k >= mh.off[DT__PRELOAD_SEC_NOINC] &&
                  k < mh.off[DT__PRELOAD_SEC_NOINC] + 4 * mh.n_noinc;
      mf += !other; /* see above: may be another valid list */
      mr += !other && open_expect(mc, mn, 0, DT_EPRELOAD, NULL);
    }
    CHECK_(mr == mf && mf > 5000, "%zu of %zu forged blobs refused", mr, mf);
    free(mc);
    free(mb);
    free(js);
  }

  /* Foreign files. */
  static const uint8_t png[] = {
      0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D',
      'R',  0,   0,   0,   1,    0,    0,    0,    1, 8, 6, 0,  0,   0};
  CHECK(open_expect(png, sizeof png, 0, DT_EPRELOAD,
                    "not a detour preload blob"));
  CHECK(open_expect((const uint8_t *)src, strlen(src), 0, DT_EPRELOAD,
                    "not a detour preload blob"));
  dt__preload *p = NULL;
  dt__preload_error err;
  CHECK_INT(dt__preload_open_file(&p,
                                  DETOUR_SOURCE_DIR
                                  "/fixtures/preload/chromium-2016-sample.json",
                                  &err),
            DT_EPRELOAD);
  CHECK(strstr(err.msg, "not a detour preload blob") != NULL);
  CHECK_INT(
      dt__preload_open_file(&p, DETOUR_SOURCE_DIR "/no/such/file.bin", &err),
      DT_EIO);
  CHECK_INT(dt__preload_open_file(&p, DETOUR_SOURCE_DIR, &err), DT_EIO);
  CHECK(p == NULL);
  CHECK_INT(dt__preload_open_mem(NULL, blob, n, 0, &err), DT_EINVAL);

  /* The blob the build embeds verifies untrusted too. */
  CHECK_INT(
      dt__preload_open_file(&p, DETOUR_BUILD_DIR "/preload/default.bin", &err),
      0);
  dt__preload_free(p);
  free(blob);
  return dt_test_summary("test_preload_blob");
}
