/* idna_unicode16.c — UTS #46's mapping as of Unicode 16.0 where it differs
 * from older IDNA data for characters that data already knows.
 *
 * Browsers ship a current ICU (Chromium 156: Unicode 16 or later); the
 * system's may be older (Debian 12: ICU 72, Unicode 15.0; libidn2 2.3.3
 * older still). UTS #46 revisions 31 (Unicode 15.1) and 33 (16.0) changed
 * the mapping of a few code points that the old tables refuse or map
 * otherwise: U+1E9E ẞ now maps to ß (a browser keeps "ẞ.com" as
 * xn--zca.com, old tables give ss.com), Palochka U+04C0 and the Georgian
 * capitals map to their small letters, several format characters
 * (U+180E, U+206A-F, Hangul fillers, musical beams) are ignored, and five
 * CJK compatibility ideographs map as NFKC does. UTS #46 maps before it
 * validates (§4 step 1), so mapping these first, then running the old
 * library, gives the newer answer for them.
 *
 * The table is the difference between the IdnaMappingTable of Unicode
 * 15.0.0 and of 16.0.0 (as packaged by the Python "idna" project, commits
 * 527fa86 and b375d27), restricted to entries whose new status is mapped or
 * ignored and whose target 15.0 already treats as valid. Characters first
 * assigned after 15.0 that are simply valid cannot be added this way: an
 * old ICU refuses them (docs/url.md lists the difference). Unicode 17.0
 * changed no existing character's mapping. */
#include "engine/url/idna.h"
#include "hsts/base/utf8.h"

#include <stdint.h>

static const struct {
  uint32_t first, last, to; /* to: the target of first, 0: ignored */
} k_delta[] = {{0x04C0, 0x04C0, 0x04CF},   {0x10A0, 0x10C5, 0x2D00},
               {0x115F, 0x1160, 0x0000},   {0x17B4, 0x17B5, 0x0000},
               {0x180E, 0x180E, 0x0000},   {0x1E9E, 0x1E9E, 0x00DF},
               {0x2061, 0x2063, 0x0000},   {0x206A, 0x206F, 0x0000},
               {0x2132, 0x2132, 0x214E},   {0x2183, 0x2183, 0x2184},
               {0x3164, 0x3164, 0x0000},   {0xA7CB, 0xA7CB, 0x0264},
               {0xA7DC, 0xA7DC, 0x019B},   {0xFFA0, 0xFFA0, 0x0000},
               {0x1CCD6, 0x1CCEF, 0x0061}, {0x1CCF0, 0x1CCF9, 0x0030},
               {0x1D173, 0x1D17A, 0x0000}, {0x2F868, 0x2F868, 0x36FC},
               {0x2F874, 0x2F874, 0x5F53}, {0x2F91F, 0x2F91F, 0x243AB},
               {0x2F95F, 0x2F95F, 0x7AEE}, {0x2F9BF, 0x2F9BF, 0x45D7}};

static uint32_t delta_map(uint32_t cp, int *hit) {
  size_t lo = 0, hi = sizeof k_delta / sizeof k_delta[0];
  *hit = 0;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (cp < k_delta[mid].first)
      hi = mid;
    else if (cp > k_delta[mid].last)
      lo = mid + 1;
    else {
      *hit = 1;
      return k_delta[mid].to ? k_delta[mid].to + (cp - k_delta[mid].first) : 0;
    }
  }
  return cp;
}

int dt__idna_premap(const char *d, size_t n, dt__sb *out) {
  const unsigned char *u = (const unsigned char *)d;
  int changed = 0;
  for (size_t i = 0; i < n;) {
    /* D is valid UTF-8 (the host parser sanitised it). */
    uint32_t cp;
    size_t k;
    if (u[i] < 0x80) {
      cp = u[i];
      k = 1;
    } else if (u[i] < 0xe0 && i + 1 < n) {
      cp = ((uint32_t)(u[i] & 0x1f) << 6) | (u[i + 1] & 0x3f);
      k = 2;
    } else if (u[i] < 0xf0 && i + 2 < n) {
      cp = ((uint32_t)(u[i] & 0x0f) << 12) |
           ((uint32_t)(u[i + 1] & 0x3f) << 6) | (u[i + 2] & 0x3f);
      k = 3;
    } else if (i + 3 < n) {
      cp = ((uint32_t)(u[i] & 0x07) << 18) |
           ((uint32_t)(u[i + 1] & 0x3f) << 12) |
           ((uint32_t)(u[i + 2] & 0x3f) << 6) | (u[i + 3] & 0x3f);
      k = 4;
    } else {
      dt__sb_putn(out, d + i, n - i); /* cannot happen: keep the bytes */
      break;
    }
    int hit;
    uint32_t to = cp >= 0x4c0 ? delta_map(cp, &hit) : (hit = 0, cp);
    if (hit) {
      changed = 1;
      char b[4];
      if (to) dt__sb_putn(out, b, dt__utf8_encode(to, b));
    } else {
      dt__sb_putn(out, d + i, k);
    }
    i += k;
  }
  return changed;
}
