/* cookie.h — what a cookie is and why one was refused (internal): the
 * words the parser (set_cookie), the jar (jar) and its files (jar_file)
 * share. The rules are RFC 6265bis as Chromium applies them, as measured
 * (docs/cookies.md); every refusal has Chromium's DevTools name
 * (Network.SetCookieBlockedReason / CookieBlockedReason) where Chromium
 * has one. No libuv, no TLS. */
#ifndef DT_COOKIE_COOKIE_H
#define DT_COOKIE_COOKIE_H

#include <stddef.h>
#include <stdint.h>

/* RFC 6265bis §5.6: the bounds a browser applies. */
#define DT__COOKIE_MAX_NAME_VALUE 4096 /* name + value bytes */
#define DT__COOKIE_MAX_ATTRIBUTE 1024  /* one attribute value's bytes */
/* §5.6.1/§5.6.2: Expires and Max-Age are capped at 400 days. */
#define DT__COOKIE_MAX_AGE_MS (400LL * 24 * 3600 * 1000)

typedef enum dt__samesite {
  DT__SAMESITE_UNSPECIFIED = 0, /* absent or an unknown value */
  DT__SAMESITE_NONE,
  DT__SAMESITE_LAX,
  DT__SAMESITE_STRICT
} dt__samesite;

/* Chromium's Priority attribute: the eviction order (docs/cookies.md). */
typedef enum dt__cookie_priority {
  DT__PRIORITY_LOW = 0,
  DT__PRIORITY_MEDIUM, /* the default */
  DT__PRIORITY_HIGH
} dt__cookie_priority;

/* Why a cookie was not stored or not sent:
 * X(ENUM, "DevTools name", "what happened, in words"). Never rename a
 * name: JSON and scripts key on it. */
#define DT__COOKIE_REASONS(X)                                                  \
  X(DISALLOWED_CHARACTER, "DisallowedCharacter",                               \
    "the field has a control character (RFC 6265bis §5.6 step 1)")             \
  X(NO_CONTENT, "NoCookieContent", "the field has neither a name nor a value") \
  X(NAME_VALUE_TOO_BIG, "NameValuePairExceedsMaxSize",                         \
    "name and value are longer than 4096 bytes together")                      \
  X(INVALID_DOMAIN, "InvalidDomain",                                           \
    "Domain does not domain-match the URL's host")                             \
  X(PUBLIC_SUFFIX, "PublicSuffixDomain",                                       \
    "Domain is a public suffix (Chromium reports it as InvalidDomain)")        \
  X(SECURE_ONLY, "SecureOnly", "a Secure cookie and a URL that is not secure") \
  X(INVALID_PREFIX, "InvalidPrefix",                                           \
    "the name's __Secure- or __Host- prefix asks for what the cookie lacks")   \
  X(SAMESITE_NONE_INSECURE, "SameSiteNoneInsecure",                            \
    "SameSite=None without Secure")                                            \
  X(OVERWRITE_SECURE, "OverwriteSecure",                                       \
    "a cookie from an insecure URL would replace a Secure one")                \
  X(SAMESITE_STRICT, "SameSiteStrict",                                         \
    "SameSite=Strict and a cross-site request")                                \
  X(SAMESITE_LAX, "SameSiteLax",                                               \
    "SameSite=Lax and a cross-site request that is not a top-level GET")       \
  X(SAMESITE_UNSPECIFIED_LAX, "SameSiteUnspecifiedTreatedAsLax",               \
    "no SameSite, so Lax, and a cross-site request that is not a top-level "   \
    "GET")                                                                     \
  X(THIRD_PARTY, "ThirdPartyPhaseout",                                         \
    "a third-party request, and the profile blocks third-party cookies")       \
  X(CREDENTIALS_OMITTED, "CredentialsOmitted",                                 \
    "a fetch() whose credentials mode leaves cookies out (Fetch §4.5)")        \
  X(JAR_FULL, "JarFull", "the jar could not take it (out of memory)")

typedef enum dt__cookie_reason {
  DT__COOKIE_OK = 0,
#define DT__CR_ENUM(e, name, msg) DT__COOKIE_##e,
  DT__COOKIE_REASONS(DT__CR_ENUM)
#undef DT__CR_ENUM
} dt__cookie_reason;

/* The DevTools name and the sentence; "" for DT__COOKIE_OK. Static. */
const char *dt__cookie_reason_name(dt__cookie_reason r);
const char *dt__cookie_reason_message(dt__cookie_reason r);
const char *dt__samesite_name(dt__samesite s); /* "None", "Lax", "Strict",
                                                  NULL unspecified */
const char *dt__priority_name(dt__cookie_priority p);

#endif
