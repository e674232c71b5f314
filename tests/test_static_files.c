/*
 * test_static_files.c - mg_serve_http over real sockets (127.0.0.1): a file
 * changed on disk is served as it is now, however the change was made, and
 * a large file sent by the native iface's tcp_send_file arrives whole and
 * in order, for Range requests too, and with a peer slow enough that the
 * socket fills up.
 *
 * The server keeps small files in memory once they have not changed for a
 * while. Most tests run its manager on the socket iface with a clock an
 * hour ahead, so that every file counts as old and the cache is always in
 * play; what keeps a change from going unseen is then the stat of every
 * request alone. One test runs on the true clock, where a file written a
 * moment ago must not be trusted to show a rewrite in its timestamps.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

#define BIG_SIZE (8 * 1024 * 1024)
#define SMALL_SIZE 4096

struct fx {
  struct mg_mgr mgr;
  struct mg_connection *lc;
  char root[64];
  char *resp; /* the last reply, head and body */
  size_t resp_len, resp_cap;
  size_t head_len;
};

static struct mg_serve_http_opts s_opts;
static struct mg_iface_vtable s_ahead; /* the socket iface, an hour ahead */

static double ahead_now(struct mg_iface *iface) {
  return mg_socket_iface_vtable.now(iface) + 3600.0;
}

static void handler(struct mg_connection *nc, int ev, void *ev_data) {
  if (ev == MG_EV_HTTP_REQUEST) mg_serve_http(nc, (struct http_message *) ev_data, s_opts);
}

static void path_of(const struct fx *f, const char *name, char *out, size_t len) {
  snprintf(out, len, "%s/%s", f->root, name);
}

/* Writes the file in place (same inode), or by rename (a new one). */
static void write_file(const struct fx *f, const char *name, const void *data, size_t n,
                       int by_rename) {
  char path[128], tmp[160];
  FILE *fp;
  path_of(f, name, path, sizeof(path));
  snprintf(tmp, sizeof(tmp), "%s.tmp", path);
  fp = fopen(by_rename ? tmp : path, "wb");
  assert_non_null(fp);
  assert_int_equal(fwrite(data, 1, n, fp), n);
  assert_int_equal(fclose(fp), 0);
  if (by_rename) assert_int_equal(rename(tmp, path), 0);
}

static void fill(char *buf, size_t n, unsigned seed) {
  size_t i;
  unsigned x = seed * 2654435761u + 1;
  for (i = 0; i < n; i++) {
    x = x * 1103515245u + 12345u;
    buf[i] = (char) (x >> 16);
  }
}

/* Sets the modification time, to the nanosecond. */
static void set_mtime(const struct fx *f, const char *name, struct timespec t) {
  char path[128];
  struct timespec ts[2];
  path_of(f, name, path, sizeof(path));
  ts[0] = t;
  ts[1] = t;
  assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
}

static struct timespec get_mtime(const struct fx *f, const char *name) {
  char path[128];
  struct stat st;
  path_of(f, name, path, sizeof(path));
  assert_int_equal(stat(path, &st), 0);
  return st.st_mtim;
}

/* A file system stamps times from a clock that ticks: a change right after
 * another may carry the very same stamps. The cache is made for that (it
 * trusts no file changed in the last seconds), but the tests that move the
 * clock ahead bypass that guard, so their changes wait for the next tick. */
static void next_tick(void) {
  struct timespec ts = {0, 30 * 1000 * 1000};
  nanosleep(&ts, NULL);
}

static void setup_mgr(struct fx *f, int clock_ahead) {
  struct mg_mgr_init_opts o;
  char addr[32];
  memset(&o, 0, sizeof(o));
  if (clock_ahead) {
    s_ahead = mg_socket_iface_vtable;
    s_ahead.now = ahead_now;
    o.main_iface = &s_ahead;
  }
  mg_mgr_init_opt(&f->mgr, NULL, o);
  snprintf(addr, sizeof(addr), "127.0.0.1:0");
  f->lc = mg_bind(&f->mgr, addr, handler);
  assert_non_null(f->lc);
  mg_set_protocol_http_websocket(f->lc);
}

static int setup(void **state) {
  struct fx *f = (struct fx *) calloc(1, sizeof(*f));
  if (f == NULL) return -1;
  snprintf(f->root, sizeof(f->root), "/tmp/mg_static_XXXXXX");
  if (mkdtemp(f->root) == NULL) return -1;
  memset(&s_opts, 0, sizeof(s_opts));
  s_opts.document_root = f->root;
  *state = f;
  return 0;
}

