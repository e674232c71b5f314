/*
 * test_sock_opts.c - the options of the native socket iface
 * (mg_socket_iface_set_opts) on real 127.0.0.1 sockets: capped recv() and
 * send(), socket buffer sizes, and the clock, wait and resolve hooks.
 *
 * A hooked clock stands still unless the test moves it, so these tests never
 * poll "until a time": every loop is bounded by a count of polls instead.
 */
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "testutil.h"

/* Polls until cond holds, at most max_polls times (5 ms of wall clock each
 * at most): bounded whatever the hooked clock does. */
#define LOOP_UNTIL(mgr, cond, max_polls)                              \
  do {                                                                \
    int loop_i_;                                                      \
    for (loop_i_ = 0; loop_i_ < (max_polls) && !(cond); loop_i_++) {  \
      mg_mgr_poll((mgr), 5);                                          \
    }                                                                 \
  } while (0)

#define MAX_POLLS 2000

/* What the hooks see and answer. */
struct hooks {
  double now; /* what the clock hook returns */
  int clock_calls;
  int wait_calls;
  int wait_seen;   /* the last timeout_ms the wait hook was given */
  int wait_return; /* < 0: return min(timeout_ms, 5) */
  int resolve_calls;
  char host[256]; /* the last host name the resolve hook was asked */
  int resolve_rc;
  union socket_address resolve_addr;
  double resolve_delay;
};

static struct hooks s_hooks;

static double hook_clock(void *arg) {
  struct hooks *h = (struct hooks *) arg;
  h->clock_calls++;
  return h->now;
}

static int hook_wait(void *arg, int timeout_ms) {
  struct hooks *h = (struct hooks *) arg;
  h->wait_calls++;
  h->wait_seen = timeout_ms;
  if (h->wait_return >= 0) return h->wait_return;
  return timeout_ms < 5 ? timeout_ms : 5;
}

static int hook_resolve(void *arg, const char *host, union socket_address *addr,
                        double *delay) {
  struct hooks *h = (struct hooks *) arg;
  h->resolve_calls++;
  snprintf(h->host, sizeof(h->host), "%s", host);
  *addr = h->resolve_addr;
  *delay = h->resolve_delay;
  return h->resolve_rc;
}

/* 127.0.0.1 with a port nobody listens on: the hook's port must be ignored. */
static union socket_address loopback_port9(void) {
  union socket_address sa;
  memset(&sa, 0, sizeof(sa));
  sa.sin.sin_family = AF_INET;
  sa.sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sa.sin.sin_port = htons(9);
  return sa;
}

static void set_opts(struct mg_mgr *mgr, const struct mg_socket_iface_opts *o) {
  assert_int_equal(mg_socket_iface_set_opts(mgr->ifaces[0], o), 0);
}

/* One side of a connection: its events and the bytes it received. */
struct side {
  struct rec rec;
  char data[128];
  size_t len;
  char peer[64]; /* the remote address when CONNECT(0) came */
};

static struct side s_srv, s_cli;
static int s_accepts;
static const char *s_to_send; /* what the server queues on ACCEPT */

static void take_bytes(struct side *s, struct mg_connection *nc) {
  size_t n = nc->recv_mbuf.len;
  if (s->len + n < sizeof(s->data)) {
    memcpy(s->data + s->len, nc->recv_mbuf.buf, n);
    s->len += n;
    s->data[s->len] = '\0';
  }
  mbuf_remove(&nc->recv_mbuf, n);
}

/* The server: one accepted connection at most is recorded, in s_srv. */
static void srv_handler(struct mg_connection *nc, int ev, void *ev_data) {
  if (nc->flags & MG_F_LISTENING) return;
  if (ev == MG_EV_ACCEPT) {
    s_accepts++;
    if (s_to_send != NULL) mg_send(nc, s_to_send, (int) strlen(s_to_send));
  }
  rec_add(&s_srv.rec, ev, ev_data);
  if (ev == MG_EV_RECV) take_bytes(&s_srv, nc);
}

/* A client that sends "hello world" and closes once it is flushed. */
static void hello_cli(struct mg_connection *nc, int ev, void *ev_data) {
  rec_add(&s_cli.rec, ev, ev_data);
  if (ev == MG_EV_CONNECT && *(int *) ev_data == 0) {
    mg_printf(nc, "%s", "hello world");
    nc->flags |= MG_F_SEND_AND_CLOSE;
  }
}

