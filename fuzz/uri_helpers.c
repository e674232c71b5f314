/*
 * uri_helpers.c - fuzz target: URI and address parsing, URL decoding and
 * encoding (which must round-trip), base64, header parameters, query
 * variables and IP ACLs.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mongoose.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *s = (const char *) data;
  char *z = (char *) malloc(size + 1), out[256], host[256];
  struct mg_str str = mg_mk_str_n(s, size), scheme, user, h, path, query, frag;
  unsigned int port;
  union socket_address sa;
  int proto, n;
  if (z == NULL) return 0;
  memcpy(z, data, size);
  z[size] = '\0';

  if (mg_parse_uri(str, &scheme, &user, &h, &port, &path, &query, &frag) == 0) {
    assert(port <= 65535);
  }
  mg_parse_address(z, &sa, &proto, host, sizeof(host));
  mg_check_ip_acl(z, 0x7f000001);

  /* Decoding what encoding produced gives the original back. */
  {
    struct mg_str enc = mg_url_encode(str);
    if (enc.p != NULL) {
      char *dec = (char *) malloc(size + 1);
      if (dec != NULL) {
        n = mg_url_decode(enc.p, (int) enc.len, dec, (int) size + 1, 0);
        assert(n == (int) size && memcmp(dec, s, size) == 0);
        free(dec);
      }
      mg_strfree(&enc);
    }
  }
  mg_url_decode(s, (int) size, out, sizeof(out), 1);
  mg_get_http_var(&str, "x", out, sizeof(out));
  mg_http_parse_header(&str, "realm", out, sizeof(out));
  if (size < 150) {
    char b64[256], back[256];
    mg_base64_encode(data, (int) size, b64);
    n = mg_base64_decode((const unsigned char *) b64, (int) strlen(b64), back);
    assert(n == (int) strlen(b64) && memcmp(back, data, size) == 0);
  }
  mg_base64_decode(data, (int) (size < 300 ? size : 300), out);
  free(z);
  return 0;
}
