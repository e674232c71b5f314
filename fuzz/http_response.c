/*
 * http_response.c - fuzz target: the HTTP response head parser and the
 * chunked body parser (the way a client reads replies).
 */
#include <assert.h>
#include <stdint.h>

#include "http_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *s = (const char *) data;
  struct http_message hm;
  struct http_head h;
  size_t at;
  mg_http_parse_head(s, size, 0, 8192, 8192, &hm, &h);
  if (h.header_len <= 0) return 0;
  assert(hm.resp_code >= 100 && hm.resp_code <= 999);
  at = (size_t) h.header_len;
  if (h.body_kind != HTTP_BODY_CHUNKED) return 0;
  while (at < size) {
    size_t off, len, total;
    int r = mg_http_parse_chunk(s + at, size - at, &off, &len, &total);
    if (r <= 0) break;
    assert(total <= size - at && off + len <= total);
    at += total;
    if (len == 0) break;
  }
  return 0;
}
