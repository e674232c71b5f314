/*
 * test_ws_large.c - WebSocket messages of several MiB over the simulated
 * network: every message up to max_ws_message arrives whole, whatever
 * recv_mbuf_limit says, in one frame or in fragments of any size, read in
 * small pieces; one byte more is refused with CLOSE 1009; and invalid UTF-8
 * is refused as soon as its bytes arrive, not when its frame ends.
 *
 * The peer's frames are built here (masked with a key that changes per
 * frame), the handler keeps the size and an FNV-1a hash of what it is given,
 * and the peer's side of the wire is checked byte for byte.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mongoose.h"
#include "sim.h"
#include "ws_internal.h"

#define KIB ((size_t) 1024)
#define MIB (KIB * KIB)
#define MS 1000

static const char s_request[] =
    "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Sec-WebSocket-Version: 13\r\n\r\n";

/* What the engine's handler saw. */
static struct {
  int frames;
  int flags;       /* websocket_message.flags of the last frame */
  size_t size;     /* and its size */
  uint32_t hash;   /* and the FNV-1a hash of its bytes */
  size_t max_recv; /* the most recv_mbuf ever held */
  int closed;
} s_got;

static uint32_t fnv1a(uint32_t h, const unsigned char *p, size_t n) {
  size_t i;
  for (i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
  return h;
}
#define FNV_START 2166136261u

static void handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct websocket_message *wm = (struct websocket_message *) ev_data;
  /* RECV reaches the handler before the frames are taken out: this is the
   * fullest recv_mbuf gets. */
  if (ev == MG_EV_RECV && nc->recv_mbuf.len > s_got.max_recv) s_got.max_recv = nc->recv_mbuf.len;
  if (ev == MG_EV_WEBSOCKET_FRAME) {
    s_got.frames++;
    s_got.flags = wm->flags;
    s_got.size = wm->size;
    s_got.hash = fnv1a(FNV_START, wm->data, wm->size);
  }
  if (ev == MG_EV_CLOSE && (nc->flags & MG_F_IS_WEBSOCKET)) s_got.closed = 1;
}

/* A message body: text is valid UTF-8 whose 1-, 2-, 3- and 4-byte characters
 * (a cycle of 10 bytes) straddle fragment and read boundaries everywhere;
 * binary is pseudo-random bytes. */
static unsigned char *make_payload(size_t n, int text) {
  static const unsigned char cycle[] = {'a', 0xc3, 0xa9, 0xe2, 0x82, 0xac,
                                        0xf0, 0x9f, 0x98, 0x80};
  unsigned char *p = (unsigned char *) malloc(n > 0 ? n : 1);
  uint32_t x = 12345;
  size_t i;
  assert_non_null(p);
  for (i = 0; i < n; i++) {
    x = x * 1103515245u + 12345u;
    p[i] = text ? cycle[i % sizeof(cycle)] : (unsigned char) (x >> 24);
  }
  /* Text ends on a whole character: pad the last partial cycle with ASCII. */
  if (text) {
    size_t tail = n % sizeof(cycle);
    for (i = n - tail; i < n; i++) p[i] = 'z';
  }
  return p;
}

/* The frames a client sends for a message of n bytes in fragments of frag
 * bytes (0: one frame), masked. Returns the wire bytes; *len is their size. */
static unsigned char *make_wire(const unsigned char *payload, size_t n, size_t frag,
                                int opcode, size_t *len) {
  size_t nframes = frag == 0 || n == 0 ? 1 : (n + frag - 1) / frag;
  size_t cap = n + nframes * 14, off = 0, done = 0, k;
  unsigned char *w = (unsigned char *) malloc(cap);
  assert_non_null(w);
  for (k = 0; k < nframes; k++) {
    size_t m = frag == 0 ? n : (n - done < frag ? n - done : frag);
    unsigned char mask[4];
    mask[0] = (unsigned char) (0x11 + k);
    mask[1] = (unsigned char) (0x5a ^ (k >> 8));
    mask[2] = (unsigned char) (0xc3 + 7 * k);
    mask[3] = (unsigned char) (k >> 16 | 0x80);
    off += ws_write_header(w + off, k == 0 ? opcode : WEBSOCKET_OP_CONTINUE,
                           k + 1 == nframes, m, mask);
    memcpy(w + off, payload + done, m);
    ws_apply_mask(w + off, m, mask, 0);
    off += m;
    done += m;
  }
  *len = off;
  return w;
}