/* A client that closes after 20 bytes. */
static void read20_cli(struct mg_connection *nc, int ev, void *ev_data) {
  rec_add(&s_cli.rec, ev, ev_data);
  if (ev == MG_EV_RECV) {
    take_bytes(&s_cli, nc);
    if (s_cli.len >= 20) nc->flags |= MG_F_CLOSE_IMMEDIATELY;
  }
}

/* A client that notes where it got to and closes on CONNECT. */
static void connect_cli(struct mg_connection *nc, int ev, void *ev_data) {
  rec_add(&s_cli.rec, ev, ev_data);
  if (ev == MG_EV_CONNECT) {
    if (*(int *) ev_data == 0) {
      mg_conn_addr_to_str(nc, s_cli.peer, sizeof(s_cli.peer),
                          MG_SOCK_STRINGIFY_IP | MG_SOCK_STRINGIFY_PORT |
                              MG_SOCK_STRINGIFY_REMOTE);
    }
    nc->flags |= MG_F_CLOSE_IMMEDIATELY;
  }
}

static int setup(void **state) {
  (void) state;
  memset(&s_hooks, 0, sizeof(s_hooks));
  s_hooks.wait_return = -1;
  memset(&s_srv, 0, sizeof(s_srv));
  memset(&s_cli, 0, sizeof(s_cli));
  s_accepts = 0;
  s_to_send = NULL;
  return 0;
}

/* ---- 1. max_recv ---------------------------------------------------------- */

static void test_max_recv_one_byte_per_recv(void **state) {
  struct mg_socket_iface_opts o;
  struct mg_mgr mgr;
  struct mg_connection *lc;
  char want[256];
  int i;
  (void) state;
  mg_mgr_init(&mgr, NULL);
  memset(&o, 0, sizeof(o));
  o.max_recv = 1;
  set_opts(&mgr, &o);
  lc = mg_bind(&mgr, "tcp://127.0.0.1:0", srv_handler);
  assert_non_null(lc);
  assert_non_null(mg_connect(&mgr, addr_of(lc, "tcp"), hello_cli));
  LOOP_UNTIL(&mgr, s_cli.rec.closed && s_srv.rec.closed, MAX_POLLS);
  strcpy(want, "ACCEPT");
  for (i = 0; i < 11; i++) strcat(want, " RECV(1)");
  strcat(want, " CLOSE");
  assert_string_equal(s_srv.rec.log, want);
  assert_int_equal(s_srv.rec.counts[MG_EV_RECV], 11);
  assert_int_equal(s_srv.len, 11);
  assert_string_equal(s_srv.data, "hello world");
  assert_string_equal(s_cli.rec.log, "CONNECT(0) SEND(11) CLOSE");
  assert_int_equal(s_srv.rec.after_close + s_cli.rec.after_close, 0);
  mg_mgr_free(&mgr);
}

/* ---- 2. max_send ---------------------------------------------------------- */

static void test_max_send_seven_bytes_per_send(void **state) {
  struct mg_socket_iface_opts o;
  struct mg_mgr mgr;
  struct mg_connection *lc;
  (void) state;
  s_to_send = "0123456789abcdefghij"; /* 20 bytes */
  mg_mgr_init(&mgr, NULL);
  memset(&o, 0, sizeof(o));
  o.max_send = 7;
  set_opts(&mgr, &o);
  lc = mg_bind(&mgr, "tcp://127.0.0.1:0", srv_handler);
  assert_non_null(lc);
  assert_non_null(mg_connect(&mgr, addr_of(lc, "tcp"), read20_cli));
  LOOP_UNTIL(&mgr, s_cli.rec.closed && s_srv.rec.closed, MAX_POLLS);
  assert_string_equal(s_srv.rec.log, "ACCEPT SEND(7) SEND(7) SEND(6) CLOSE");
  assert_int_equal(s_cli.len, 20);
  assert_string_equal(s_cli.data, "0123456789abcdefghij");
  assert_true(s_cli.rec.counts[MG_EV_RECV] >= 1);
  assert_true(strncmp(s_cli.rec.log, "CONNECT(0) RECV(", 16) == 0);
  assert_int_equal(s_cli.rec.counts[MG_EV_CLOSE], 1);
  assert_int_equal(s_srv.rec.after_close + s_cli.rec.after_close, 0);
  mg_mgr_free(&mgr);
}

