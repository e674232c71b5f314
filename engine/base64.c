/*
 * base64.c - RFC 4648 base64 with the standard alphabet.
 *
 * The encoder always pads with '=' so its output is canonical. The decoder
 * is lenient about padding (peers and users often drop it) but not about
 * anything else: it stops at the first character that cannot continue the
 * text, and tells the caller how far it got, so "did it all decode?" is a
 * comparison of that count with the input length.
 */
#include "mongoose.h"

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void mg_base64_encode(const unsigned char *src, int src_len, char *dst) {
  int i;
  for (i = 0; i + 2 < src_len; i += 3) {
    unsigned long v = (unsigned long) src[i] << 16 |
                      (unsigned long) src[i + 1] << 8 | src[i + 2];
    *dst++ = alphabet[(v >> 18) & 63];
    *dst++ = alphabet[(v >> 12) & 63];
    *dst++ = alphabet[(v >> 6) & 63];
    *dst++ = alphabet[v & 63];
  }
  if (i < src_len) {
    /* One or two bytes left: the missing ones count as zero bits, and each
     * whole missing byte becomes a '='. */
    int two = i + 1 < src_len;
    unsigned long v = (unsigned long) src[i] << 16 |
                      (two ? (unsigned long) src[i + 1] << 8 : 0);
    *dst++ = alphabet[(v >> 18) & 63];
    *dst++ = alphabet[(v >> 12) & 63];
    *dst++ = two ? alphabet[(v >> 6) & 63] : '=';
    *dst++ = '=';
  }
  *dst = '\0';
}

/* The 6-bit value of a base64 digit, or -1 for anything else. */
static int digit_value(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

/*
 * Decodes into dst, which needs room for 3 bytes per 4 input characters
 * (rounded up) plus the terminating NUL.
 *
 * Returns the number of input characters consumed: every digit that
 * contributed to the output plus the padding that closed it. A lone digit
 * that cannot form a byte is not consumed.
 */
int mg_base64_decode(const unsigned char *s, int len, char *dst) {
  unsigned int bits = 0; /* decoded bits not yet emitted as a byte */
  int nbits = 0;         /* how many of them there are, 0..6 */
  int ndigits = 0;       /* position within the current 4-digit group */
  int consumed = 0;      /* input up to the end of the last whole byte */
  int i;

  for (i = 0; i < len; i++) {
    int v = digit_value(s[i]);
    if (v < 0) break;
    bits = (bits << 6) | (unsigned int) v;
    nbits += 6;
    ndigits = (ndigits + 1) % 4;
    if (nbits >= 8) {
      nbits -= 8;
      *dst++ = (char) ((bits >> nbits) & 0xff);
      bits &= (1u << nbits) - 1;
      consumed = i + 1;
    }
  }

  /* Padding can only close a group that has already yielded a byte, i.e.
   * one holding 2 or 3 digits; it then takes 4 - ndigits '=' characters.
   * Fewer are accepted too, since padding is optional altogether. */
  if (ndigits >= 2) {
    int pads = 4 - ndigits;
    while (pads-- > 0 && i < len && s[i] == '=') consumed = ++i;
  }
  *dst = '\0';
  return consumed;
}