struct run {
  struct sim *s;
  struct mg_mgr mgr;
  struct sim_peer *c;
  size_t head_len; /* the 101 reply's length in what the peer received */
};

/* A ws server (max_ws_message and recv_mbuf_limit as given, 0 for the
 * defaults) and a peer whose bytes reach it read_split at a time, after the
 * handshake. */
static void start(struct run *r, size_t max_ws, size_t recv_limit, size_t read_split,
                  unsigned long flags) {
  struct mg_connection *lc, *nc;
  const struct mbuf *rx;
  memset(&s_got, 0, sizeof(s_got));
  assert_non_null(r->s = sim_new(7));
  sim_set_tracing(r->s, 0);
  sim_knobs(r->s)->read_split = read_split;
  sim_mgr_init(r->s, &r->mgr, NULL);
  assert_non_null(lc = mg_bind(&r->mgr, "tcp://10.0.0.1:80", handler));
  mg_set_protocol_http_websocket(lc);
  if (max_ws > 0) {
    struct mg_http_limits lim;
    memset(&lim, 0, sizeof(lim));
    lim.max_ws_message = max_ws;
    mg_http_set_limits(lc, lim);
  }
  r->c = sim_peer_new(r->s, "c");
  assert_int_equal(sim_peer_connect(r->c, "10.0.0.1:80"), 0);
  assert_int_equal(sim_peer_send(r->c, s_request, sizeof(s_request) - 1), 0);
  assert_int_equal(sim_run_until(r->s, &r->mgr, 10 * MS), 0);
  rx = sim_peer_received(r->c);
  assert_true(rx->len > 13);
  assert_memory_equal(rx->buf, "HTTP/1.1 101 ", 13);
  r->head_len = rx->len;
  /* On the accepted connection, after the handshake: a limit below an HTTP
   * head would refuse the upgrade itself. */
  assert_non_null(nc = sim_conn_by_id(r->s, 2));
  if (recv_limit > 0) nc->recv_mbuf_limit = recv_limit;
  nc->flags |= flags;
}

static void stop(struct run *r) {
  mg_mgr_free(&r->mgr);
  sim_free(r->s);
}

/* What the peer got after the 101 reply. */
static const struct mbuf *after_head(struct run *r, size_t *len) {
  const struct mbuf *rx = sim_peer_received(r->c);
  *len = rx->len - r->head_len;
  return rx;
}

/* The peer got exactly a CLOSE with this code, and the connection ended. */
static void assert_closed_with(struct run *r, int code) {
  const unsigned char want[4] = {0x88, 0x02, (unsigned char) (code >> 8), (unsigned char) code};
  size_t len;
  const struct mbuf *rx = after_head(r, &len);
  assert_int_equal(len, 4);
  assert_memory_equal(rx->buf + r->head_len, want, 4);
  assert_true(sim_peer_got_fin(r->c));
  assert_int_equal(s_got.closed, 1);
}

/* One message of n bytes sent in fragments of frag bytes: delivered whole,
 * once, with its opcode, and recv_mbuf never held more than the larger of
 * recv_mbuf_limit and the message plus one frame header. */
