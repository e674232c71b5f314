/*
 * Prints what the library's string helpers make of a text, one
 * "name: value" line each, for comparison with other implementations:
 *
 *   util_tool TEXT USER PASS
 */
#include "mongoose.h"

static char *format_line(const char *fmt, ...) {
  char small[8], *buf = small;
  va_list ap;
  int n;
  va_start(ap, fmt);
  n = mg_avprintf(&buf, sizeof(small), fmt, ap);
  va_end(ap);
  if (n < 0) return NULL;
  return buf == small ? strdup(small) : buf;
}

int main(int argc, char *argv[]) {
  const char *text, *user, *pass;
  char *buf, tmp[16], *line;
  struct mg_str enc;
  struct mbuf auth;
  int n, len;

  if (argc != 4) {
    fprintf(stderr, "usage: %s TEXT USER PASS\n", argv[0]);
    return EXIT_FAILURE;
  }
  text = argv[1];
  user = argv[2];
  pass = argv[3];
  len = (int) strlen(text);

  /* mg_asprintf: the result fits, or a heap buffer replaces ours. */
  buf = tmp;
  n = mg_asprintf(&buf, sizeof(tmp), "%s|%d|%s", text, len, "end");
  printf("asprintf: %d %s\n", n, buf);
  if (buf != tmp) free(buf);
  buf = tmp;
  n = mg_asprintf(&buf, sizeof(tmp), "%d", 42);
  printf("asprintf-small: %d %s %s\n", n, buf, buf == tmp ? "in-place" : "heap");
  if (buf != tmp) free(buf);
  line = format_line("avprintf: [%10s] [%-4d] [%x]", "right", 7, 255);
  printf("%s\n", line != NULL ? line : "(null)");
  free(line);

  enc = mg_url_encode(mg_mk_str(text));
  printf("url_encode: %.*s\n", (int) enc.len, enc.p);
  {
    char *dec = (char *) malloc(enc.len + 1);
    n = mg_url_decode(enc.p, (int) enc.len, dec, (int) enc.len + 1, 0);
    printf("url_decode: %d %s\n", n, n >= 0 ? dec : "(error)");
    free(dec);
  }
  free((void *) enc.p);
  {
    char dec[64];
    n = mg_url_decode("a+b%20c%2Fd", 11, dec, sizeof(dec), 1);
    printf("url_decode_form: %d %s\n", n, dec);
  }

  {
    char *b64 = (char *) malloc((size_t) len * 4 / 3 + 8);
    char *back = (char *) malloc((size_t) len + 8);
    mg_base64_encode((const unsigned char *) text, len, b64);
    printf("base64: %s\n", b64);
    n = mg_base64_decode((const unsigned char *) b64, (int) strlen(b64), back);
    printf("base64_decode: %d %s\n", n, back);
    cs_base64_encode((const unsigned char *) text, len, b64);
    printf("cs_base64: %s\n", b64);
    free(b64);
    free(back);
  }

  {
    char md5[33];
    cs_md5(md5, text, (size_t) len, NULL);
    printf("md5: %s\n", md5);
    cs_md5(md5, user, strlen(user), ":", (size_t) 1, pass, strlen(pass), NULL);
    printf("md5_parts: %s\n", md5);
  }

  {
    cs_sha1_ctx ctx;
    unsigned char digest[20];
    char hex[41];
    cs_sha1_init(&ctx);
    cs_sha1_update(&ctx, (const unsigned char *) text, (uint32_t) len);
    cs_sha1_final(digest, &ctx);
    cs_to_hex(hex, digest, sizeof(digest));
    printf("sha1: %s\n", hex);
    cs_hmac_sha1((const unsigned char *) pass, strlen(pass),
                 (const unsigned char *) text, (size_t) len, digest);
    cs_to_hex(hex, digest, sizeof(digest));
    printf("hmac_sha1: %s\n", hex);
  }

  mbuf_init(&auth, 0);
  mg_basic_auth_header(mg_mk_str(user), mg_mk_str(pass), &auth);
  printf("auth_header: %.*s", (int) auth.len, auth.buf);
  mbuf_free(&auth);
  return 0;
}