/* ---- 3. rcvbuf / sndbuf --------------------------------------------------- */

static struct mg_connection *s_accepted;
static void keep_accepted(struct mg_connection *nc, int ev, void *ev_data) {
  (void) ev_data;
  if (ev == MG_EV_ACCEPT) s_accepted = nc;
  if (ev == MG_EV_CLOSE && nc == s_accepted) s_accepted = NULL;
}

static int sockopt(int fd, int name) {
  int v = 0;
  socklen_t len = sizeof(v);
  assert_int_equal(getsockopt(fd, SOL_SOCKET, name, &v, &len), 0);
  return v;
}

static void assert_small_buffers(int fd, int asked, int def_rcv, int def_snd) {
  int rcv = sockopt(fd, SO_RCVBUF), snd = sockopt(fd, SO_SNDBUF);
  assert_true(rcv >= asked);
  assert_true(rcv < def_rcv);
  assert_true(snd >= asked);
  assert_true(snd < def_snd);
}

static void test_socket_buffer_sizes(void **state) {
  struct mg_socket_iface_opts o;
  struct mg_mgr mgr;
  struct mg_connection *before, *lc, *c, *after;
  int fd, def_rcv, def_snd;
  (void) state;
  s_accepted = NULL;
  /* The kernel's defaults, from a socket made without the option. */
  fd = socket(AF_INET, SOCK_STREAM, 0);
  assert_true(fd >= 0);
  def_rcv = sockopt(fd, SO_RCVBUF);
  def_snd = sockopt(fd, SO_SNDBUF);
  close(fd);
  if (def_rcv <= 2 * 4096 || def_snd <= 2 * 4096) {
    skip(); /* defaults too small for 4096 to make a visible difference */
  }

  mg_mgr_init(&mgr, NULL);
  before = mg_bind(&mgr, "tcp://127.0.0.1:0", NULL); /* opened before the opts */
  assert_non_null(before);
  memset(&o, 0, sizeof(o));
  o.rcvbuf = 4096;
  o.sndbuf = 4096;
  set_opts(&mgr, &o);
  lc = mg_bind(&mgr, "tcp://127.0.0.1:0", keep_accepted);
  assert_non_null(lc);
  c = mg_connect(&mgr, addr_of(lc, "tcp"), keep_accepted);
  assert_non_null(c);
  LOOP_UNTIL(&mgr, s_accepted != NULL && !(c->flags & MG_F_CONNECTING), MAX_POLLS);
  assert_non_null(s_accepted);
  assert_false(c->flags & MG_F_CONNECTING);
  assert_int_equal(c->err, 0);
  assert_small_buffers(lc->sock, 4096, def_rcv, def_snd);
  assert_small_buffers(s_accepted->sock, 4096, def_rcv, def_snd);
  assert_small_buffers(c->sock, 4096, def_rcv, def_snd);
  /* Sockets opened before the opts keep the kernel's sizes... */
  assert_int_equal(sockopt(before->sock, SO_RCVBUF), def_rcv);
  assert_int_equal(sockopt(before->sock, SO_SNDBUF), def_snd);
  /* ...and so do those opened once the sizes are back to 0. */
  memset(&o, 0, sizeof(o));
  set_opts(&mgr, &o);
  after = mg_bind(&mgr, "tcp://127.0.0.1:0", NULL);
  assert_non_null(after);
  assert_int_equal(sockopt(after->sock, SO_RCVBUF), def_rcv);
  assert_int_equal(sockopt(after->sock, SO_SNDBUF), def_snd);
  mg_mgr_free(&mgr);
}

/* ---- 4. clock hook -------------------------------------------------------- */

static struct rec s_trec;
static double s_timer_stamp;
static time_t s_poll_time;
static void timer_handler(struct mg_connection *nc, int ev, void *ev_data) {
  (void) nc;
  rec_add(&s_trec, ev, ev_data);
  if (ev == MG_EV_TIMER) s_timer_stamp = *(double *) ev_data;
  if (ev == MG_EV_POLL) s_poll_time = *(time_t *) ev_data;
}

