/*
 * scn_text.c - text being built in memory (a scenario explore makes or
 * record writes, a timeline picture): appends that stop at the first one
 * that runs out of memory, with a flag that says so, so that a partial text
 * is never taken for a whole one, and printf that never cuts a line short.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "scn_internal.h"

void scn_text_init(struct scn_text *t, size_t initial_capacity) {
  mbuf_init(&t->b, initial_capacity);
  t->failed = 0;
}

void scn_text_free(struct scn_text *t) { mbuf_free(&t->b); }

void scn_text_add(struct scn_text *t, const void *p, size_t len) {
  if (t->failed || len == 0) return;
  if (mbuf_append(&t->b, p, len) != len) t->failed = 1;
}

void scn_text_puts(struct scn_text *t, const char *s) { scn_text_add(t, s, strlen(s)); }

void scn_text_printf(struct scn_text *t, const char *fmt, ...) {
  char small[256], *buf = small;
  va_list ap;
  int n;
  va_start(ap, fmt);
  n = mg_avprintf(&buf, sizeof(small), fmt, ap);
  va_end(ap);
  if (n < 0) {
    t->failed = 1;
    return;
  }
  scn_text_add(t, buf, (size_t) n);
  if (buf != small) free(buf);
}

void scn_text_str(struct scn_text *t, const char *s, size_t len) {
  if (!t->failed && scn_put_str(&t->b, s, len) != 0) t->failed = 1;
}

/* Two digits a byte, nothing between them: the densest form the scenario
 * language reads (a scenario file holds SCN_MAX_FILE_BYTES at most), made
 * a chunk at a time rather than a printf a byte. */
void scn_text_hex(struct scn_text *t, const void *data, size_t len) {
  static const char digits[] = "0123456789abcdef";
  const unsigned char *p = (const unsigned char *) data;
  char chunk[512];
  size_t i, k = 0;
  scn_text_add(t, "hex \"", 5);
  for (i = 0; i < len; i++) {
    chunk[k++] = digits[p[i] >> 4];
    chunk[k++] = digits[p[i] & 15];
    if (k == sizeof(chunk)) {
      scn_text_add(t, chunk, k);
      k = 0;
    }
  }
  scn_text_add(t, chunk, k);
  scn_text_add(t, "\"", 1);
}
