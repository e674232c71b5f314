/*
 * http_request.c - fuzz target: the HTTP request head parser, the chunked
 * body parser on what follows, and the header and variable helpers on
 * whatever was parsed. Checks that every mg_str points inside the input.
 *
 * The head may be HEAD_LIMIT bytes and the request target URI_LIMIT: small
 * enough that inputs reach both limits (414, 431) and MG_MAX_HTTP_HEADERS
 * easily. Inputs over INPUT_CAP bytes are skipped: that is a head at its
 * limit and as much again of chunked body, and nothing in the parsers
 * depends on length beyond those limits, so longer inputs only repeat what
 * shorter ones explore, at a cost that grows with every byte.
 */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "http_internal.h"

#define HEAD_LIMIT 1024
#define URI_LIMIT 256
#define INPUT_CAP (2 * HEAD_LIMIT)

static void inside(const struct mg_str *s, const char *base, size_t n) {
  if (s->len == 0) return;
  assert(s->p >= base && s->p + s->len <= base + n);
}

static void chunks(const char *s, size_t n) {
  while (n > 0) {
    size_t off, len, total;
    int r = mg_http_parse_chunk(s, n, &off, &len, &total);
    if (r <= 0) return;
    assert(total <= n && off + len <= total);
    if (len == 0) return;
    s += total;
    n -= total;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *s = (const char *) data;
  struct http_message hm;
  struct http_head h;
  char buf[64];
  int i;
  if (size > INPUT_CAP) return 0;
  mg_http_parse_head(s, size, 1, HEAD_LIMIT, URI_LIMIT, &hm, &h);
  if (h.header_len < 0) {
    assert(h.status >= 400 && h.status <= 505 && h.reason != NULL);
    return 0;
  }
  if (h.header_len == 0) return 0;
  assert((size_t) h.header_len <= size);
  inside(&hm.method, s, size);
  inside(&hm.uri, s, size);
  inside(&hm.query_string, s, size);
  inside(&hm.proto, s, size);
  for (i = 0; i < MG_MAX_HTTP_HEADERS && hm.header_names[i].len > 0; i++) {
    inside(&hm.header_names[i], s, size);
    inside(&hm.header_values[i], s, size);
    mg_http_parse_header(&hm.header_values[i], "name", buf, sizeof(buf));
  }
  mg_get_http_header(&hm, "Host");
  mg_get_http_var(&hm.query_string, "a", buf, sizeof(buf));
  {
    char user[32], pass[32];
    mg_get_http_basic_auth(&hm, user, sizeof(user), pass, sizeof(pass));
  }
  if (h.body_kind == HTTP_BODY_CHUNKED) {
    chunks(s + h.header_len, size - (size_t) h.header_len);
  }
  /* The public wrapper agrees with the parser underneath. */
  {
    struct http_message hm2;
    int n = size > 0x7fffffff ? 0 : mg_parse_http(s, (int) size, &hm2, 1);
    assert(n == -1 || n == 0 || n <= (int) size);
  }
  return 0;
}
