/*
 * multipart.c - fuzz target: the multipart/form-data part parser.
 *
 * Input: one byte for the boundary length, the boundary, one byte seeding
 * the read sizes, then the body. The body goes through the streaming
 * parser twice: at once, and in pieces of input-chosen sizes with the
 * handler taking input-chosen parts of each PART_DATA. Both runs must see
 * the same parts, names and bytes; every piece of data must lie in what had
 * arrived, and what is held back waiting must be shorter than a delimiter.
 * mg_parse_multipart then walks the body; when the streaming run ended well
 * and the body opens with the same boundary (one not ending in "--", which
 * mg_parse_multipart takes for the close), it must find the same parts
 * first.
 *
 * Inputs over INPUT_CAP bytes are skipped. The limits on the way are all
 * far below it (a boundary of 70 bytes, names of 255, a header block of
 * HEADER_LIMIT, 64 blanks of padding, reads of at most 64 bytes), so a
 * body of that size already reaches each of them and holds dozens of
 * parts; longer ones only repeat the same steps, each costing more.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_multipart.h"

#define HEADER_LIMIT 256
#define INPUT_CAP 1024

/* Events and data of a run: "B" var NUL file NUL, data bytes, "E" and the
 * part's length, then "X" (ended well) or "!" (error). */
static void put(struct mbuf *m, const void *p, size_t n) {
  if (n <= m->size - m->len) { /* the room reserved up front */
    memcpy(m->buf + m->len, p, n);
    m->len += n;
  } else {
    mbuf_append(m, p, n);
  }
}

static uint32_t next_rand(uint32_t *s) {
  *s = *s * 1103515245u + 12345u;
  return *s >> 16;
}

static void stream(struct mg_str boundary, const char *body, size_t size, int pieces,
                   uint32_t seed, struct mbuf *out) {
  struct mg_mp_parser p;
  size_t start = 0, end = 0, part_len = 0;
  int guard = 0;
  if (mg_mp_init(&p, boundary, HEADER_LIMIT) != 0) return;
  for (;;) {
    enum mg_mp_what what;
    size_t used, len, n = end - start;
    int complete = end == size;
    assert(++guard < 10000000);
    used = mg_mp_step(&p, body + start, n, complete, &what, &len);
    assert(used <= n);
    start += used;
    switch (what) {
      case MPW_NONE:
        break;
      case MPW_NEED:
        assert(!complete || p.state == MP_EPILOGUE);
        if (p.state == MP_DATA) assert(end - start < p.dlen);
        if (complete) return;
        end += pieces ? 1 + next_rand(&seed) % 64 : size;
        if (end > size) end = size;
        break;
      case MPW_BEGIN:
        put(out, "B", 1);
        put(out, p.var_name, strlen(p.var_name) + 1);
        put(out, p.file_name, strlen(p.file_name) + 1);
        part_len = 0;
        break;
      case MPW_DATA: {
        size_t take = pieces ? 1 + next_rand(&seed) % len : len;
        assert(len > 0 && len <= end - start);
        /* no byte of a delimiter is ever data */
        assert(memmem(body + start, len, p.delim, p.dlen) == NULL);
        put(out, body + start, take);
        part_len += take;
        start += take;
        break;
      }
      case MPW_END:
        put(out, "E", 1);
        put(out, &part_len, sizeof(part_len));
        break;
      case MPW_DONE:
        put(out, "X", 1);
        return;
      case MPW_ERROR:
        put(out, "!", 1);
        return;
    }
  }
}

/* What mg_parse_multipart finds, in the same form (a run it ends well). */
static void buffered(const char *body, size_t size, struct mbuf *out) {
  size_t off = 0, n;
  char var[MG_MP_NAME_MAX], file[MG_MP_NAME_MAX];
  const char *chunk;
  size_t clen;
  while ((n = mg_parse_multipart(body + off, size - off, var, sizeof(var), file,
                                 sizeof(file), &chunk, &clen)) > 0) {
    assert(n <= size - off);
    assert(chunk >= body + off && chunk + clen <= body + off + n);
    put(out, "B", 1);
    put(out, var, strlen(var) + 1);
    put(out, file, strlen(file) + 1);
    put(out, chunk, clen);
    put(out, "E", 1);
    put(out, &clen, sizeof(clen));
    off += n;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *s = (const char *) data;
  struct mg_str boundary;
  struct mbuf whole, split, buf;
  size_t blen, first;
  uint32_t seed;
  if (size < 2 || size > INPUT_CAP) return 0;
  blen = data[0] % (MG_MP_BOUNDARY_MAX + 1);
  if (size < 2 + blen) return 0;
  boundary = mg_mk_str_n(s + 1, blen);
  seed = data[1 + blen];
  s += 2 + blen;
  size -= 2 + blen;
  /* Room for the body's bytes and some events up front: growing by small
   * appends would reallocate each record a dozen times. */
  mbuf_init(&whole, size + 64);
  mbuf_init(&split, size + 64);
  mbuf_init(&buf, size + 64);
  stream(boundary, s, size, 0, seed, &whole);
  stream(boundary, s, size, 1, seed, &split);
  assert(whole.len == split.len);
  assert(whole.len == 0 || memcmp(whole.buf, split.buf, whole.len) == 0);
  buffered(s, size, &buf);
  /* Same boundary on the first line, no padding, a body that ended well
   * with its close delimiter: the buffered walk sees the same parts. */
  first = 2 + blen;
  if (blen > 0 && whole.len > 0 && whole.buf[whole.len - 1] == 'X' && size >= first + 2 &&
      s[0] == '-' && s[1] == '-' && memcmp(s + 2, boundary.p, blen) == 0 &&
      s[first] == '\r' && s[first + 1] == '\n' &&
      !(blen >= 2 && boundary.p[blen - 1] == '-' && boundary.p[blen - 2] == '-')) {
    /* It may read on past the close into the epilogue ("--b--x" is a
     * boundary line to a parser that does not know b), never less. */
    assert(buf.len >= whole.len - 1 && memcmp(buf.buf, whole.buf, whole.len - 1) == 0);
  }
  mbuf_free(&whole);
  mbuf_free(&split);
  mbuf_free(&buf);
  return 0;
}
