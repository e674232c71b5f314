/*
 * uri_helpers.c - fuzz target: URI and address parsing, URI assembly (a
 * parsed URI must reassemble into one that parses to the same parts), path
 * normalization, URL decoding and encoding (which must round-trip), base64
 * (both name sets), header parameters, query variables, Basic credentials
 * and IP ACLs.
 *
 * Inputs over INPUT_CAP bytes are skipped. The longest limits on the way
 * are 256 bytes (the output buffers here, a host name in an address), so
 * every one of them is reached well within that, and every helper is a
 * single pass over its input: longer inputs only repeat what shorter ones
 * explore, through a dozen passes that each cost more with every byte.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mongoose.h"

#define INPUT_CAP 512

/* Equal contents; an absent part and an empty one are the same here,
 * since assembling leaves both out. */
static int same(struct mg_str a, struct mg_str b) {
  return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

/* A normalized path is no longer than the input, starts with '/', and has
 * no "." or ".." segment left. */
static void check_normalize(struct mg_str in) {
  char *buf;
  struct mg_str p;
  size_t i, end;
  if (in.len == 0 || (buf = (char *) malloc(in.len)) == NULL) return;
  memcpy(buf, in.p, in.len);
  p = mg_mk_str_n(buf, in.len);
  if (mg_normalize_uri_path(&p, &p)) {
    assert(p.p == buf && p.len >= 1 && p.len <= in.len && p.p[0] == '/');
    /* From each '/' to the next: every segment. */
    for (i = 0; i < p.len; i = end) {
      const char *next = (const char *) memchr(p.p + i + 1, '/', p.len - i - 1);
      end = next == NULL ? p.len : (size_t) (next - p.p);
      assert(!(end - i == 2 && p.p[i + 1] == '.'));
      assert(!(end - i == 3 && p.p[i + 1] == '.' && p.p[i + 2] == '.'));
    }
  } else {
    assert(p.len == 0);
  }
  free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *s = (const char *) data;
  char *z, out[256], host[256];
  struct mg_str str = mg_mk_str_n(s, size), scheme, user, h, path, query, frag;
  unsigned int port;
  union socket_address sa;
  int proto, n;
  if (size > INPUT_CAP || (z = (char *) malloc(size + 1)) == NULL) return 0;
  memcpy(z, data, size);
  z[size] = '\0';

  if (mg_parse_uri(str, &scheme, &user, &h, &port, &path, &query, &frag) == 0) {
    struct mg_str uri;
    assert(port <= 65535);
    if (mg_assemble_uri(&scheme, &user, &h, port, &path, &query, &frag, 0,
                        &uri) == 0) {
      struct mg_str s2, u2, h2, p2, q2, f2;
      unsigned int port2;
      assert(mg_parse_uri(uri, &s2, &u2, &h2, &port2, &p2, &q2, &f2) == 0);
      assert(same(scheme, s2) && same(user, u2) && same(h, h2) &&
             port == port2 && same(path, p2) && same(query, q2) &&
             same(frag, f2));
      free((void *) uri.p);
    }
  }
  check_normalize(str);
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
  n = mg_get_http_var(&str, "x", out, sizeof(out));
  assert(n >= -4 && n < (int) sizeof(out) && (n >= 0 || out[0] == '\0'));
  if (n >= 0) assert(strlen(out) <= (size_t) n);
  n = mg_http_parse_header(&str, "realm", out, sizeof(out));
  assert(n >= 0 && n < (int) sizeof(out));
  {
    /* The allocating variant finds the same value, whatever its size. */
    char small[4], *buf = small;
    int n2 = mg_http_parse_header2(&str, "realm", &buf, sizeof(small));
    assert(n2 >= n && (n == 0 || (n2 == n && memcmp(buf, out, (size_t) n) == 0)));
    if (buf != small) free(buf);
  }
  {
    char user[32], pass[32];
    if (mg_parse_http_basic_auth(&str, user, sizeof(user), pass,
                                 sizeof(pass)) != 0) {
      assert(user[0] == '\0' && pass[0] == '\0');
    }
  }
  if (size < 150) {
    char b64[256], back[256];
    int dec_len = -1;
    mg_base64_encode(data, (int) size, b64);
    n = mg_base64_decode((const unsigned char *) b64, (int) strlen(b64), back);
    assert(n == (int) strlen(b64) && memcmp(back, data, size) == 0);
    n = cs_base64_decode((const unsigned char *) b64, (int) strlen(b64), back,
                         &dec_len);
    assert(n == (int) strlen(b64) && dec_len == (int) size);
  }
  {
    int dec_len = -1;
    n = cs_base64_decode(data, (int) (size < 300 ? size : 300), out, &dec_len);
    assert(n >= 0 && dec_len >= 0 && dec_len <= n * 3 / 4 + 1);
  }
  free(z);
  return 0;
}
