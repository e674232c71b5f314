/*
 * test_flow.c - data flow and close sequences on the native iface:
 * SEND_AND_CLOSE, CLOSE_IMMEDIATELY mid-transfer, recv_mbuf_limit
 * backpressure, the send_mbuf bound, mg_mgr_free flushing, hexdump files.
 */
#include <errno.h>
#include <unistd.h>

#include "testutil.h"

/* Byte i of every test stream: a pattern no shift or drop survives. */
static unsigned char pattern(size_t i) {
  return (unsigned char) ((i * 7 + (i >> 9)) & 0xff);
}

static void queue_pattern(struct mg_connection *nc, size_t n) {
  char chunk[4096];
  size_t off = 0;
  while (off < n) {
    size_t i, len = n - off < sizeof(chunk) ? n - off : sizeof(chunk);
    for (i = 0; i < len; i++) chunk[i] = (char) pattern(off + i);
    mg_send(nc, chunk, (int) len);
    off += len;
  }
}

/* A receiver that checks the pattern as it consumes. */
struct sink {
  struct rec rec;
  size_t got, bad, max_held;
  size_t consume_per_poll; /* 0: consume everything in RECV */
};

static void sink_consume(struct sink *s, struct mg_connection *nc, size_t n) {
  size_t i;
  for (i = 0; i < n; i++) {
    if ((unsigned char) nc->recv_mbuf.buf[i] != pattern(s->got + i)) s->bad++;
  }
  s->got += n;
  mbuf_remove(&nc->recv_mbuf, n);
}

static void sink_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct sink *s = (struct sink *) nc->user_data;
  if (s == NULL || (nc->flags & MG_F_LISTENING)) return;
  rec_add(&s->rec, ev, ev_data);
  if (nc->recv_mbuf.len > s->max_held) s->max_held = nc->recv_mbuf.len;
  if (ev == MG_EV_RECV && s->consume_per_poll == 0) {
    sink_consume(s, nc, nc->recv_mbuf.len);
  } else if (ev == MG_EV_CLOSE) {
    /* After a peer's FIN the close comes once our side is flushed; what the
     * handler has not consumed yet is still here, in CLOSE. */
    sink_consume(s, nc, nc->recv_mbuf.len);
  } else if (ev == MG_EV_POLL && s->consume_per_poll > 0) {
    size_t n = nc->recv_mbuf.len < s->consume_per_poll ? nc->recv_mbuf.len
                                                       : s->consume_per_poll;
    sink_consume(s, nc, n);
  }
}

/* A sender: queues `size` bytes on ACCEPT with `flags`, then follows `mode`. */
struct source {
  struct rec rec;
  size_t size;
  unsigned long flags;
  int close_after_first_send;
  size_t recv_limit;
  struct mg_connection *conn;
};

static void source_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct source *s = (struct source *) nc->user_data;
  if (nc->flags & MG_F_LISTENING) return;
  rec_add(&s->rec, ev, ev_data);
  if (ev == MG_EV_ACCEPT) {
    s->conn = nc;
    queue_pattern(nc, s->size);
    nc->flags |= s->flags;
  }
  if (ev == MG_EV_SEND && s->close_after_first_send) {
    nc->flags |= MG_F_CLOSE_IMMEDIATELY;
  }
  if (ev == MG_EV_CLOSE) s->conn = NULL;
}

static void test_send_and_close_flushes_first(void **state) {
  struct mg_mgr mgr;
  struct source src;
  struct sink snk;
  struct mg_connection *lc, *c;
  (void) state;
  memset(&src, 0, sizeof(src));
  memset(&snk, 0, sizeof(snk));
  src.size = 3 * 1024 * 1024;
  src.flags = MG_F_SEND_AND_CLOSE;
  mg_mgr_init(&mgr, NULL);
  lc = mg_bind(&mgr, "tcp://127.0.0.1:0", source_handler);
  lc->user_data = &src;
  c = mg_connect(&mgr, addr_of(lc, "tcp"), sink_handler);
  c->user_data = &snk;
  POLL_UNTIL(&mgr, snk.rec.closed && src.rec.closed, 30);
  assert_int_equal(snk.got, src.size);
  assert_int_equal(snk.bad, 0);
  assert_true(src.rec.counts[MG_EV_SEND] >= 1);
  assert_int_equal(src.rec.counts[MG_EV_CLOSE], 1);
  assert_int_equal(snk.rec.counts[MG_EV_CLOSE], 1);
  mg_mgr_free(&mgr);
}

