/* preload_emit.c — writes a preload blob (format 4, preload_format.h) from
 * sorted keys. Called by the compiler (preload_compile.c) after it has read
 * and checked the JSON, and by the untrusted open (preload.c), which
 * decodes a blob's keys and writes them again to check every byte.
 * Deterministic and integer-only, so that re-writing gives the same bytes
 * on every machine. */
#include <stdlib.h>
#include <string.h>

#include "hsts/base/bytes.h"
#include "hsts/preload.h"
#include "hsts/preload_format.h"

static size_t lcp(const dt__preload_key_ref *a, const dt__preload_key_ref *b) {
  size_t i = 0;
  while (i < a->n && i < b->n && a->k[i] == b->k[i])
    i++;
  return i;
}

/* Huffman code lengths for 39 symbols with weights FREQ + 1 (so every
 * symbol has a code in every context: a blob never meets a character it
 * cannot code), at most 24 bits: when the tree is deeper, the weights are
 * halved and it is built again (the usual length-limiting shortcut; real
 * lists do not need it). Van Leeuwen's two-queue construction: the
 * leaves sorted by (weight, symbol), the merged nodes queued in the order
 * they are made, a tie taken from the leaves first. Deterministic, and
 * cheap enough to run at every untrusted open (which rewrites the blob). */
static void code_lengths(const uint64_t *freq, uint8_t *len) {
  enum { NS = DT__PRELOAD_NSYM - 1 };
  uint64_t w[NS];
  for (size_t i = 0; i < NS; i++)
    w[i] = freq[i] + 1;
  for (;;) {
    uint8_t ord[NS]; /* leaves by (weight, symbol): insertion sort */
    for (size_t i = 0; i < NS; i++) {
      size_t k = i;
      while (k > 0 && w[ord[k - 1]] > w[i]) {
        ord[k] = ord[k - 1];
        k--;
      }
      ord[k] = (uint8_t)i;
    }
    /* Nodes 0..NS-1 are the leaves, NS.. the merged ones. */
    uint64_t wt[2 * NS];
    int parent[2 * NS];
    size_t li = 0, ni = NS, m = NS;
    for (size_t i = 0; i < NS; i++)
      wt[i] = w[i];
    for (size_t it = 0; it + 1 < NS; it++) {
      size_t pick[2];
      for (int k = 0; k < 2; k++) {
        if (li < NS && (ni >= m || wt[ord[li]] <= wt[ni]))
          pick[k] = ord[li++];
        else
          pick[k] = ni++;
      }
      wt[m] = wt[pick[0]] + wt[pick[1]];
      parent[pick[0]] = parent[pick[1]] = (int)m;
      parent[m] = -1;
      m++;
    }
    /* Depths from the root down: a node's parent is made after it. */
    uint8_t depth[2 * NS];
    depth[m - 1] = 0;
    for (size_t k = m - 1; k-- > 0;)
      depth[k] = (uint8_t)(depth[parent[k]] + 1);
    int ok = 1;
    for (size_t i = 0; i < NS; i++) {
      len[i] = depth[i];
      ok &= depth[i] <= DT__PRELOAD_MAXCODE;
    }
    if (ok) return;
    for (size_t i = 0; i < NS; i++)
      w[i] = (w[i] >> 1) + 1;
  }
}

/* Binary fuse filter geometry for n keys, after Graf & Lemire's reference
 * code (segment length 2^floor(log(n)/log(3.33) + 2.25), size factor
 * max(1.125, 0.875 + 0.25 log(1e6)/log(n))), in fixed point (log2 in
 * 1/1024ths, piecewise linear) so it is the same on every machine. */
static void fuse_geometry(size_t n, uint32_t *seg, uint32_t *nseg) {
  unsigned lb = 0;
  while (lb < 40 && ((size_t)1 << (lb + 1)) <= n)
    lb++;
  uint64_t l2 = (uint64_t)lb * 1024;
  if (n) l2 += (((uint64_t)n - ((uint64_t)1 << lb)) * 1024) >> lb;
  if (l2 < 1024) l2 = 1024;
  uint64_t e = (l2 * 10000 / 17355 + 2304) / 1024; /* /1.7355 + 2.25 */
  if (e > 18) e = 18;
  *seg = 1u << e;
  uint64_t sf = 896 + 256 * 20409 / l2; /* 0.875 + 0.25 * 19.93 / log2 n */
  if (sf < 1152) sf = 1152;             /* 1.125 */
  uint64_t cap = ((uint64_t)n * sf + 512) >> 10;
  uint64_t ns = (cap + *seg - 1) / *seg;
  *nseg = (uint32_t)(ns > 2 ? ns - 2 : 1);
}

