/*
 * hexdump.c - the classic 16-bytes-per-line dump used for traffic logs:
 *
 *   0000  68 65 6c 6c 6f 2c 20 77 6f 72 6c 64 21 0a 00 ff  hello, world!...
 *   0010  42 79 65                                         Bye
 *
 * Offset (at least 4 hex digits), two spaces, the bytes in hex, two spaces,
 * the bytes as printable ASCII. A short last line is padded in the hex
 * column so its ASCII column lines up with the lines above.
 *
 * Output is all or nothing per line: a truncated line in a log is easy to
 * misread as data, so when dst runs out the dump stops at the last whole
 * line that fits.
 */
#include <string.h>

#include "internal.h"

#define BYTES_PER_LINE MG_HEXDUMP_BYTES_PER_LINE
#define HEX_COLUMN_WIDTH (BYTES_PER_LINE * 3 - 1)
/* Widest offset an int length can need, in hex digits. */
#define MAX_OFFSET_DIGITS ((int) sizeof(int) * 2)
#define MAX_LINE \
  (MAX_OFFSET_DIGITS + 2 + HEX_COLUMN_WIDTH + 2 + BYTES_PER_LINE + 1)
_Static_assert(MAX_LINE <= MG_HEXDUMP_LINE_MAX, "MG_HEXDUMP_LINE_MAX too small");

static const char hex_digits[] = "0123456789abcdef";

/* Formats the line starting at offset into line; returns its length. */
static int format_line(const unsigned char *p, int offset, int count,
                       char *line) {
  unsigned int off = (unsigned int) offset;
  int n = 0, digits = 4, i;

  while (digits < MAX_OFFSET_DIGITS && (off >> (4 * digits)) != 0) digits++;
  for (i = digits - 1; i >= 0; i--) {
    line[n++] = hex_digits[(off >> (4 * i)) & 15];
  }
  line[n++] = ' ';
  line[n++] = ' ';

  for (i = 0; i < BYTES_PER_LINE; i++) {
    if (i > 0) line[n++] = ' ';
    if (i < count) {
      line[n++] = hex_digits[p[i] >> 4];
      line[n++] = hex_digits[p[i] & 15];
    } else {
      line[n++] = ' ';
      line[n++] = ' ';
    }
  }
  line[n++] = ' ';
  line[n++] = ' ';

  for (i = 0; i < count; i++) {
    line[n++] = (p[i] >= 0x20 && p[i] < 0x7f) ? (char) p[i] : '.';
  }
  line[n++] = '\n';
  return n;
}

/* Line by line, for writers that have no buffer for the whole dump
 * (mg_hexdumpf). */
int mg_hexdump_line(const void *buf, int len, int offset, char *line) {
  int count = len - offset < BYTES_PER_LINE ? len - offset : BYTES_PER_LINE;
  return format_line((const unsigned char *) buf + offset, offset, count, line);
}

/*
 * Returns the number of characters written, not counting the NUL that
 * always follows them (when dst_len > 0).
 */
int mg_hexdump(const void *buf, int len, char *dst, int dst_len) {
  const unsigned char *p = (const unsigned char *) buf;
  char line[MAX_LINE];
  int offset, count = 0, n = 0;

  if (dst == NULL || dst_len <= 0) return 0;
  /* Stepping by count rather than a whole line keeps offset <= len, so it
   * cannot overflow even when len is near INT_MAX. */
  for (offset = 0; offset < len; offset += count) {
    int line_len;
    count = len - offset < BYTES_PER_LINE ? len - offset : BYTES_PER_LINE;
    line_len = format_line(p + offset, offset, count, line);
    if (line_len >= dst_len - n) break; /* it and the NUL must both fit */
    memcpy(dst + n, line, (size_t) line_len);
    n += line_len;
  }
  dst[n] = '\0';
  return n;
}
