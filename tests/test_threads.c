/*
 * test_threads.c - what crosses threads on the native iface: mg_broadcast
 * from several threads, mg_socketpair with mg_add_sock and mg_start_thread,
 * and host names resolved off the loop (plus a resolve timeout, driven by a
 * fault-injecting iface that never answers).
 */
#include <errno.h>
#include <unistd.h>

#include "testutil.h"

#define NCONNS 10
#define NTHREADS 4
#define PER_THREAD 25

struct bmsg {
  int thread;
  int hits; /* incremented on the poll thread by the callback */
};

static int s_per_conn[NCONNS][NTHREADS];

static void on_broadcast(struct mg_connection *nc, int ev, void *ev_data) {
  struct bmsg *m = (struct bmsg *) ev_data;
  int i = (int) (intptr_t) nc->user_data;
  assert_int_equal(ev, MG_EV_POLL);
  s_per_conn[i][m->thread]++;
  m->hits++;
}

struct bthread {
  struct mg_mgr *mgr;
  int id;
  int not_done_on_return; /* broadcasts that returned before their callbacks */
  volatile int finished;
};

static void *broadcaster(void *arg) {
  struct bthread *t = (struct bthread *) arg;
  int i;
  for (i = 0; i < PER_THREAD; i++) {
    struct bmsg m = {t->id, 0};
    mg_broadcast(t->mgr, on_broadcast, &m, sizeof(m));
    /* The poll thread ran every callback before mg_broadcast returned. */
    if (m.hits != NCONNS) t->not_done_on_return++;
  }
  __atomic_store_n(&t->finished, 1, __ATOMIC_RELEASE);
  return NULL;
}

static int all_finished(struct bthread *t) {
  int i;
  for (i = 0; i < NTHREADS; i++) {
    if (!__atomic_load_n(&t[i].finished, __ATOMIC_ACQUIRE)) return 0;
  }
  return 1;
}

static void test_broadcast_from_four_threads(void **state) {
  struct mg_mgr mgr;
  struct bthread t[NTHREADS];
  int i, j;
  (void) state;
  memset(s_per_conn, 0, sizeof(s_per_conn));
  mg_mgr_init(&mgr, NULL);
  for (i = 0; i < NCONNS; i++) {
    mg_add_sock(&mgr, INVALID_SOCKET, NULL)->user_data = (void *) (intptr_t) i;
  }
  for (i = 0; i < NTHREADS; i++) {
    t[i].mgr = &mgr;
    t[i].id = i;
    t[i].not_done_on_return = 0;
    t[i].finished = 0;
    assert_non_null(mg_start_thread(broadcaster, &t[i]));
  }
  POLL_UNTIL(&mgr, all_finished(t), 30);
  assert_true(all_finished(t));
  for (i = 0; i < NTHREADS; i++) {
    assert_int_equal(t[i].not_done_on_return, 0);
    for (j = 0; j < NCONNS; j++) assert_int_equal(s_per_conn[j][i], PER_THREAD);
  }
  mg_mgr_free(&mgr);
}

/* Called from a handler on the poll thread itself, it runs at once. */
static int s_inline_hits;
static void count_inline(struct mg_connection *nc, int ev, void *ev_data) {
  (void) nc;
  (void) ev;
  (void) ev_data;
  s_inline_hits++;
}

static void broadcast_from_timer(struct mg_connection *nc, int ev,
                                 void *ev_data) {
  (void) ev_data;
  if (ev == MG_EV_TIMER) mg_broadcast(nc->mgr, count_inline, NULL, 0);
}

static void test_broadcast_from_poll_thread(void **state) {
  struct mg_mgr mgr;
  (void) state;
  s_inline_hits = 0;
  mg_mgr_init(&mgr, NULL);
  mg_set_timer(mg_add_sock(&mgr, INVALID_SOCKET, broadcast_from_timer), 1);
  mg_add_sock(&mgr, INVALID_SOCKET, NULL);
  mg_mgr_poll(&mgr, 0);
  assert_int_equal(s_inline_hits, 2);
  mg_mgr_free(&mgr);
}

/* A socketpair end adopted with mg_add_sock, fed by another thread. */
static void *writer(void *arg) {
  int fd = (int) (intptr_t) arg;
  const char msg[] = "from another thread";
  ssize_t n = write(fd, msg, sizeof(msg) - 1);
  (void) n;
  close(fd);
  return NULL;
}

static char s_got[64];
static int s_closed;
static void collect(struct mg_connection *nc, int ev, void *ev_data) {
  (void) ev_data;
  if (ev == MG_EV_RECV) {
    strncat(s_got, nc->recv_mbuf.buf,
            nc->recv_mbuf.len < sizeof(s_got) - strlen(s_got) - 1
                ? nc->recv_mbuf.len
                : sizeof(s_got) - strlen(s_got) - 1);
    mbuf_remove(&nc->recv_mbuf, nc->recv_mbuf.len);
  }
  if (ev == MG_EV_CLOSE) s_closed = 1;
}

