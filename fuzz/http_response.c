/*
 * http_response.c - fuzz target: the HTTP response head parser and the
 * chunked body parser (the way a client reads replies).
 *
 * The head may be HEAD_LIMIT bytes, so that inputs reach that limit (431)
 * and MG_MAX_HTTP_HEADERS easily. Inputs over INPUT_CAP bytes are skipped:
 * that is a head at its limit and as much again of chunked body, and
 * nothing in the parsers depends on length beyond that, so longer inputs
 * only repeat what shorter ones explore, at a cost that grows with every
 * byte.
 */
#include <assert.h>
#include <stdint.h>

#include "http_internal.h"

#define HEAD_LIMIT 1024
#define INPUT_CAP (2 * HEAD_LIMIT)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *s = (const char *) data;
  struct http_message hm;
  struct http_head h;
  size_t at;
  if (size > INPUT_CAP) return 0;
  mg_http_parse_head(s, size, 0, HEAD_LIMIT, HEAD_LIMIT, &hm, &h);
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