static void deliver(size_t n, size_t frag, int text, size_t max_ws, size_t recv_limit,
                    size_t read_split) {
  struct run r;
  int op = text ? WEBSOCKET_OP_TEXT : WEBSOCKET_OP_BINARY;
  unsigned char *payload = make_payload(n, text), *wire;
  size_t wire_len, len, limit = recv_limit > 0 ? recv_limit : MG_DEFAULT_RECV_MBUF_LIMIT;
  start(&r, max_ws, recv_limit, read_split, 0);
  wire = make_wire(payload, n, frag, op, &wire_len);
  assert_int_equal(sim_peer_send(r.c, wire, wire_len), 0);
  assert_int_equal(sim_run_until(r.s, &r.mgr, 1000 * MS), 0);
  if (s_got.frames != 1 || s_got.size != n) {
    fail_msg("%zu-byte %s message in %zu-byte fragments: %d frames, last %zu bytes",
             n, text ? "text" : "binary", frag, s_got.frames, s_got.size);
  }
  assert_int_equal(s_got.flags, 0x80 | op);
  assert_int_equal(s_got.hash, fnv1a(FNV_START, payload, n));
  assert_true(s_got.max_recv <= (n + 14 > limit ? n + 14 : limit));
  assert_int_equal(s_got.closed, 0);
  (void) after_head(&r, &len);
  assert_int_equal(len, 0); /* no CLOSE went out */
  free(wire);
  free(payload);
  stop(&r);
}

static void test_4mib(void **state) {
  (void) state;
  deliver(4 * MIB, 0, 0, 0, 0, 1460);
  deliver(4 * MIB, 0, 1, 0, 0, 1460);
  deliver(4 * MIB, 64, 1, 0, 0, 1460);
  deliver(4 * MIB, 4 * KIB, 0, 0, 0, 1460);
  deliver(4 * MIB, MIB, 1, 0, 0, 1460);
  deliver(4 * MIB + 1, 64 * KIB, 0, 0, 0, 1460);
}

static void test_8mib(void **state) {
  (void) state;
  deliver(8 * MIB, 0, 1, 0, 0, 1460);
  deliver(8 * MIB, 0, 0, 0, 0, 1460);
  deliver(8 * MIB, 64, 0, 0, 0, 1460);
  deliver(8 * MIB, 4 * MIB, 1, 0, 0, 1460);
}

static void test_16mib(void **state) {
  (void) state;
  deliver(16 * MIB, 0, 0, 0, 0, 1460);
  deliver(16 * MIB, 0, 1, 0, 0, 16 * KIB);
  deliver(16 * MIB, 64, 1, 0, 0, 1460);
  deliver(16 * MIB, 4 * MIB, 0, 0, 0, 1460);
  deliver(16 * MIB, MIB, 1, 0, 0, 64 * KIB);
}

/* The same rule with other limits: a 1 MiB max_ws_message and a 4 KiB
 * recv_mbuf_limit, and a recv_mbuf_limit too small for a frame header. */
static void test_other_limits(void **state) {
  (void) state;
  deliver(MIB, 0, 1, MIB, 4 * KIB, 100);
  deliver(MIB, 64, 0, MIB, 4 * KIB, 1000);
  deliver(MIB, 4 * KIB, 1, MIB, 4 * KIB, 7);
  deliver(64 * KIB, 100, 1, 0, 1, 3);
}

/* max_ws_message + 1: CLOSE 1009 and nothing delivered, whether one frame
 * announces it (refused at its header; the peer sends the header and 64 KiB
 * of it, which the lingering close drops) or the fragments add up to it
 * (all sent). */
static void refuse(size_t max_ws, size_t recv_limit, size_t frag, int text) {
  struct run r;
  size_t n = (max_ws > 0 ? max_ws : MG_HTTP_DEFAULT_MAX_WS_MESSAGE) + 1, wire_len;
  unsigned char *payload = make_payload(n, text), *wire;
  start(&r, max_ws, recv_limit, 1460, 0);
  wire = make_wire(payload, n, frag, text ? WEBSOCKET_OP_TEXT : WEBSOCKET_OP_BINARY,
                   &wire_len);
  if (frag == 0) wire_len -= n - 64 * KIB;
  assert_int_equal(sim_peer_send(r.c, wire, wire_len), 0);
  assert_int_equal(sim_run_until(r.s, &r.mgr, 1000 * MS), 0);
  assert_int_equal(s_got.frames, 0);
  assert_closed_with(&r, 1009);
  free(wire);
  free(payload);
  stop(&r);
}