/* Builds the filter over HS (n hashes) into CELLS (zeroed, room for
 * (nseg + 2 + 8) * seg cells): peel, then assign in reverse. A failed
 * peel (rare) retries with one more segment, up to 8 times. Returns 0 and
 * the final nseg, or -1 (DT_ENOMEM in *rc) / -1 with *rc = DT_EINVAL when
 * it never peels (two keys with the same 64-bit hash). */
static int fuse_build(const uint64_t *hs, size_t n, uint32_t seg,
                      uint32_t *nseg, uint8_t *cells_out, int *rc) {
  size_t maxcells = ((size_t)*nseg + 2 + 8) * seg;
  uint8_t *cnt = malloc(maxcells);
  uint64_t *xh = malloc(maxcells * 8);
  size_t *q = malloc(maxcells * sizeof *q);
  uint64_t *sh = malloc((n ? n : 1) * 8);
  size_t *si = malloc((n ? n : 1) * sizeof *si);
  int ok = 0;
  *rc = DT_ENOMEM;
  if (!cnt || !xh || !q || !sh || !si) goto out;
  *rc = DT_EINVAL;
  for (unsigned r = 0; r < 8 && !ok; r++) {
    if (r) (*nseg)++;
    size_t cells = ((size_t)*nseg + 2) * seg, nq = 0, ns = 0;
    memset(cnt, 0, cells);
    memset(xh, 0, cells * 8);
    for (size_t i = 0; i < n; i++) {
      size_t p[3];
      dt__preload_fuse_pos(seg, *nseg, hs[i], p);
      for (int k = 0; k < 3; k++) {
        cnt[p[k]]++; /* wraps only past 255 keys on one cell: no peel */
        xh[p[k]] ^= hs[i];
      }
    }
    for (size_t c = 0; c < cells; c++)
      if (cnt[c] == 1) q[nq++] = c;
    while (nq) {
      size_t c = q[--nq];
      if (cnt[c] != 1) continue;
      uint64_t x = xh[c];
      size_t p[3];
      dt__preload_fuse_pos(seg, *nseg, x, p);
      sh[ns] = x;
      si[ns++] = c;
      for (int k = 0; k < 3; k++) {
        cnt[p[k]]--;
        xh[p[k]] ^= x;
        if (cnt[p[k]] == 1) q[nq++] = p[k];
      }
    }
    if (ns != n) continue;
    ok = 1;
    memset(cells_out, 0, (cells * DT__PRELOAD_FUSE_BITS + 7) / 8 + 8);
    for (size_t t = ns; t-- > 0;) {
      uint64_t x = sh[t];
      size_t p[3];
      dt__preload_fuse_pos(seg, *nseg, x, p);
      /* The peeled cell is still 0, so XOR-ing all three reads the
       * other two. */
      uint32_t v = dt__preload_fuse_fp(x) ^
                   dt__preload_fuse_cell(cells_out, p[0]) ^
                   dt__preload_fuse_cell(cells_out, p[1]) ^
                   dt__preload_fuse_cell(cells_out, p[2]);
      size_t bit = (size_t)DT__PRELOAD_FUSE_BITS * si[t];
      for (unsigned k = 0; k < DT__PRELOAD_FUSE_BITS; k++)
        if (v >> k & 1)
          cells_out[(bit + k) >> 3] |= (uint8_t)(1u << ((bit + k) & 7));
    }
  }
  if (ok) *rc = 0;
out:
  free(cnt);
  free(xh);
  free(q);
  free(sh);
  free(si);
  return ok ? 0 : -1;
}

static void put_bits(uint8_t *out, size_t *pos, uint32_t code, unsigned len) {
  for (unsigned i = len; i-- > 0;) {
    if (code >> i & 1) out[*pos >> 3] |= (uint8_t)(0x80u >> (*pos & 7));
    (*pos)++;
  }
}