static void poll_times(struct mg_mgr *mgr, int n) {
  int i;
  for (i = 0; i < n; i++) mg_mgr_poll(mgr, 1);
}

static void test_clock_hook_drives_time_and_timers(void **state) {
  struct mg_socket_iface_opts o;
  struct mg_mgr mgr;
  struct mg_connection *lc;
  const double t0 = 12345.25;
  (void) state;
  memset(&s_trec, 0, sizeof(s_trec));
  s_timer_stamp = 0;
  s_poll_time = 0;
  s_hooks.now = t0;
  mg_mgr_init(&mgr, NULL);
  memset(&o, 0, sizeof(o));
  o.clock = hook_clock;
  o.arg = &s_hooks;
  set_opts(&mgr, &o);
  assert_true(mg_time() == t0);
  assert_true(s_hooks.clock_calls > 0);
  lc = mg_bind(&mgr, "tcp://127.0.0.1:0", timer_handler);
  assert_non_null(lc);
  assert_true(mg_set_timer(lc, t0 + 1.0) == 0);

  poll_times(&mgr, 5);
  assert_int_equal(s_trec.counts[MG_EV_TIMER], 0);
  assert_true(s_trec.counts[MG_EV_POLL] >= 5);
  assert_int_equal(s_poll_time, (time_t) t0); /* POLL carries the hooked time */
  s_hooks.now = t0 + 0.5;
  poll_times(&mgr, 5);
  assert_int_equal(s_trec.counts[MG_EV_TIMER], 0);
  assert_true(mg_time() == t0 + 0.5);
  s_hooks.now = t0 + 0.999;
  poll_times(&mgr, 5);
  assert_int_equal(s_trec.counts[MG_EV_TIMER], 0);
  assert_true(lc->ev_timer_time == t0 + 1.0); /* still armed */

  s_hooks.now = t0 + 1.5;
  mg_mgr_poll(&mgr, 1);
  assert_int_equal(s_trec.counts[MG_EV_TIMER], 1);
  assert_true(s_timer_stamp == t0 + 1.0);
  assert_int_equal(s_poll_time, (time_t) (t0 + 1.5));
  poll_times(&mgr, 5); /* one-shot */
  assert_int_equal(s_trec.counts[MG_EV_TIMER], 1);
  mg_mgr_free(&mgr);
}

/* ---- 5. wait_ms hook ------------------------------------------------------ */

static void test_wait_hook_sees_engine_wait(void **state) {
  struct mg_socket_iface_opts o;
  struct mg_mgr mgr;
  struct mg_connection *lc;
  int calls;
  (void) state;
  s_hooks.wait_return = 0; /* never sleep */
  mg_mgr_init(&mgr, NULL);
  memset(&o, 0, sizeof(o));
  o.wait_ms = hook_wait;
  o.arg = &s_hooks;
  set_opts(&mgr, &o);
  lc = mg_bind(&mgr, "tcp://127.0.0.1:0", NULL);
  assert_non_null(lc);

  /* No timer: the engine's wait is the caller's. */
  mg_mgr_poll(&mgr, 50);
  assert_int_equal(s_hooks.wait_calls, 1);
  assert_int_equal(s_hooks.wait_seen, 50);
  mg_mgr_poll(&mgr, 0);
  assert_int_equal(s_hooks.wait_calls, 2);
  assert_int_equal(s_hooks.wait_seen, 0);

  /* With the clock hooked too, the wait is in milliseconds of that clock:
   * a timer 0.25 s of it away cuts a longer wait to 250. */
  s_hooks.now = 2000.0;
  o.clock = hook_clock;
  set_opts(&mgr, &o);
  mg_set_timer(lc, 2000.25);
  calls = s_hooks.wait_calls;
  mg_mgr_poll(&mgr, 1000);
  assert_int_equal(s_hooks.wait_calls, calls + 1);
  assert_int_equal(s_hooks.wait_seen, 250);
  mg_mgr_poll(&mgr, 100); /* a shorter wait of the caller stays as is */
  assert_int_equal(s_hooks.wait_calls, calls + 2);
  assert_int_equal(s_hooks.wait_seen, 100);
  s_hooks.now = 2000.125;
  mg_mgr_poll(&mgr, 1000);
  assert_int_equal(s_hooks.wait_calls, calls + 3);
  assert_int_equal(s_hooks.wait_seen, 125);
  mg_mgr_free(&mgr);
}