static void test_socketpair_add_sock_thread(void **state) {
  struct mg_mgr mgr;
  sock_t sp[2];
  (void) state;
  s_got[0] = '\0';
  s_closed = 0;
  assert_int_equal(mg_socketpair(sp, SOCK_STREAM), 1);
  mg_mgr_init(&mgr, NULL);
  assert_non_null(mg_add_sock(&mgr, sp[0], collect));
  assert_non_null(mg_start_thread(writer, (void *) (intptr_t) sp[1]));
  POLL_UNTIL(&mgr, s_closed, 10);
  assert_string_equal(s_got, "from another thread");
  mg_mgr_free(&mgr);
}

/* Host names: resolved on a thread, MG_F_RESOLVING meanwhile. */
static struct rec s_rec;
static void record(struct mg_connection *nc, int ev, void *ev_data) {
  rec_add(&s_rec, ev, ev_data);
  if (ev == MG_EV_CONNECT) nc->flags |= MG_F_CLOSE_IMMEDIATELY;
}

static void test_resolve_host_name(void **state) {
  struct mg_mgr mgr;
  struct mg_connection *lc, *c;
  char host[128], ip[64], addr[200];
  (void) state;
  memset(&s_rec, 0, sizeof(s_rec));
  assert_int_equal(gethostname(host, sizeof(host)), 0);
  if (!mg_resolve(host, ip, sizeof(ip)) || strcmp(ip, "127.0.0.1") != 0) {
    skip(); /* this machine's name is not a loopback alias */
  }
  mg_mgr_init(&mgr, NULL);
  lc = mg_bind(&mgr, "tcp://127.0.0.1:0", NULL);
  snprintf(addr, sizeof(addr), "tcp://%s:%d", host, local_port(lc));
  c = mg_connect(&mgr, addr, record);
  assert_non_null(c);
  assert_true(c->flags & MG_F_RESOLVING);
  POLL_UNTIL(&mgr, s_rec.closed, 10);
  assert_string_equal(s_rec.log, "CONNECT(0) CLOSE");
  mg_mgr_free(&mgr);
}

static void test_resolve_failure(void **state) {
  struct mg_mgr mgr;
  char want[64];
  (void) state;
  memset(&s_rec, 0, sizeof(s_rec));
  mg_mgr_init(&mgr, NULL);
  assert_non_null(mg_connect(&mgr, "no-such-host.invalid:80", record));
  POLL_UNTIL(&mgr, s_rec.closed, 30);
  snprintf(want, sizeof(want), "CONNECT(%d) CLOSE", EHOSTUNREACH);
  assert_string_equal(s_rec.log, want);
  mg_mgr_free(&mgr);
}

/* The fault-injecting iface: the socket iface, but names never resolve. */
static int never_resolve(struct mg_connection *nc, const char *host) {
  (void) nc;
  (void) host;
  return 0;
}

static void test_resolve_timeout(void **state) {
  static struct mg_iface_vtable silent_dns;
  struct mg_mgr_init_opts opts;
  struct mg_connect_opts co;
  struct mg_mgr mgr;
  struct mg_connection *c;
  char want[64];
  double start;
  (void) state;
  silent_dns = mg_socket_iface_vtable;
  silent_dns.resolve = never_resolve;
  memset(&opts, 0, sizeof(opts));
  opts.main_iface = &silent_dns;
  memset(&co, 0, sizeof(co));
  co.resolve_timeout = 0.05;
  memset(&s_rec, 0, sizeof(s_rec));
  mg_mgr_init_opt(&mgr, NULL, opts);
  start = mg_time();
  c = mg_connect_opt(&mgr, "tcp://silent.example:80", record, co);
  assert_non_null(c);
  assert_true(c->flags & MG_F_RESOLVING);
  POLL_UNTIL(&mgr, s_rec.closed, 10);
  snprintf(want, sizeof(want), "CONNECT(%d) CLOSE", ETIMEDOUT);
  assert_string_equal(s_rec.log, want);
  assert_true(mg_time() - start >= 0.05);
  mg_mgr_free(&mgr);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_broadcast_from_four_threads),
      cmocka_unit_test(test_broadcast_from_poll_thread),
      cmocka_unit_test(test_socketpair_add_sock_thread),
      cmocka_unit_test(test_resolve_host_name),
      cmocka_unit_test(test_resolve_failure),
      cmocka_unit_test(test_resolve_timeout),
  };
  return cmocka_run_group_tests_name("threads", tests, NULL, NULL);
}