int dt__preload_emit(const dt__preload_key_ref *keys, size_t n,
                     int32_t list_date, uint8_t **blob, size_t *blob_len) {
  enum { NS = DT__PRELOAD_NSYM };
  *blob = NULL;
  *blob_len = 0;
  if (n > DT__PRELOAD_MAX_ENTRIES || list_date < DT__PRELOAD_DATE_MIN ||
      list_date > DT__PRELOAD_DATE_MAX)
    return DT_EINVAL;
  size_t nbk = (n + DT__PRELOAD_BLOCK - 1) / DT__PRELOAD_BLOCK;
  uint64_t *sep = calloc(nbk + 1, 8);
  uint8_t *cut = calloc(nbk + 1, 1);
  size_t *P = calloc(n ? n : 1, sizeof *P);
  uint64_t *hs = calloc(n ? n : 1, 8);
  uint64_t(*freq)[NS] = calloc(NS, sizeof *freq);
  uint8_t *b = NULL, *fuse = NULL;
  int rc = DT_ENOMEM;
  if (!sep || !cut || !P || !hs || !freq) goto out;
  /* Separators: the shortest prefix of a block's first key greater than
   * the previous key (as in a B+-tree), at most 8 bytes; block 0's is 0
   * and one past the last is all ones. */
  for (size_t bi = 1; bi < nbk; bi++) {
    size_t i = bi * DT__PRELOAD_BLOCK, L = lcp(&keys[i], &keys[i - 1]) + 1;
    sep[bi] = dt__preload_be_word(keys[i].k, L);
    cut[bi] = L > 8;
  }
  sep[nbk] = ~0ULL;
  /* Shared prefixes and the context statistics. */
  uint8_t sym[256] = {0};
  for (unsigned c = 0; c < 256; c++)
    sym[c] = (uint8_t)dt__preload_sym((unsigned char)c);
  /* An override is written as without include_subdomains (KEYS' INC is
   * ignored for it), so the flag means "HSTS for the subtree". */
  size_t noinc = 0, nesc_s = 0, nesc_p = 0, incsub = 0, novr = 0;
  for (size_t i = 0; i < n; i++) {
    size_t bi = i / DT__PRELOAD_BLOCK;
    P[i] = i % DT__PRELOAD_RESTART ? lcp(&keys[i], &keys[i - 1])
                                   : dt__preload_cpre(sep[bi], sep[bi + 1]);
    for (size_t j = P[i]; j < keys[i].n; j++)
      freq[j ? sym[keys[i].k[j - 1]] : 0][sym[keys[i].k[j]] - 1]++;
    int inc = keys[i].inc && !keys[i].ovr;
    noinc += !inc;
    incsub += inc;
    novr += keys[i].ovr != 0;
  }
  uint8_t lens[NS][NS - 1];
  uint32_t code[NS][NS - 1];
  for (size_t c = 0; c < NS; c++) {
    code_lengths(freq[c], lens[c]);
    if (dt__preload_canon(lens[c], code[c])) { /* cannot happen */
      rc = DT_EINVAL;
      goto out;
    }
  }
  /* Stream length first, to size the blob. */
  size_t bits = 0;
  for (size_t i = 0; i < n; i++) {
    size_t eb = 0;
    for (size_t j = P[i]; j < keys[i].n; j++)
      eb += code[j ? sym[keys[i].k[j - 1]] : 0][sym[keys[i].k[j]] - 1] & 31;
    bits += eb;
    nesc_s += eb >= 127;
    size_t bi = i / DT__PRELOAD_BLOCK;
    size_t pr = i % DT__PRELOAD_RESTART
                    ? P[i] - dt__preload_cpre(sep[bi], sep[bi + 1])
                    : 0;
    nesc_p += pr >= 15;
  }
  if (bits > DT__PRELOAD_B_OFF) {
    rc = DT_EINVAL;
    goto out;
  }
  for (size_t i = 0; i < n; i++)
    hs[i] = dt__preload_key_hash(keys[i].k, keys[i].n);
  dt__preload_hdr h = {0};
  h.version = DT__PRELOAD_VERSION;
  h.header_size = DT__PRELOAD_HDR_SIZE;
  h.list_date = list_date;
  h.entries = (uint32_t)n;
  h.include_subdomains = (uint32_t)incsub;
  h.block_size = DT__PRELOAD_BLOCK;
  h.restart = DT__PRELOAD_RESTART;
  h.n_blocks = (uint32_t)nbk;
  h.n_escp = (uint32_t)nesc_p;
  h.n_escs = (uint32_t)nesc_s;
  h.n_noinc = (uint32_t)noinc;
  h.n_ovr = (uint32_t)novr;
  h.stream_bits = (uint32_t)bits;
  fuse_geometry(n, &h.fuse_seg, &h.fuse_nseg);
  fuse = malloc(
      (((size_t)h.fuse_nseg + 2 + 8) * h.fuse_seg * DT__PRELOAD_FUSE_BITS + 7) /
          8 +
      8);
  if (!fuse) goto out;
  if (fuse_build(hs, n, h.fuse_seg, &h.fuse_nseg, fuse, &rc)) goto out;
  rc = DT_EINVAL;
  size_t total = dt__preload_layout(&h, h.off);
  if (!total || total > DT__PRELOAD_MAX_BLOB) goto out;
  rc = DT_ENOMEM;
  b = calloc(total, 1);
  if (!b) goto out;
  h.total_size = (uint32_t)total;
  /* Header. */
  memcpy(b, DT__PRELOAD_MAGIC, 8);
  uint32_t v[15] = {h.version,    h.header_size,
                    h.total_size, (uint32_t)h.list_date,
                    h.entries,    h.include_subdomains,
                    h.block_size, h.restart,
                    h.n_blocks,   h.n_escp,
                    h.n_escs,     h.n_noinc,
                    h.fuse_seg,   h.fuse_nseg,
                    h.stream_bits};
  for (size_t i = 0; i < 15; i++)
    dt__st_le32(b + DT__PRELOAD_HDR_U32 + 4 * i, v[i]);
  for (size_t i = 0; i < DT__PRELOAD_NSEC; i++)
    dt__st_le32(b + DT__PRELOAD_HDR_OFFS + 4 * i, h.off[i]);
  dt__st_le32(b + DT__PRELOAD_HDR_NOVR, h.n_ovr);
  /* Separators (padding all ones) and the code lengths. */
  for (size_t bi = 0; bi < dt__preload_sep_slots(nbk); bi++)
    dt__st_le64(b + h.off[DT__PRELOAD_SEC_SEP] + 8 * bi,
                bi < nbk ? sep[bi] : ~0ULL);
  for (size_t c = 0; c < NS; c++)
    memcpy(b + h.off[DT__PRELOAD_SEC_CODELEN] + c * (NS - 1), lens[c], NS - 1);
  /* Entries: stream, META, S, escapes, flags. */
  uint8_t *st = b + h.off[DT__PRELOAD_SEC_STREAM];
  uint8_t *escp = b + h.off[DT__PRELOAD_SEC_ESCP];
  uint8_t *escs = b + h.off[DT__PRELOAD_SEC_ESCS];
  uint8_t *ni = b + h.off[DT__PRELOAD_SEC_NOINC];
  uint8_t *ov = b + h.off[DT__PRELOAD_SEC_OVR];
  uint8_t *tld = b + h.off[DT__PRELOAD_SEC_TLD];
  size_t pos = 0;
  uint32_t bflags = 0;
  for (size_t i = 0; i < n; i++) {
    size_t bi = i / DT__PRELOAD_BLOCK, at = pos;
    size_t cb = dt__preload_cpre(sep[bi], sep[bi + 1]);
    if (i % DT__PRELOAD_BLOCK == 0) bflags = cut[bi] ? DT__PRELOAD_B_CUT : 0;
    for (size_t j = P[i]; j < keys[i].n; j++) {
      uint32_t e = code[j ? sym[keys[i].k[j - 1]] : 0][sym[keys[i].k[j]] - 1];
      put_bits(st, &pos, e >> 5, e & 31);
    }
    size_t eb = pos - at, pr = i % DT__PRELOAD_RESTART ? P[i] - cb : 0;
    b[h.off[DT__PRELOAD_SEC_META] + i] =
        (uint8_t)(dt__preload_hash_meta(hs[i]) | (pr < 15 ? pr : 15));
    b[h.off[DT__PRELOAD_SEC_S] + i] =
        (uint8_t)(dt__preload_hash_sbit(hs[i]) | (eb < 127 ? eb : 127));
    if (pr >= 15) {
      dt__st_le32(escp, (uint32_t)i);
      dt__st_le32(escp + 4, (uint32_t)pr);
      escp += 8;
    }
    if (eb >= 127) {
      dt__st_le32(escs, (uint32_t)i);
      dt__st_le32(escs + 4, (uint32_t)eb);
      escs += 8;
      bflags |= DT__PRELOAD_B_SESC;
    }
    if (!keys[i].inc || keys[i].ovr) {
      dt__st_le32(ni, (uint32_t)i);
      ni += 4;
      bflags |= DT__PRELOAD_B_NOINC;
    }
    if (keys[i].ovr) {
      dt__st_le32(ov, (uint32_t)i);
      ov += 4;
    }
    if (!memchr(keys[i].k, '.', keys[i].n))
      tld[(hs[i] & 255) >> 3] |= (uint8_t)(1u << (hs[i] & 7));
    /* The block's offset is its first entry's; its flags accumulate. */
    size_t first = bi * DT__PRELOAD_BLOCK;
    uint32_t boff =
        (uint32_t)(i == first ? at
                              : dt__preload_rd32(
                                    b + h.off[DT__PRELOAD_SEC_BOFF] + 4 * bi) &
                                    DT__PRELOAD_B_OFF);
    dt__st_le32(b + h.off[DT__PRELOAD_SEC_BOFF] + 4 * bi, boff | bflags);
  }
  memcpy(b + h.off[DT__PRELOAD_SEC_FUSE], fuse,
         (dt__preload_fuse_cells(&h) * DT__PRELOAD_FUSE_BITS + 7) / 8);
  dt__st_le64(b + DT__PRELOAD_OFF_CHECKSUM,
              dt__preload_blob_checksum(b, total));
  *blob = b;
  *blob_len = total;
  b = NULL;
  rc = 0;
out:
  free(sep);
  free(cut);
  free(P);
  free(hs);
  free(freq);
  free(fuse);
  free(b);
  return rc;
}
