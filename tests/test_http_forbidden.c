/*
 * test_http_forbidden.c - mg_serve_http tells a file it may not read from
 * one that is not there: 403 for the first, 404 for the second, and never
 * 403 for something outside the document root (that would confirm it
 * exists). Served on the simulated iface; the files are real.
 *
 * An unreadable file is made with chmod 000; as root, which reads any such
 * file, the root is /proc/sys/vm instead, whose write-only entries
 * (compact_memory, drop_caches) refuse reading even to root.
 */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim.h"
#include "testutil.h"

#define MS 1000LL
#define SERVER_ADDR "10.0.0.1:80"

struct fx {
  struct sim *sim;
  struct mg_mgr mgr;
  char root[512];    /* the document root */
  char denied[64];   /* a file in it the server may not read */
  char tmpdir[256];  /* ours to remove, or "" */
  char got[1024];
};

static struct mg_serve_http_opts s_opts;

static void handler(struct mg_connection *nc, int ev, void *ev_data) {
  if (ev == MG_EV_HTTP_REQUEST) mg_serve_http(nc, (struct http_message *) ev_data, s_opts);
}

static int readable(const char *path) {
  FILE *fp = fopen(path, "rb");
  if (fp != NULL) fclose(fp);
  return fp != NULL;
}

/* A root holding a regular file that fopen refuses with EACCES, or 0 when
 * this machine has no way to make one. */
static int find_denied(struct fx *f) {
  static const char *proc[] = {"compact_memory", "drop_caches"};
  size_t i;
  char path[512];
  FILE *fp;
  snprintf(f->tmpdir, sizeof(f->tmpdir), "/tmp/mg_forbidden_XXXXXX");
  if (mkdtemp(f->tmpdir) == NULL) return 0;
  snprintf(path, sizeof(path), "%s/secret.txt", f->tmpdir);
  if ((fp = fopen(path, "w")) == NULL) return 0;
  fputs("secret\n", fp);
  fclose(fp);
  chmod(path, 0);
  errno = 0;
  if (!readable(path) && errno == EACCES) {
    snprintf(f->root, sizeof(f->root), "%s", f->tmpdir);
    snprintf(f->denied, sizeof(f->denied), "secret.txt");
    return 1;
  }
  for (i = 0; i < sizeof(proc) / sizeof(proc[0]); i++) {
    struct stat st;
    snprintf(path, sizeof(path), "/proc/sys/vm/%s", proc[i]);
    errno = 0;
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && !readable(path) &&
        errno == EACCES) {
      snprintf(f->root, sizeof(f->root), "/proc/sys/vm");
      snprintf(f->denied, sizeof(f->denied), "%s", proc[i]);
      return 1;
    }
  }
  return 0;
}

static int setup(void **state) {
  struct fx *f = (struct fx *) calloc(1, sizeof(*f));
  struct mg_connection *lc;
  if (f == NULL || (f->sim = sim_new(1)) == NULL) return -1;
  sim_mgr_init(f->sim, &f->mgr, f);
  if ((lc = mg_bind(&f->mgr, "tcp://" SERVER_ADDR, handler)) == NULL) return -1;
  mg_set_protocol_http_websocket(lc);
  *state = f;
  return 0;
}

static void remove_tmpdir(struct fx *f) {
  char path[512];
  if (f->tmpdir[0] == '\0') return;
  snprintf(path, sizeof(path), "%s/secret.txt", f->tmpdir);
  unlink(path);
  rmdir(f->tmpdir);
}

static int teardown(void **state) {
  struct fx *f = (struct fx *) *state;
  mg_mgr_free(&f->mgr);
  sim_free(f->sim);
  remove_tmpdir(f);
  free(f);
  return 0;
}

/* The status line of the answer to GET uri. */
static const char *get(struct fx *f, const char *uri) {
  static int peers;
  char req[256], name[16];
  struct sim_peer *p;
  snprintf(name, sizeof(name), "c%d", ++peers);
  p = sim_peer_new(f->sim, name);
  const struct mbuf *rx;
  char *eol;
  assert_non_null(p);
  assert_int_equal(sim_peer_connect(p, SERVER_ADDR), 0);
  snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: t\r\n\r\n", uri);
  assert_int_equal(sim_run_until(f->sim, &f->mgr, sim_now(f->sim) + MS), 0);
  assert_int_equal(sim_peer_send(p, req, strlen(req)), 0);
  assert_int_equal(sim_run_until(f->sim, &f->mgr, sim_now(f->sim) + 10 * MS), 0);
  rx = sim_peer_received(p);
  assert_true(rx->len < sizeof(f->got));
  memcpy(f->got, rx->buf, rx->len);
  f->got[rx->len] = '\0';
  if ((eol = strstr(f->got, "\r\n")) != NULL) *eol = '\0';
  return f->got;
}

static void test_unreadable_file_is_403(void **state) {
  struct fx *f = (struct fx *) *state;
  char uri[128];
  if (!find_denied(f)) skip();
  s_opts.document_root = f->root;
  snprintf(uri, sizeof(uri), "/%s", f->denied);
  assert_string_equal(get(f, uri), "HTTP/1.1 403 Forbidden");
  /* absent stays absent */
  assert_string_equal(get(f, "/no-such-file"), "HTTP/1.1 404 Not Found");
}

/* A file outside the root is 404 whatever its permissions: the answer
 * must not tell what lies outside. */
static void test_unreadable_outside_root_is_404(void **state) {
  struct fx *f = (struct fx *) *state;
  char link[1024], target[1024];
  if (!find_denied(f)) skip();
  if (strcmp(f->root, f->tmpdir) == 0) {
    snprintf(target, sizeof(target), "%s/secret.txt", f->tmpdir);
  } else {
    snprintf(target, sizeof(target), "%s/%s", f->root, f->denied);
  }
  /* a root beside the file, with a symlink to it */
  snprintf(link, sizeof(link), "%s/inner", f->tmpdir);
  assert_int_equal(mkdir(link, 0755), 0);
  snprintf(link, sizeof(link), "%s/inner/peek", f->tmpdir);
  assert_int_equal(symlink(target, link), 0);
  snprintf(f->root, sizeof(f->root), "%s/inner", f->tmpdir);
  s_opts.document_root = f->root;
  assert_string_equal(get(f, "/peek"), "HTTP/1.1 404 Not Found");
  unlink(link);
  snprintf(link, sizeof(link), "%s/inner", f->tmpdir);
  rmdir(link);
}

int main(void) {
#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
  const struct CMUnitTest tests[] = {
      T(test_unreadable_file_is_403),
      T(test_unreadable_outside_root_is_404),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