static void test_close_immediately_mid_transfer(void **state) {
  struct mg_mgr mgr;
  struct source src;
  struct sink snk;
  struct mg_connection *lc, *c;
  (void) state;
  memset(&src, 0, sizeof(src));
  memset(&snk, 0, sizeof(snk));
  src.size = 32 * 1024 * 1024; /* far more than one send can take */
  src.close_after_first_send = 1;
  mg_mgr_init(&mgr, NULL);
  lc = mg_bind(&mgr, "tcp://127.0.0.1:0", source_handler);
  lc->user_data = &src;
  c = mg_connect(&mgr, addr_of(lc, "tcp"), sink_handler);
  c->user_data = &snk;
  POLL_UNTIL(&mgr, snk.rec.closed && src.rec.closed, 30);
  /* One SEND, then the close: what was queued is dropped. */
  assert_int_equal(src.rec.counts[MG_EV_SEND], 1);
  assert_true(strstr(src.rec.log, "ACCEPT SEND(") == src.rec.log);
  assert_true(strstr(src.rec.log, ") CLOSE") != NULL);
  assert_true(snk.got < src.size);
  assert_int_equal(snk.bad, 0);
  assert_int_equal(snk.rec.counts[MG_EV_CLOSE], 1);
  assert_int_equal(snk.rec.after_close + src.rec.after_close, 0);
  mg_mgr_free(&mgr);
}

/* 10 MiB through a 1-byte recv_mbuf_limit: reading stops and resumes, and
 * not one byte is lost or reordered. */
static void limit_on_accept(struct mg_connection *nc, int ev, void *ev_data) {
  if (ev == MG_EV_ACCEPT) nc->recv_mbuf_limit = 1;
  sink_handler(nc, ev, ev_data);
}

static void sender_on_connect(struct mg_connection *nc, int ev, void *ev_data) {
  struct source *s = (struct source *) nc->user_data;
  rec_add(&s->rec, ev, ev_data);
  if (ev == MG_EV_CONNECT && *(int *) ev_data == 0) {
    queue_pattern(nc, s->size);
    nc->flags |= MG_F_SEND_AND_CLOSE;
  }
}

static void test_ten_mib_through_one_byte_limit(void **state) {
  struct mg_mgr mgr;
  struct source src;
  struct sink snk;
  struct mg_connection *lc, *c;
  (void) state;
  memset(&src, 0, sizeof(src));
  memset(&snk, 0, sizeof(snk));
  src.size = 10 * 1024 * 1024;
  mg_mgr_init(&mgr, NULL);
  lc = mg_bind(&mgr, "tcp://127.0.0.1:0", limit_on_accept);
  lc->user_data = &snk;
  c = mg_connect(&mgr, addr_of(lc, "tcp"), sender_on_connect);
  c->user_data = &src;
  POLL_UNTIL(&mgr, snk.rec.closed, 300);
  assert_int_equal(snk.got, src.size);
  assert_int_equal(snk.bad, 0);
  assert_int_equal(snk.max_held, 1);
  assert_int_equal(snk.rec.counts[MG_EV_RECV], src.size); /* one byte each */
  mg_mgr_free(&mgr);
}

/* A slow handler that consumes 1000 bytes per POLL: recv_mbuf never holds
 * more than its limit, and everything still arrives. */
static void slow_on_accept(struct mg_connection *nc, int ev, void *ev_data) {
  if (ev == MG_EV_ACCEPT) nc->recv_mbuf_limit = 4096;
  sink_handler(nc, ev, ev_data);
}

static void test_backpressure_with_slow_handler(void **state) {
  struct mg_mgr mgr;
  struct source src;
  struct sink snk;
  struct mg_connection *lc, *c;
  (void) state;
  memset(&src, 0, sizeof(src));
  memset(&snk, 0, sizeof(snk));
  src.size = 1024 * 1024;
  snk.consume_per_poll = 1000;
  mg_mgr_init(&mgr, NULL);
  lc = mg_bind(&mgr, "tcp://127.0.0.1:0", slow_on_accept);
  lc->user_data = &snk;
  c = mg_connect(&mgr, addr_of(lc, "tcp"), sender_on_connect);
  c->user_data = &src;
  POLL_UNTIL(&mgr, snk.rec.closed, 120);
  assert_int_equal(snk.got, src.size);
  assert_int_equal(snk.bad, 0);
  assert_int_equal(snk.max_held, 4096);
  mg_mgr_free(&mgr);
}