static int teardown(void **state) {
  struct fx *f = (struct fx *) *state;
  static const char *names[] = {"small.txt", "big.bin", "index.html"};
  size_t i;
  mg_mgr_free(&f->mgr);
  for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    char path[128];
    path_of(f, names[i], path, sizeof(path));
    unlink(path);
  }
  rmdir(f->root);
  free(f->resp);
  free(f);
  return 0;
}

static int client_connect(struct fx *f, int rcvbuf) {
  struct sockaddr_in sa;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  assert_true(fd >= 0);
  if (rcvbuf > 0) {
    assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)), 0);
  }
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t) local_port(f->lc));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  assert_int_equal(connect(fd, (struct sockaddr *) &sa, sizeof(sa)), 0);
  assert_int_equal(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK), 0);
  return fd;
}

static void take(struct fx *f, const char *buf, size_t n) {
  if (f->resp_len + n + 1 > f->resp_cap) {
    f->resp_cap = (f->resp_len + n + 1) * 2;
    f->resp = (char *) realloc(f->resp, f->resp_cap);
    assert_non_null(f->resp);
  }
  memcpy(f->resp + f->resp_len, buf, n);
  f->resp_len += n;
  f->resp[f->resp_len] = '\0';
}

/* The body's length per the head, once the head is in; -1 before. */
static long long body_len(struct fx *f) {
  const char *end = f->resp != NULL ? strstr(f->resp, "\r\n\r\n") : NULL;
  const char *cl;
  if (end == NULL) return -1;
  f->head_len = (size_t) (end - f->resp) + 4;
  cl = strstr(f->resp, "Content-Length: ");
  if (cl == NULL || cl > end) return 0;
  return atoll(cl + 16);
}

/* Sends req on a connection of its own and gathers one reply into f->resp,
 * polling the server in between. A client that waits first lets the
 * server's socket fill up. Returns the status. */
static int fetch_on(struct fx *f, int fd, const char *req, int is_head, int wait_polls) {
  double deadline = mg_time() + 30;
  int i;
  f->resp_len = 0;
  f->head_len = 0;
  if (f->resp != NULL) f->resp[0] = '\0';
  assert_int_equal(send(fd, req, strlen(req), 0), (ssize_t) strlen(req));
  for (i = 0; i < wait_polls; i++) mg_mgr_poll(&f->mgr, 1);
  for (;;) {
    char buf[65536];
    ssize_t n;
    long long want;
    mg_mgr_poll(&f->mgr, 0);
    while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) take(f, buf, (size_t) n);
    want = body_len(f);
    if (want >= 0 && (is_head || f->resp_len >= f->head_len + (size_t) want)) break;
    assert_true(n != 0);
    assert_true(mg_time() < deadline);
  }
  assert_true(f->resp_len >= 12);
  return atoi(f->resp + 9);
}

static int fetch(struct fx *f, const char *req) {
  int fd = client_connect(f, 0), status;
  status = fetch_on(f, fd, req, strncmp(req, "HEAD", 4) == 0, 0);
  close(fd);
  return status;
}

static int get(struct fx *f, const char *uri) {
  char req[256];
  snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", uri);
  return fetch(f, req);
}

static void assert_body(const struct fx *f, const char *data, size_t n) {
  assert_int_equal(f->resp_len - f->head_len, n);
  assert_memory_equal(f->resp + f->head_len, data, n);
}

static const char *header(const struct fx *f, const char *name, char *out, size_t len) {
  const char *p = strstr(f->resp, name);
  size_t n;
  assert_non_null(p);
  p += strlen(name);
  n = strcspn(p, "\r");
  snprintf(out, len, "%.*s", (int) n, p);
  return out;
}

/* ---- a file changed on disk is served as it is ---------------------------- */

static void test_same_size_rewrite(void **state) {
  struct fx *f = (struct fx *) *state;
  char a[SMALL_SIZE], b[SMALL_SIZE];
  fill(a, sizeof(a), 1);
  fill(b, sizeof(b), 2);
  setup_mgr(f, 1);
  write_file(f, "small.txt", a, sizeof(a), 0);
  assert_int_equal(get(f, "/small.txt"), 200);
  assert_body(f, a, sizeof(a));
  assert_int_equal(get(f, "/small.txt"), 200); /* from memory */
  assert_body(f, a, sizeof(a));
  next_tick();
  write_file(f, "small.txt", b, sizeof(b), 0);
  assert_int_equal(get(f, "/small.txt"), 200);
  assert_body(f, b, sizeof(b));
}

/* Same size, and the modification time put back to the nanosecond: only
 * the change time tells. */
