/*
 * utf8.c - incremental UTF-8 validation (RFC 3629), for WebSocket text
 * messages, which must be valid UTF-8 as a whole (RFC 6455 8.1) but arrive
 * in fragments and reads that may cut a character in two.
 *
 * The well-formed byte sequences are those of RFC 3629 section 4:
 *
 *   00-7F
 *   C2-DF  80-BF
 *   E0     A0-BF  80-BF       (E0 80-9F would be overlong)
 *   E1-EC  80-BF  80-BF
 *   ED     80-9F  80-BF       (ED A0-BF would be a UTF-16 surrogate)
 *   EE-EF  80-BF  80-BF
 *   F0     90-BF  80-BF 80-BF (F0 80-8F would be overlong)
 *   F1-F3  80-BF  80-BF 80-BF
 *   F4     80-8F  80-BF 80-BF (F4 90-BF would be above U+10FFFF)
 *
 * C0, C1 and F5-FF never appear, and 80-BF only as continuation bytes.
 * Only the byte right after the lead byte has a narrowed range, which is
 * all the state has to remember besides how many bytes are still due.
 */
#include "ws_internal.h"

/*
 * The state between two bytes, packed into the uint32_t of the interface:
 *
 *   WS_UTF8_ACCEPT (0)  between characters
 *   WS_UTF8_REJECT (1)  an error was seen; final
 *   otherwise           remaining << 16 | lo << 8 | hi: `remaining` (1-3)
 *                       continuation bytes are due and the next one must be
 *                       in lo..hi
 *
 * remaining is never zero in the third form, so it cannot be mistaken for
 * either of the first two.
 */
static uint32_t pending(unsigned remaining, unsigned lo, unsigned hi) {
  return (uint32_t) remaining << 16 | (uint32_t) lo << 8 | (uint32_t) hi;
}

/* The state after a lead byte (or an ASCII byte) seen between characters. */
static uint32_t after_lead(unsigned char c) {
  if (c <= 0x7f) return WS_UTF8_ACCEPT;
  if (c >= 0xc2 && c <= 0xdf) return pending(1, 0x80, 0xbf);
  if (c == 0xe0) return pending(2, 0xa0, 0xbf);
  if (c == 0xed) return pending(2, 0x80, 0x9f);
  if (c >= 0xe1 && c <= 0xef) return pending(2, 0x80, 0xbf);
  if (c == 0xf0) return pending(3, 0x90, 0xbf);
  if (c >= 0xf1 && c <= 0xf3) return pending(3, 0x80, 0xbf);
  if (c == 0xf4) return pending(3, 0x80, 0x8f);
  /* A continuation byte out of place, C0/C1 (only ever overlong), or F5-FF
   * (only ever above U+10FFFF). */
  return WS_UTF8_REJECT;
}

uint32_t ws_utf8_feed(uint32_t state, const unsigned char *s, size_t n) {
  size_t i;
  for (i = 0; i < n && state != WS_UTF8_REJECT; i++) {
    unsigned char c = s[i];
    if (state == WS_UTF8_ACCEPT) {
      state = after_lead(c);
    } else {
      unsigned remaining = (state >> 16) & 0xff;
      unsigned lo = (state >> 8) & 0xff;
      unsigned hi = state & 0xff;
      if (c < lo || c > hi) {
        /* Covers both a bad continuation and a new character starting
         * before the previous one ended: either way it is malformed. */
        state = WS_UTF8_REJECT;
      } else if (remaining == 1) {
        state = WS_UTF8_ACCEPT;
      } else {
        state = pending(remaining - 1, 0x80, 0xbf);
      }
    }
  }
  return state;
}