/* send_mbuf is bounded: going past send_mbuf_limit closes the connection
 * loudly (ENOBUFS) instead of growing without end or truncating. */
static void test_send_mbuf_bound(void **state) {
  struct mg_mgr mgr;
  struct source src;
  struct mg_connection *t;
  char buf[600];
  (void) state;
  memset(&src, 0, sizeof(src));
  memset(buf, 'x', sizeof(buf));
  mg_mgr_init(&mgr, NULL);
  t = mg_add_sock(&mgr, INVALID_SOCKET, sender_on_connect);
  t->user_data = &src;
  t->send_mbuf_limit = 1000;
  mg_send(t, buf, sizeof(buf));
  assert_int_equal(t->send_mbuf.len, 600);
  assert_false(t->flags & MG_F_CLOSE_IMMEDIATELY);
  mg_send(t, buf, sizeof(buf));
  assert_int_equal(t->send_mbuf.len, 600); /* nothing partial was queued */
  assert_true(t->flags & MG_F_CLOSE_IMMEDIATELY);
  assert_int_equal(t->err, ENOBUFS);
  mg_mgr_poll(&mgr, 0);
  assert_string_equal(src.rec.log, "CLOSE");
  mg_mgr_free(&mgr);
}

/* send_mbuf_limit 0 means no limit, as in Mongoose 6: a connection struct a
 * program zeroes and fills in itself queues whatever it is given. */
static void test_send_mbuf_limit_zero_is_unlimited(void **state) {
  struct mg_connection nc;
  static char big[100000];
  (void) state;
  memset(&nc, 0, sizeof(nc));
  memset(big, 'y', sizeof(big));
  mg_send(&nc, big, (int) sizeof(big));
  mg_send(&nc, big, (int) sizeof(big));
  assert_int_equal(mg_printf(&nc, "%s", "tail"), 4);
  assert_int_equal(nc.send_mbuf.len, 2 * sizeof(big) + 4);
  assert_int_equal(nc.err, 0);
  assert_false(nc.flags & MG_F_CLOSE_IMMEDIATELY);
  mbuf_free(&nc.send_mbuf);
}

/* A listener with limit 0 hands 0 to what it accepts, which still means no
 * limit: 3 MiB queued at once in ACCEPT all reach the peer. */
static size_t s_accepted_limit = 1;
static int s_close_err = -1;
static void unlimited_source(struct mg_connection *nc, int ev, void *ev_data) {
  if (ev == MG_EV_ACCEPT) s_accepted_limit = nc->send_mbuf_limit;
  if (ev == MG_EV_CLOSE && !(nc->flags & MG_F_LISTENING)) s_close_err = nc->err;
  source_handler(nc, ev, ev_data);
}

static void test_inherited_limit_zero_is_unlimited(void **state) {
  struct mg_mgr mgr;
  struct source src;
  struct sink snk;
  struct mg_connection *lc, *c;
  (void) state;
  memset(&src, 0, sizeof(src));
  memset(&snk, 0, sizeof(snk));
  src.size = 3 * 1024 * 1024;
  src.flags = MG_F_SEND_AND_CLOSE;
  mg_mgr_init(&mgr, NULL);
  lc = mg_bind(&mgr, "tcp://127.0.0.1:0", unlimited_source);
  lc->user_data = &src;
  lc->send_mbuf_limit = 0;
  c = mg_connect(&mgr, addr_of(lc, "tcp"), sink_handler);
  c->user_data = &snk;
  POLL_UNTIL(&mgr, snk.rec.closed && src.rec.closed, 30);
  assert_int_equal(s_accepted_limit, 0);
  assert_int_equal(snk.got, src.size);
  assert_int_equal(snk.bad, 0);
  assert_int_equal(s_close_err, 0);
  assert_int_equal(src.rec.counts[MG_EV_CLOSE], 1);
  mg_mgr_free(&mgr);
}

