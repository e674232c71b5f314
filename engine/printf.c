/*
 * printf.c - formatting into a caller's buffer that grows onto the heap
 * only when the text does not fit, so the common short message costs no
 * allocation.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "mongoose.h"

int mg_avprintf(char **buf, size_t size, const char *fmt, va_list ap) {
  va_list ap2;
  char *big;
  int len;
  /* The first pass may only measure, so it works on a copy: ap is still
   * needed for the second pass. */
  va_copy(ap2, ap);
  len = vsnprintf(*buf, size, fmt, ap2);
  va_end(ap2);
  if (len < 0 || (size_t) len < size) return len;
  /* On failure *buf stays as it was, so a caller that frees "whatever
   * differs from my stack buffer" never frees something it does not own. */
  if ((big = (char *) malloc((size_t) len + 1)) == NULL) return -1;
  vsnprintf(big, (size_t) len + 1, fmt, ap);
  *buf = big;
  return len;
}

int mg_asprintf(char **buf, size_t size, const char *fmt, ...) {
  va_list ap;
  int len;
  va_start(ap, fmt);
  len = mg_avprintf(buf, size, fmt, ap);
  va_end(ap);
  return len;
}

/* Mongoose 6 carried its own formatter under these names for platforms
 * without a C99 vsnprintf; every platform this engine targets has one. */
int c_vsnprintf(char *buf, size_t buf_size, const char *fmt, va_list ap) {
  return vsnprintf(buf, buf_size, fmt, ap);
}

int c_snprintf(char *buf, size_t buf_size, const char *fmt, ...) {
  va_list ap;
  int len;
  va_start(ap, fmt);
  len = vsnprintf(buf, buf_size, fmt, ap);
  va_end(ap);
  return len;
}