/* ---- 6. resolve hook ------------------------------------------------------ */

/* A manager with the resolve hook (and, if asked, the clock and wait hooks)
 * and a listener on a free port, whose address is written to addr as
 * "tcp://HOST:PORT". */
static struct mg_connection *resolve_setup(struct mg_mgr *mgr, int with_clock,
                                           const char *host, char *addr,
                                           size_t addr_len) {
  struct mg_socket_iface_opts o;
  struct mg_connection *lc;
  mg_mgr_init(mgr, NULL);
  memset(&o, 0, sizeof(o));
  o.resolve = hook_resolve;
  if (with_clock) {
    o.clock = hook_clock;
    o.wait_ms = hook_wait;
  }
  o.arg = &s_hooks;
  set_opts(mgr, &o);
  lc = mg_bind(mgr, "tcp://127.0.0.1:0", srv_handler);
  assert_non_null(lc);
  snprintf(addr, addr_len, "tcp://%s:%d", host, local_port(lc));
  return lc;
}

static void test_resolve_hook_answers_address(void **state) {
  struct mg_mgr mgr;
  struct mg_connection *lc, *c;
  char addr[128], want[64];
  (void) state;
  s_hooks.resolve_rc = 0;
  s_hooks.resolve_addr = loopback_port9();
  lc = resolve_setup(&mgr, 0, "example.invalid", addr, sizeof(addr));
  c = mg_connect(&mgr, addr, connect_cli);
  assert_non_null(c);
  /* Asked at once, answered from the poll. */
  assert_int_equal(s_hooks.resolve_calls, 1);
  assert_string_equal(s_hooks.host, "example.invalid");
  assert_true(c->flags & MG_F_RESOLVING);
  assert_int_equal(s_cli.rec.counts[MG_EV_CONNECT], 0);
  LOOP_UNTIL(&mgr, s_cli.rec.closed && s_srv.rec.closed, MAX_POLLS);
  assert_string_equal(s_cli.rec.log, "CONNECT(0) CLOSE");
  /* The listener's port, not the hook's 9. */
  snprintf(want, sizeof(want), "127.0.0.1:%d", local_port(lc));
  assert_string_equal(s_cli.peer, want);
  assert_int_equal(s_accepts, 1);
  assert_string_equal(s_srv.rec.log, "ACCEPT CLOSE");
  assert_int_equal(s_hooks.resolve_calls, 1);
  mg_mgr_free(&mgr);
}

static void test_resolve_hook_errors(void **state) {
  static const int errs[] = {ECONNREFUSED, EHOSTUNREACH};
  size_t i;
  (void) state;
  for (i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
    struct mg_mgr mgr;
    char addr[128], want[64];
    setup(NULL);
    s_hooks.resolve_rc = errs[i];
    s_hooks.resolve_addr = loopback_port9();
    resolve_setup(&mgr, 0, "fails.example.invalid", addr, sizeof(addr));
    assert_non_null(mg_connect(&mgr, addr, connect_cli));
    assert_int_equal(s_hooks.resolve_calls, 1);
    assert_string_equal(s_hooks.host, "fails.example.invalid");
    LOOP_UNTIL(&mgr, s_cli.rec.closed, MAX_POLLS);
    snprintf(want, sizeof(want), "CONNECT(%d) CLOSE", errs[i]);
    assert_string_equal(s_cli.rec.log, want);
    poll_times(&mgr, 5);
    assert_int_equal(s_accepts, 0); /* nothing was connected */
    mg_mgr_free(&mgr);
  }
}