static void test_over_max_ws_message(void **state) {
  (void) state;
  refuse(0, 0, 0, 0);
  refuse(0, 0, 4 * MIB, 1);
  refuse(0, 0, MIB, 0);
  refuse(MIB, 4 * KIB, 0, 1);
  refuse(MIB, 4 * KIB, 64, 0);
}

/* Without defragmentation a frame is the unit, held whole all the same. */
static void test_no_defrag_large_frame(void **state) {
  struct run r;
  unsigned char *payload = make_payload(8 * MIB, 0), *wire;
  size_t wire_len;
  (void) state;
  start(&r, 0, 0, 1460, MG_F_WEBSOCKET_NO_DEFRAG);
  wire = make_wire(payload, 8 * MIB, 0, WEBSOCKET_OP_BINARY, &wire_len);
  assert_int_equal(sim_peer_send(r.c, wire, wire_len), 0);
  assert_int_equal(sim_run_until(r.s, &r.mgr, 1000 * MS), 0);
  assert_int_equal(s_got.frames, 1);
  assert_int_equal(s_got.size, 8 * MIB);
  assert_int_equal(s_got.hash, fnv1a(FNV_START, payload, 8 * MIB));
  free(wire);
  free(payload);
  stop(&r);
}

/* A 1 MiB text frame, valid for its first 300000 bytes, then ff: CLOSE 1007
 * as soon as the bad byte is in, though the rest of the frame never comes.
 * Also when the bad byte ends a read, and when it breaks a character begun
 * in the read before. */
static void bad_text_midway(size_t bad_at, unsigned char bad, size_t read_split) {
  struct run r;
  size_t n = MIB, wire_len, sent;
  unsigned char *payload = make_payload(n, 1), *wire;
  start(&r, 0, 0, read_split, 0);
  payload[bad_at] = bad;
  wire = make_wire(payload, n, 0, WEBSOCKET_OP_TEXT, &wire_len);
  sent = (wire_len - n) + bad_at + 1; /* the header and up to the bad byte */
  assert_int_equal(sim_peer_send(r.c, wire, sent), 0);
  assert_int_equal(sim_run_until(r.s, &r.mgr, 1000 * MS), 0);
  assert_int_equal(s_got.frames, 0);
  assert_closed_with(&r, 1007);
  free(wire);
  free(payload);
  stop(&r);
}

static void test_utf8_fails_fast(void **state) {
  (void) state;
  bad_text_midway(300000, 0xff, 1460);
  bad_text_midway(300000, 0xff, 0);
  /* Index 7 of the 10-byte cycle is the second byte of f0 9f 98 80: 'A'
   * there breaks a character whose lead byte may be in the read before. */
  bad_text_midway(300007, 'A', 1460);
  bad_text_midway(300007, 'A', 3);
}

/* A character cut by reads is not an error: every split of a short text
 * frame holding 2-, 3- and 4-byte characters is echoed whole. */
static void test_utf8_split_by_reads(void **state) {
  size_t split;
  (void) state;
  for (split = 1; split <= 12; split++) {
    deliver(40, 0, 1, 0, 0, split);
    deliver(40, 7, 1, 0, 0, split);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_4mib),
      cmocka_unit_test(test_8mib),
      cmocka_unit_test(test_16mib),
      cmocka_unit_test(test_other_limits),
      cmocka_unit_test(test_over_max_ws_message),
      cmocka_unit_test(test_no_defrag_large_frame),
      cmocka_unit_test(test_utf8_fails_fast),
      cmocka_unit_test(test_utf8_split_by_reads),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