static void test_rewrite_keeping_mtime(void **state) {
  struct fx *f = (struct fx *) *state;
  char a[SMALL_SIZE], b[SMALL_SIZE], e1[64], e2[64];
  struct timespec t;
  fill(a, sizeof(a), 3);
  fill(b, sizeof(b), 4);
  setup_mgr(f, 1);
  write_file(f, "small.txt", a, sizeof(a), 0);
  t = get_mtime(f, "small.txt");
  assert_int_equal(get(f, "/small.txt"), 200);
  assert_body(f, a, sizeof(a));
  header(f, "ETag: ", e1, sizeof(e1));
  next_tick();
  write_file(f, "small.txt", b, sizeof(b), 0);
  set_mtime(f, "small.txt", t);
  assert_int_equal(get(f, "/small.txt"), 200);
  assert_body(f, b, sizeof(b));
  assert_string_equal(header(f, "ETag: ", e2, sizeof(e2)), e1); /* same validator */
}

static void test_mtime_change(void **state) {
  struct fx *f = (struct fx *) *state;
  char a[SMALL_SIZE], lm[64];
  struct timespec t = {1600000000, 0};
  fill(a, sizeof(a), 5);
  setup_mgr(f, 1);
  write_file(f, "small.txt", a, sizeof(a), 0);
  assert_int_equal(get(f, "/small.txt"), 200);
  next_tick();
  set_mtime(f, "small.txt", t);
  assert_int_equal(get(f, "/small.txt"), 200);
  assert_body(f, a, sizeof(a));
  assert_string_equal(header(f, "Last-Modified: ", lm, sizeof(lm)),
                      "Sun, 13 Sep 2020 12:26:40 GMT");
  assert_string_equal(header(f, "ETag: ", lm, sizeof(lm)), "\"5f5e1000.1000\"");
  /* The new date validates; the cached answer did not hold it. */
  assert_int_equal(fetch(f, "GET /small.txt HTTP/1.1\r\nHost: x\r\n"
                            "If-Modified-Since: Sun, 13 Sep 2020 12:26:40 GMT\r\n\r\n"),
                   304);
}

static void test_replaced_by_rename_and_resized(void **state) {
  struct fx *f = (struct fx *) *state;
  char a[SMALL_SIZE], b[SMALL_SIZE];
  fill(a, sizeof(a), 6);
  fill(b, sizeof(b), 7);
  setup_mgr(f, 1);
  write_file(f, "small.txt", a, sizeof(a), 0);
  assert_int_equal(get(f, "/small.txt"), 200);
  write_file(f, "small.txt", b, sizeof(b), 1);
  assert_int_equal(get(f, "/small.txt"), 200);
  assert_body(f, b, sizeof(b));
  write_file(f, "small.txt", a, 100, 0); /* shorter, in place */
  assert_int_equal(get(f, "/small.txt"), 200);
  assert_body(f, a, 100);
  /* An index file is kept under its own path, and checked the same way. */
  write_file(f, "index.html", a, 10, 0);
  assert_int_equal(get(f, "/"), 200);
  assert_body(f, a, 10);
  next_tick();
  write_file(f, "index.html", b, 10, 0);
  assert_int_equal(get(f, "/"), 200);
  assert_body(f, b, 10);
  /* Gone, or out of reach: no copy outlives that. */
  {
    char path[128];
    path_of(f, "small.txt", path, sizeof(path));
    assert_int_equal(get(f, "/small.txt"), 200);
    assert_int_equal(chmod(path, 0), 0);
    if (geteuid() != 0) assert_int_equal(get(f, "/small.txt"), 403);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(get(f, "/small.txt"), 404);
  }
}

/* The true clock: a file written a moment ago is read afresh each time, so
 * a rewrite within the same timestamp tick (same size, same times to the
 * nanosecond) cannot go unseen. Once the file has been left alone for a
 * few seconds it is kept, and a rewrite after that moves its change time. */
static void test_racy_rewrite_on_true_clock(void **state) {
  struct fx *f = (struct fx *) *state;
  char a[SMALL_SIZE], b[SMALL_SIZE];
  struct timespec t, settle = {2, 600 * 1000 * 1000};
  int i;
  fill(a, sizeof(a), 8);
  fill(b, sizeof(b), 9);
  setup_mgr(f, 0);
  for (i = 0; i < 20; i++) { /* no waiting: the same tick, often enough */
    const char *now = i % 2 ? b : a;
    write_file(f, "small.txt", now, sizeof(a), 0);
    if (i == 0) t = get_mtime(f, "small.txt");
    set_mtime(f, "small.txt", t);
    assert_int_equal(get(f, "/small.txt"), 200);
    assert_body(f, now, sizeof(a));
  }
  nanosleep(&settle, NULL);
  assert_int_equal(get(f, "/small.txt"), 200); /* kept from here on */
  assert_body(f, b, sizeof(b));
  assert_int_equal(get(f, "/small.txt"), 200);
  assert_body(f, b, sizeof(b));
  write_file(f, "small.txt", a, sizeof(a), 0);
  set_mtime(f, "small.txt", t);
  assert_int_equal(get(f, "/small.txt"), 200);
  assert_body(f, a, sizeof(a));
}