static void test_resolve_hook_silent_times_out(void **state) {
  struct mg_connect_opts co;
  struct mg_mgr mgr;
  struct mg_connection *c;
  char addr[128], want[64];
  (void) state;
  s_hooks.now = 500.0;
  s_hooks.resolve_rc = MG_RESOLVE_SILENT;
  resolve_setup(&mgr, 1, "silent.invalid", addr, sizeof(addr));
  memset(&co, 0, sizeof(co));
  co.resolve_timeout = 0.5;
  c = mg_connect_opt(&mgr, addr, connect_cli, co);
  assert_non_null(c);
  assert_int_equal(s_hooks.resolve_calls, 1);
  assert_string_equal(s_hooks.host, "silent.invalid");
  /* The hooked clock stands still: no answer, no timeout. */
  poll_times(&mgr, 10);
  assert_string_equal(s_cli.rec.log, "");
  assert_true(c->flags & MG_F_RESOLVING);
  s_hooks.now = 500.4;
  poll_times(&mgr, 10);
  assert_string_equal(s_cli.rec.log, "");
  assert_true(c->flags & MG_F_RESOLVING);
  /* Past the resolve timeout of that clock. */
  s_hooks.now = 500.6;
  LOOP_UNTIL(&mgr, s_cli.rec.closed, MAX_POLLS);
  snprintf(want, sizeof(want), "CONNECT(%d) CLOSE", ETIMEDOUT);
  assert_string_equal(s_cli.rec.log, want);
  assert_int_equal(s_accepts, 0);
  assert_int_equal(s_hooks.resolve_calls, 1);
  mg_mgr_free(&mgr);
}

static void test_resolve_hook_delay_follows_clock(void **state) {
  struct mg_connect_opts co;
  struct mg_mgr mgr;
  struct mg_connection *lc, *c;
  char addr[128], want[64];
  (void) state;
  s_hooks.now = 1000.0;
  s_hooks.resolve_rc = 0;
  s_hooks.resolve_addr = loopback_port9();
  s_hooks.resolve_delay = 2.0;
  lc = resolve_setup(&mgr, 1, "slow.example.invalid", addr, sizeof(addr));
  memset(&co, 0, sizeof(co));
  co.resolve_timeout = 10.0;
  c = mg_connect_opt(&mgr, addr, connect_cli, co);
  assert_non_null(c);
  assert_int_equal(s_hooks.resolve_calls, 1);
  assert_string_equal(s_hooks.host, "slow.example.invalid");

  /* The wait is cut to when the answer is due (2 s of the clock), not to
   * the resolve timeout (10 s) nor the caller's 5 s. */
  mg_mgr_poll(&mgr, 5000);
  assert_int_equal(s_hooks.wait_seen, 2000);
  poll_times(&mgr, 10);
  assert_string_equal(s_cli.rec.log, "");
  assert_true(c->flags & MG_F_RESOLVING);

  s_hooks.now = 1001.5;
  mg_mgr_poll(&mgr, 5000);
  assert_int_equal(s_hooks.wait_seen, 500);
  poll_times(&mgr, 10);
  assert_string_equal(s_cli.rec.log, "");
  assert_true(c->flags & MG_F_RESOLVING);
  assert_int_equal(s_accepts, 0);

  s_hooks.now = 1002.5;
  LOOP_UNTIL(&mgr, s_cli.rec.closed && s_srv.rec.closed, MAX_POLLS);
  assert_string_equal(s_cli.rec.log, "CONNECT(0) CLOSE");
  snprintf(want, sizeof(want), "127.0.0.1:%d", local_port(lc));
  assert_string_equal(s_cli.peer, want);
  assert_int_equal(s_accepts, 1);
  assert_int_equal(s_hooks.resolve_calls, 1);
  mg_mgr_free(&mgr);
}

/* MG_RESOLVE_PASS: the system resolver answers. "0x7f000001" is a name to
 * the engine (not dotted-quad), and getaddrinfo() reads it as 127.0.0.1
 * without any DNS or hosts file. Numeric addresses and "localhost" never
 * reach the resolver, so the hook is not asked for them. */