/* Data queued right before mg_mgr_free() still reaches the peer. The peer
 * lives in a second manager, polled after the first is gone. */
static void test_mgr_free_flushes_queued_data(void **state) {
  struct mg_mgr srv, cli;
  struct source src;
  struct sink snk;
  struct mg_connection *lc, *c;
  (void) state;
  memset(&src, 0, sizeof(src));
  memset(&snk, 0, sizeof(snk));
  mg_mgr_init(&srv, NULL);
  mg_mgr_init(&cli, NULL);
  lc = mg_bind(&srv, "tcp://127.0.0.1:0", source_handler);
  lc->user_data = &src; /* size 0 on ACCEPT: the test queues later */
  c = mg_connect(&cli, addr_of(lc, "tcp"), sink_handler);
  c->user_data = &snk;
  POLL_UNTIL(&cli, snk.rec.counts[MG_EV_CONNECT] == 1, 10);
  POLL_UNTIL(&srv, src.conn != NULL, 10);
  assert_non_null(src.conn);
  src.size = 200 * 1024;
  queue_pattern(src.conn, src.size);
  mg_mgr_free(&srv);
  assert_int_equal(src.rec.counts[MG_EV_CLOSE], 1);
  POLL_UNTIL(&cli, snk.rec.closed, 10);
  assert_int_equal(snk.got, src.size);
  assert_int_equal(snk.bad, 0);
  mg_mgr_free(&cli);
}

static void echo(struct mg_connection *nc, int ev, void *ev_data) {
  (void) ev_data;
  if (ev == MG_EV_RECV) {
    mg_send(nc, nc->recv_mbuf.buf, (int) nc->recv_mbuf.len);
    mbuf_remove(&nc->recv_mbuf, nc->recv_mbuf.len);
  }
}

static int s_echoed;
static void hello_once(struct mg_connection *nc, int ev, void *ev_data) {
  (void) ev_data;
  if (ev == MG_EV_CONNECT) mg_printf(nc, "hexdump me");
  if (ev == MG_EV_RECV && nc->recv_mbuf.len == 10) {
    s_echoed = 1;
    nc->flags |= MG_F_CLOSE_IMMEDIATELY;
  }
}

static void test_hexdump_file(void **state) {
  struct mg_mgr mgr;
  struct mg_connection *lc;
  char path[] = "/tmp/mg-hexdump-XXXXXX", text[8192];
  size_t n;
  FILE *fp;
  int fd = mkstemp(path);
  (void) state;
  assert_true(fd >= 0);
  close(fd);
  s_echoed = 0;
  mg_mgr_init(&mgr, NULL);
  mgr.hexdump_file = path;
  lc = mg_bind(&mgr, "tcp://127.0.0.1:0", echo);
  mg_connect(&mgr, addr_of(lc, "tcp"), hello_once);
  POLL_UNTIL(&mgr, s_echoed, 10);
  mg_mgr_free(&mgr);
  fp = fopen(path, "r");
  assert_non_null(fp);
  n = fread(text, 1, sizeof(text) - 1, fp);
  fclose(fp);
  unlink(path);
  text[n] = '\0';
  /* Four records: client SEND, server RECV, server SEND, client RECV. */
  assert_non_null(strstr(text, "68 65 78 64 75 6d 70 20 6d 65"));
  assert_non_null(strstr(text, "hexdump me"));
  {
    int sends = 0, recvs = 0;
    const char *p;
    for (p = text; (p = strstr(p, " -> ")) != NULL; p++) sends++;
    for (p = text; (p = strstr(p, " <- ")) != NULL; p++) recvs++;
    assert_int_equal(sends, 2);
    assert_int_equal(recvs, 2);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_send_and_close_flushes_first),
      cmocka_unit_test(test_close_immediately_mid_transfer),
      cmocka_unit_test(test_ten_mib_through_one_byte_limit),
      cmocka_unit_test(test_backpressure_with_slow_handler),
      cmocka_unit_test(test_send_mbuf_bound),
      cmocka_unit_test(test_send_mbuf_limit_zero_is_unlimited),
      cmocka_unit_test(test_inherited_limit_zero_is_unlimited),
      cmocka_unit_test(test_mgr_free_flushes_queued_data),
      cmocka_unit_test(test_hexdump_file),
  };
  return cmocka_run_group_tests_name("flow", tests, NULL, NULL);
}