/* ---- large files: tcp_send_file ------------------------------------------- */

static char *big_file(struct fx *f) {
  char *big = (char *) malloc(BIG_SIZE);
  assert_non_null(big);
  fill(big, BIG_SIZE, 10);
  write_file(f, "big.bin", big, BIG_SIZE, 0);
  return big;
}

static void test_large_file_whole_and_ranges(void **state) {
  struct fx *f = (struct fx *) *state;
  char *big, v[128];
  setup_mgr(f, 0);
  big = big_file(f);
  assert_int_equal(get(f, "/big.bin"), 200);
  assert_body(f, big, BIG_SIZE);
  assert_int_equal(fetch(f, "GET /big.bin HTTP/1.1\r\nHost: x\r\n"
                            "Range: bytes=1000001-7000000\r\n\r\n"),
                   206);
  assert_string_equal(header(f, "Content-Range: ", v, sizeof(v)),
                      "bytes 1000001-7000000/8388608");
  assert_body(f, big + 1000001, 6000000);
  assert_int_equal(fetch(f, "GET /big.bin HTTP/1.1\r\nHost: x\r\n"
                            "Range: bytes=-70001\r\n\r\n"),
                   206);
  assert_body(f, big + BIG_SIZE - 70001, 70001);
  assert_int_equal(fetch(f, "GET /big.bin HTTP/1.1\r\nHost: x\r\n"
                            "Range: bytes=8388000-\r\n\r\n"),
                   206);
  assert_body(f, big + 8388000, 608);
  assert_int_equal(fetch(f, "HEAD /big.bin HTTP/1.1\r\nHost: x\r\n\r\n"), 200);
  assert_int_equal(f->resp_len, f->head_len);
  assert_string_equal(header(f, "Content-Length: ", v, sizeof(v)), "8388608");
  free(big);
}

/* A small receive buffer and a client that waits: the socket fills, the
 * kernel's copy stops part way, and the rest must follow in order. Then
 * another request on the same connection, answered after it. */
static void test_large_file_slow_reader_keep_alive(void **state) {
  struct fx *f = (struct fx *) *state;
  char *big, small[SMALL_SIZE];
  int fd;
  setup_mgr(f, 0);
  big = big_file(f);
  fill(small, sizeof(small), 11);
  write_file(f, "small.txt", small, sizeof(small), 0);
  fd = client_connect(f, 16384);
  assert_int_equal(fetch_on(f, fd,
                            "GET /big.bin HTTP/1.1\r\nHost: x\r\n"
                            "Range: bytes=12345-8000000\r\n\r\n",
                            0, 50),
                   206);
  assert_body(f, big + 12345, 8000000 - 12345 + 1);
  assert_int_equal(fetch_on(f, fd, "GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n", 0, 20), 200);
  assert_body(f, big, BIG_SIZE);
  assert_int_equal(fetch_on(f, fd, "GET /small.txt HTTP/1.1\r\nHost: x\r\n\r\n", 0, 0),
                   200);
  assert_body(f, small, sizeof(small));
  close(fd);
  free(big);
}

/* A peer that goes away in the middle: the connection closes, and the
 * process lives on (sendfile raises no SIGPIPE). */
static void test_large_file_peer_gone(void **state) {
  struct fx *f = (struct fx *) *state;
  char *big;
  int fd, i;
  setup_mgr(f, 0);
  big = big_file(f);
  fd = client_connect(f, 16384);
  assert_int_equal(send(fd, "GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n", 35, 0), 35);
  for (i = 0; i < 20; i++) mg_mgr_poll(&f->mgr, 1);
  close(fd);
  for (i = 0; i < 50; i++) mg_mgr_poll(&f->mgr, 1);
  POLL_UNTIL(&f->mgr, f->mgr.active_connections == f->lc && f->lc->next == NULL, 5);
  assert_ptr_equal(f->mgr.active_connections, f->lc);
  assert_null(f->lc->next);
  free(big);
}

int main(void) {
#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
  const struct CMUnitTest tests[] = {
      T(test_same_size_rewrite),
      T(test_rewrite_keeping_mtime),
      T(test_mtime_change),
      T(test_replaced_by_rename_and_resized),
      T(test_racy_rewrite_on_true_clock),
      T(test_large_file_whole_and_ranges),
      T(test_large_file_slow_reader_keep_alive),
      T(test_large_file_peer_gone),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