static void test_resolve_hook_pass_and_numeric(void **state) {
  struct mg_mgr mgr;
  struct mg_connection *lc, *c;
  char addr[128], want[64];
  const char *numeric[2];
  int i;
  (void) state;
  s_hooks.resolve_rc = MG_RESOLVE_PASS;
  lc = resolve_setup(&mgr, 0, "0x7f000001", addr, sizeof(addr));
  c = mg_connect(&mgr, addr, connect_cli);
  assert_non_null(c);
  assert_int_equal(s_hooks.resolve_calls, 1);
  assert_string_equal(s_hooks.host, "0x7f000001");
  assert_true(c->flags & MG_F_RESOLVING);
  LOOP_UNTIL(&mgr, s_cli.rec.closed && s_srv.rec.closed, MAX_POLLS);
  assert_string_equal(s_cli.rec.log, "CONNECT(0) CLOSE");
  snprintf(want, sizeof(want), "127.0.0.1:%d", local_port(lc));
  assert_string_equal(s_cli.peer, want);
  assert_int_equal(s_accepts, 1);

  numeric[0] = "127.0.0.1";
  numeric[1] = "localhost";
  for (i = 0; i < 2; i++) {
    memset(&s_cli, 0, sizeof(s_cli));
    memset(&s_srv, 0, sizeof(s_srv));
    snprintf(addr, sizeof(addr), "tcp://%s:%d", numeric[i], local_port(lc));
    c = mg_connect(&mgr, addr, connect_cli);
    assert_non_null(c);
    assert_false(c->flags & MG_F_RESOLVING);
    LOOP_UNTIL(&mgr, s_cli.rec.closed && s_srv.rec.closed, MAX_POLLS);
    assert_string_equal(s_cli.rec.log, "CONNECT(0) CLOSE");
    assert_string_equal(s_cli.peer, want);
    assert_int_equal(s_accepts, 2 + i);
    assert_int_equal(s_hooks.resolve_calls, 1); /* not asked again */
  }
  mg_mgr_free(&mgr);
}

/* ---- 7. EINVAL ------------------------------------------------------------ */

static void test_set_opts_rejects_bad_arguments(void **state) {
  static struct mg_iface_vtable other_vtable; /* zeroed: not the socket iface */
  struct mg_socket_iface_opts o;
  struct mg_iface other;
  struct mg_mgr mgr;
  (void) state;
  mg_mgr_init(&mgr, NULL);
  s_hooks.now = 777.0;
  memset(&o, 0, sizeof(o));
  o.clock = hook_clock;
  o.arg = &s_hooks;
  set_opts(&mgr, &o);
  assert_true(mg_time() == 777.0);

  assert_int_equal(mg_socket_iface_set_opts(mgr.ifaces[0], NULL), EINVAL);
  assert_int_equal(mg_socket_iface_set_opts(NULL, &o), EINVAL);
  memset(&o, 0, sizeof(o)); /* a rejected call must change nothing */
  o.rcvbuf = -1;
  assert_int_equal(mg_socket_iface_set_opts(mgr.ifaces[0], &o), EINVAL);
  o.rcvbuf = 0;
  o.sndbuf = -4096;
  assert_int_equal(mg_socket_iface_set_opts(mgr.ifaces[0], &o), EINVAL);
  memset(&other, 0, sizeof(other));
  other.mgr = &mgr;
  other.data = mgr.ifaces[0]->data; /* even with a socket iface's data */
  other.vtable = &other_vtable;
  o.sndbuf = 0;
  assert_int_equal(mg_socket_iface_set_opts(&other, &o), EINVAL);
  assert_true(mg_time() == 777.0); /* the hooked clock is still in place */

  /* A valid call does replace the options: the real clock is back. */
  assert_int_equal(mg_socket_iface_set_opts(mgr.ifaces[0], &o), 0);
  assert_true(mg_time() > 1e9);
  mg_mgr_free(&mgr);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup(test_max_recv_one_byte_per_recv, setup),
      cmocka_unit_test_setup(test_max_send_seven_bytes_per_send, setup),
      cmocka_unit_test_setup(test_socket_buffer_sizes, setup),
      cmocka_unit_test_setup(test_clock_hook_drives_time_and_timers, setup),
      cmocka_unit_test_setup(test_wait_hook_sees_engine_wait, setup),
      cmocka_unit_test_setup(test_resolve_hook_answers_address, setup),
      cmocka_unit_test_setup(test_resolve_hook_errors, setup),
      cmocka_unit_test_setup(test_resolve_hook_silent_times_out, setup),
      cmocka_unit_test_setup(test_resolve_hook_delay_follows_clock, setup),
      cmocka_unit_test_setup(test_resolve_hook_pass_and_numeric, setup),
      cmocka_unit_test_setup(test_set_opts_rejects_bad_arguments, setup),
  };
  return cmocka_run_group_tests_name("sock_opts", tests, NULL, NULL);
}
