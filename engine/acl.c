/*
 * acl.c - IPv4 access control lists: "+10.0.0.0/8,-10.0.0.1".
 *
 * Each entry is a sign ('+' allow, '-' deny), a dotted quad and an optional
 * "/bits" mask (default /32). Spaces around an entry are ignored.
 *
 * The last matching entry decides. An address that matches nothing gets the
 * opposite of the first entry's sign: a list that starts by allowing
 * something is an allow-list, one that starts by denying something is a
 * deny-list. An empty or NULL list allows everything.
 *
 * The whole list is validated on every call, even past a match, so that a
 * typo anywhere is reported (-1) instead of silently depending on which
 * address happened to connect.
 */
#include <stddef.h>

#include "mongoose.h"

static int is_blank(char c) {
  return c == ' ' || c == '\t';
}

/* Up to max_digits decimal digits worth at most max; advances *p. */
static int parse_number(const char **p, const char *end, int max_digits,
                        unsigned long max, unsigned long *out) {
  const char *s = *p;
  unsigned long v = 0;
  int n = 0;
  while (s < end && *s >= '0' && *s <= '9' && n < max_digits) {
    v = v * 10 + (unsigned long) (*s++ - '0');
    n++;
  }
  if (n == 0 || v > max) return -1;
  *p = s;
  *out = v;
  return 0;
}

/* One entry in [s, end), blanks already trimmed. 0 on success. */
static int parse_entry(const char *s, const char *end, char *sign,
                       uint32_t *net, uint32_t *mask) {
  unsigned long octet, bits = 32;
  uint32_t addr = 0;
  int i;

  if (s == end || (*s != '+' && *s != '-')) return -1;
  *sign = *s++;
  for (i = 0; i < 4; i++) {
    if (i > 0 && (s == end || *s++ != '.')) return -1;
    /* Leading zeros are read as decimal, never as octal. */
    if (parse_number(&s, end, 3, 255, &octet) != 0) return -1;
    addr = addr << 8 | (uint32_t) octet;
  }
  if (s < end && *s == '/') {
    s++;
    if (parse_number(&s, end, 2, 32, &bits) != 0) return -1;
  }
  if (s != end) return -1;
  /* Shifting a 32-bit value by 32 is undefined, hence the special case. */
  *mask = bits == 0 ? 0 : (uint32_t) (0xffffffffUL << (32 - bits));
  *net = addr & *mask;
  return 0;
}

int mg_check_ip_acl(const char *acl, uint32_t remote_ip) {
  const char *p = acl;
  int allowed = 1, first = 1;

  if (acl == NULL || *acl == '\0') return 1;
  for (;;) {
    const char *start = p, *end;
    char sign;
    uint32_t net, mask;

    while (*p != '\0' && *p != ',') p++;
    end = p;
    while (start < end && is_blank(*start)) start++;
    while (end > start && is_blank(end[-1])) end--;
    if (parse_entry(start, end, &sign, &net, &mask) != 0) return -1;

    if (first) allowed = sign == '-';
    first = 0;
    if ((remote_ip & mask) == net) allowed = sign == '+';

    if (*p == '\0') break;
    p++; /* past the ',' */
  }
  return allowed;
}
