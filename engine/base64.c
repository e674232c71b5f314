/*
 * base64.c - RFC 4648 base64 with the standard alphabet.
 *
 * The encoder always pads with '=' so its output is canonical. The decoder
 * is lenient about padding (peers and users often drop it) but not about
 * anything else: it stops at the first character that cannot continue the
 * text, and tells the caller how far it got, so "did it all decode?" is a
 * comparison of that count with the input length.
 *
 * The mg_ names and the cs_ names of Mongoose 6's common library are two
 * doors to the same code; the one-shot encoder is the streaming one with a
 * putc that writes to memory.
 */
#include "mongoose.h"

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* One group of output: 1 to 3 input bytes become 4 characters, the bits
 * of missing bytes counting as zero and each whole missing byte written
 * as a '='. */
static void put_group(struct cs_base64_ctx *ctx) {
  const unsigned char *in = ctx->chunk;
  int n = ctx->chunk_size;
  unsigned long v = (unsigned long) in[0] << 16 |
                    (n > 1 ? (unsigned long) in[1] << 8 : 0) |
                    (n > 2 ? (unsigned long) in[2] : 0);
  ctx->b64_putc(alphabet[(v >> 18) & 63], ctx->user_data);
  ctx->b64_putc(alphabet[(v >> 12) & 63], ctx->user_data);
  ctx->b64_putc(n > 1 ? alphabet[(v >> 6) & 63] : '=', ctx->user_data);
  ctx->b64_putc(n > 2 ? alphabet[v & 63] : '=', ctx->user_data);
  ctx->chunk_size = 0;
}

void cs_base64_init(struct cs_base64_ctx *ctx, cs_base64_putc_t b64_putc,
                    void *user_data) {
  ctx->b64_putc = b64_putc;
  ctx->chunk_size = 0;
  ctx->user_data = user_data;
}

/* Bytes are held back until three are there, so the text can arrive in
 * pieces of any size and still encode as one. */
void cs_base64_update(struct cs_base64_ctx *ctx, const char *str, size_t len) {
  size_t i;
  for (i = 0; i < len; i++) {
    ctx->chunk[ctx->chunk_size++] = (unsigned char) str[i];
    if (ctx->chunk_size == 3) put_group(ctx);
  }
}

void cs_base64_finish(struct cs_base64_ctx *ctx) {
  if (ctx->chunk_size > 0) put_group(ctx);
}

/* The putc of the one-shot encoder: user_data is the write position. */
static void put_to_buffer(char ch, void *user_data) {
  char **pos = (char **) user_data;
  *(*pos)++ = ch;
}

void cs_base64_encode(const unsigned char *src, int src_len, char *dst) {
  struct cs_base64_ctx ctx;
  char *pos = dst;
  cs_base64_init(&ctx, put_to_buffer, &pos);
  if (src_len > 0) {
    cs_base64_update(&ctx, (const char *) src, (size_t) src_len);
  }
  cs_base64_finish(&ctx);
  *pos = '\0';
}

void mg_base64_encode(const unsigned char *src, int src_len, char *dst) {
  cs_base64_encode(src, src_len, dst);
}

/* The 6-bit value of a base64 digit, or -1 for anything else. */
static int digit_value(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

/*
 * Decodes into dst, which needs room for 3 bytes per 4 input characters
 * (rounded up) plus the terminating NUL.
 *
 * Returns the number of input characters consumed: every digit that
 * contributed to the output plus the padding that closed it. A lone digit
 * that cannot form a byte is not consumed.
 */
int cs_base64_decode(const unsigned char *s, int len, char *dst,
                     int *dec_len) {
  unsigned int bits = 0; /* decoded bits not yet emitted as a byte */
  int nbits = 0;         /* how many of them there are, 0..6 */
  int ndigits = 0;       /* position within the current 4-digit group */
  int consumed = 0;      /* input up to the end of the last whole byte */
  int out = 0;
  int i;

  for (i = 0; i < len; i++) {
    int v = digit_value(s[i]);
    if (v < 0) break;
    bits = (bits << 6) | (unsigned int) v;
    nbits += 6;
    ndigits = (ndigits + 1) % 4;
    if (nbits >= 8) {
      nbits -= 8;
      dst[out++] = (char) ((bits >> nbits) & 0xff);
      bits &= (1u << nbits) - 1;
      consumed = i + 1;
    }
  }

  /* Padding can only close a group that has already yielded a byte, i.e.
   * one holding 2 or 3 digits; it then takes 4 - ndigits '=' characters.
   * Fewer are accepted too, since padding is optional altogether. */
  if (ndigits >= 2) {
    int pads = 4 - ndigits;
    while (pads-- > 0 && i < len && s[i] == '=') consumed = ++i;
  }
  dst[out] = '\0';
  if (dec_len != NULL) *dec_len = out;
  return consumed;
}

int mg_base64_decode(const unsigned char *s, int len, char *dst) {
  return cs_base64_decode(s, len, dst, NULL);
}

void mg_mbuf_append_base64_putc(char ch, void *user_data) {
  mbuf_append((struct mbuf *) user_data, &ch, 1);
}

/* The room is made first: the encoder appends a byte at a time, and a
 * failure halfway would leave a truncated encoding that still looks valid. */
void mg_mbuf_append_base64(struct mbuf *mbuf, const void *data, size_t len) {
  struct cs_base64_ctx ctx;
  size_t groups = len / 3 + (len % 3 != 0), need;
  if (groups > ((size_t) -1 - mbuf->len) / 4) return;
  need = mbuf->len + groups * 4;
  if (need > mbuf->size) mbuf_resize(mbuf, need);
  if (need > mbuf->size) return;
  cs_base64_init(&ctx, mg_mbuf_append_base64_putc, mbuf);
  cs_base64_update(&ctx, (const char *) data, len);
  cs_base64_finish(&ctx);
}
