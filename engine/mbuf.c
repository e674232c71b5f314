/*
 * mbuf.c - the growable byte buffer behind every connection's queues.
 *
 * Every allocation goes through realloc() and every release through free(),
 * and nothing else: one allocator entry point is one place for a test (or an
 * embedder) to intercept, e.g. with the linker's --wrap=realloc.
 *
 * Failure is never partial. When memory runs out, the operation reports 0
 * and the mbuf is exactly as it was, so a caller can keep using what it had.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void mbuf_init(struct mbuf *mb, size_t initial_capacity) {
  mb->buf = NULL;
  mb->len = 0;
  mb->size = 0;
  mb->head = 0;
  mbuf_resize(mb, initial_capacity);
}

void mbuf_free(struct mbuf *mb) {
  if (mb->buf != NULL) free(mb->buf - mb->head);
  mb->buf = NULL;
  mb->len = 0;
  mb->size = 0;
  mb->head = 0;
}

/* Moves the live bytes back to the start of the allocation. Callers only do
 * it when the consumed prefix is at least as long as what moves, or when
 * they are about to reallocate (which copies as much anyway), so the copying
 * stays amortised O(1) per byte. */
static void reclaim_head(struct mbuf *mb) {
  char *base;
  if (mb->head == 0) return;
  base = mb->buf - mb->head;
  memmove(base, mb->buf, mb->len);
  mb->buf = base;
  mb->size += mb->head;
  mb->head = 0;
}

void mbuf_resize(struct mbuf *mb, size_t new_size) {
  char *p;
  if (new_size < mb->len) return;
  reclaim_head(mb);
  if (new_size == mb->size) return;
  if (new_size == 0) {
    /* realloc(p, 0) is implementation-defined; releasing explicitly keeps
     * "size 0" meaning "nothing allocated" on every platform. */
    free(mb->buf);
    mb->buf = NULL;
    mb->size = 0;
    return;
  }
  p = (char *) realloc(mb->buf, new_size);
  if (p == NULL) return;
  mb->buf = p;
  mb->size = new_size;
}

void mbuf_trim(struct mbuf *mb) {
  mbuf_resize(mb, mb->len);
}

void mbuf_clear(struct mbuf *mb) {
  mb->len = 0;
}

/* The front moves forward instead of the rest moving back: consuming a long
 * queue a little at a time (a large reply to a slow reader) would otherwise
 * copy the whole queue on every step. */
void mbuf_remove(struct mbuf *mb, size_t n) {
  if (n >= mb->len) {
    mb->len = 0;
    reclaim_head(mb);
    return;
  }
  mb->buf += n;
  mb->len -= n;
  mb->size -= n;
  mb->head += n;
}

void mbuf_move(struct mbuf *from, struct mbuf *to) {
  if (from == to) return;
  mbuf_free(to);
  *to = *from;
  from->buf = NULL;
  from->len = 0;
  from->size = 0;
  from->head = 0;
}

/*
 * The capacity to allocate so that `need` bytes fit. Growing by a factor
 * rather than to the exact size keeps a long run of small appends amortised
 * O(1). The product is computed in double because MBUF_SIZE_MULTIPLIER is
 * one; a result that would not fit in size_t falls back to `need`.
 */
static size_t grown_capacity(size_t need) {
  double want = (double) need * MBUF_SIZE_MULTIPLIER;
  size_t cap;
  if (!(want < (double) SIZE_MAX)) return need;
  cap = (size_t) want;
  return cap > need ? cap : need;
}

/* Makes room for `need` bytes in total; 0 if memory ran out. */
static int reserve(struct mbuf *mb, size_t need) {
  size_t old_size;
  if (need <= mb->size) return 1;
  /* Reclaiming the consumed prefix alone is enough, and costs no more than
   * the bytes consumed: no need to grow. */
  if (mb->head >= mb->len && need <= mb->size + mb->head) {
    reclaim_head(mb);
    return 1;
  }
  old_size = mb->size + mb->head;
  mbuf_resize(mb, grown_capacity(need));
  /* A near-exhausted heap may still hold the exact amount even when the
   * generous one did not fit. */
  if (mb->size == old_size) mbuf_resize(mb, need);
  return mb->size >= need;
}

/*
 * Where data lies relative to the live bytes of mb, or SIZE_MAX when it is
 * not inside them. The comparison goes through uintptr_t because relational
 * operators on pointers into different objects are undefined.
 */
static size_t offset_inside(const struct mbuf *mb, const void *data) {
  uintptr_t start = (uintptr_t) mb->buf, at = (uintptr_t) data;
  /* One unsigned test (at < start wraps to a huge offset), not two: which
   * side of the buffer a foreign pointer lies on depends on what was
   * allocated before, and must not show up as a branch the fuzzers see
   * change from run to run. */
  if (mb->buf == NULL || at - start >= mb->len) return SIZE_MAX;
  return (size_t) (at - start);
}

size_t mbuf_insert(struct mbuf *mb, size_t off, const void *data, size_t len) {
  size_t src_off;
  if (off > mb->len || len == 0) return 0;
  if (len > SIZE_MAX - mb->len) return 0;

  /* Growing may move the buffer, which would leave a pointer into it
   * dangling; remember such a source as an offset instead. */
  src_off = data == NULL ? SIZE_MAX : offset_inside(mb, data);
  if (!reserve(mb, mb->len + len)) return 0;

  memmove(mb->buf + off + len, mb->buf + off, mb->len - off);
  if (data == NULL) {
    /* The caller only reserves room to fill in later; zeroing it means no
     * uninitialised byte can ever reach the wire by mistake. */
    memset(mb->buf + off, 0, len);
  } else if (src_off == SIZE_MAX) {
    memcpy(mb->buf + off, data, len);
  } else {
    /* The source is our own content. Bytes before off stayed where they
     * were; bytes from off onwards have just shifted up by len. */
    size_t head = 0;
    if (src_off < off) head = off - src_off < len ? off - src_off : len;
    memmove(mb->buf + off, mb->buf + src_off, head);
    memmove(mb->buf + off + head, mb->buf + src_off + head + len, len - head);
  }
  mb->len += len;
  return len;
}

size_t mbuf_append(struct mbuf *mb, const void *data, size_t len) {
  return mbuf_insert(mb, mb->len, data, len);
}

void mg_mbuf_cut(struct mbuf *mb, size_t off, size_t n) {
  assert(off + n <= mb->len);
  if (n == 0) return;
  memmove(mb->buf + off, mb->buf + off + n, mb->len - off - n);
  mb->len -= n;
}
