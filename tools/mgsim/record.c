/*
 * record.c - mgsim record: a TCP proxy between a real client and a server,
 * whose traffic is written down as a scenario that replays the client's
 * side against one of mgsim's apps in simulation.
 *
 *   mgsim record --listen [IP:]PORT --to IP:PORT
 *                --app "NAME ADDRESS [ARGS...]" [--count N] OUT.scn
 *
 * Each client connection becomes a peer that connects to the app's
 * address; what the client sent becomes its sends, at the gaps seen here;
 * its FIN or RST becomes close or reset; what the server answered, and how
 * it ended, become expectations. The proxy (record_proxy.c) runs on the
 * engine itself, on the socket iface, with a monotonic clock in place of
 * the wall clock: a clock step during a recording must not become a gap in
 * the replay. The scenario is written by record_render.c.
 *
 * This file is what the proxy and the writer need from the command line:
 * the app line, checked as the scenario will be before anything listens,
 * and an output file known to be writable before anything is recorded, so
 * that a session is never recorded only to be lost.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "record.h"
#include "record_internal.h"

static const char s_usage[] =
    "usage: mgsim record --listen [IP:]PORT --to IP:PORT --app \"NAME ADDRESS [ARGS...]\"\n"
    "                    [--count N] OUT.scn\n"
    "  A TCP proxy: clients connect to --listen (127.0.0.1 unless IP is given),\n"
    "  each connection is forwarded to --to. On SIGINT or SIGTERM, or after N\n"
    "  client connections have ended (--count), OUT.scn is written: the app line\n"
    "  (--app, as in a scenario; a relative path after the address is taken from\n"
    "  the current directory), one peer per client connection with what it sent\n"
    "  and expectations for what the server answered.\n";

static volatile sig_atomic_t s_signo;
static void on_signal(int signo) { s_signo = signo; }

/* ---- the app line ----------------------------------------------------------- */

/* target as a path relative to the directory dir, both absolute and
 * canonical (realpath's). NULL: out of memory. */
static char *relative_path(const char *dir, const char *target) {
  size_t i = 0, common = 0, ups = 0, len;
  const char *rest;
  char *out;
  while (dir[i] != '\0' && dir[i] == target[i]) {
    if (dir[i] == '/') common = i;
    i++;
  }
  if ((dir[i] == '\0' || dir[i] == '/') && (target[i] == '\0' || target[i] == '/')) {
    common = i;
  }
  for (i = common; dir[i] != '\0'; i++) {
    if (dir[i] == '/' && dir[i + 1] != '\0') ups++;
  }
  for (rest = target + common; *rest == '/'; rest++) {
  }
  len = strlen(rest);
  if ((out = (char *) malloc(ups * 3 + len + 2)) == NULL) return NULL;
  out[0] = '\0';
  for (i = 0; i < ups; i++) strcat(out, "../");
  strcat(out, rest);
  if (len == 0 && ups > 0) out[ups * 3 - 1] = '\0'; /* "../../" -> "../.." */
  if (out[0] == '\0') strcpy(out, ".");
  return out;
}

/* The folder of a file's path, canonical; NULL if it cannot be found. */
static char *folder_of(const char *path) {
  const char *slash = strrchr(path, '/');
  char *dir, *abs;
  if (slash == NULL) return realpath(".", NULL);
  if ((dir = strdup(path)) == NULL) return NULL;
  dir[slash == path ? 1 : slash - path] = '\0';
  abs = realpath(dir, NULL);
  free(dir);
  return abs;
}

/* Builds "app NAME ADDRESS ARGS..." from --app, with a relative path after
 * the address rewritten for the scenario's folder, and checks it as the
 * scenario will be checked. Sets r->app_line and r->peer_addr. */
static int build_app_line(struct recorder *r, const char *spec, const char *out_path,
                          char *err, size_t errlen) {
  struct tok *t = NULL;
  int n = 0, i, rc = -1, proto;
  char *line = NULL, *rel = NULL, host[256], addr[100], lexerr[256];
  union socket_address sa;
  struct scn_text o;
  struct scn *sc;
  struct stat st;
  scn_text_init(&o, 128);
  scn_text_puts(&o, "app ");
  scn_text_puts(&o, spec);
  scn_text_add(&o, "", 1);
  if (o.failed) {
    snprintf(err, errlen, "out of memory");
    goto out;
  }
  if (strchr(spec, '\n') != NULL) {
    snprintf(err, errlen, "--app: one line, not several");
    goto out;
  }
  if (scn_lex_line(o.b.buf, &t, &n, lexerr, sizeof(lexerr)) != 0) {
    snprintf(err, errlen, "--app: %s", lexerr);
    goto out;
  }
  if (n < 3 || t[1].type != T_WORD || t[2].type != T_WORD) {
    snprintf(err, errlen, "--app wants \"NAME ADDRESS [ARGS...]\", as after 'app' in a scenario");
    goto out;
  }
  if (scn_find_app(t[1].s) == NULL) {
    snprintf(err, errlen, "--app: no app named '%s'", t[1].s);
    goto out;
  }
  if (mg_parse_address(t[2].s, &sa, &proto, host, sizeof(host)) != 1 || proto != SOCK_STREAM) {
    snprintf(err, errlen, "--app: '%s' is not a numeric TCP address (like tcp://10.0.0.1:80)",
             t[2].s);
    goto out;
  }
  mg_sock_addr_to_str(&sa, addr, sizeof(addr), MG_SOCK_STRINGIFY_IP | MG_SOCK_STRINGIFY_PORT);
  snprintf(r->peer_addr, sizeof(r->peer_addr), "%s", addr);
  /* A document root given from here, written for there. */
  if (n > 3 && (t[3].type == T_WORD || t[3].type == T_STR) && t[3].s[0] != '/' &&
      strlen(t[3].s) == t[3].len && stat(t[3].s, &st) == 0) {
    char *abs = realpath(t[3].s, NULL), *dir = folder_of(out_path);
    if (abs != NULL && dir != NULL) rel = relative_path(dir, abs);
    free(abs);
    free(dir);
  }
  scn_text_free(&o);
  scn_text_init(&o, 128);
  scn_text_puts(&o, "app");
  for (i = 1; i < n; i++) {
    scn_text_puts(&o, " ");
    if (i == 3 && rel != NULL) {
      int plain = strpbrk(rel, " \t\"#\\") == NULL;
      if (plain) {
        scn_text_puts(&o, rel);
      } else {
        scn_text_str(&o, rel, strlen(rel));
      }
    } else if (t[i].type == T_STR) {
      scn_text_str(&o, t[i].s, t[i].len);
    } else if (t[i].type == T_CONN) {
      scn_text_printf(&o, "#%lld", t[i].n);
    } else {
      scn_text_puts(&o, t[i].s);
    }
  }
  scn_text_add(&o, "", 1);
  if (o.failed || (line = strdup(o.b.buf)) == NULL) {
    snprintf(err, errlen, "out of memory");
    goto out;
  }
  if ((sc = scn_parse(line, strlen(line), out_path, lexerr, sizeof(lexerr))) == NULL) {
    snprintf(err, errlen, "--app: %s (as written to %s: %s)", spec, out_path, lexerr);
    free(line);
    goto out;
  }
  scn_free(sc);
  r->app_line = line;
  rc = 0;
out:
  free(rel);
  scn_free_toks(t, n);
  scn_text_free(&o);
  return rc;
}

/* ---- the command ------------------------------------------------------------ */

static double monotonic_clock(void *arg) {
  struct timespec ts;
  (void) arg;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* [tcp://]IP:PORT into "tcp://IP:PORT" for the engine. To listen, "8000"
 * and ":8000" mean 127.0.0.1: a recording proxy is not for other machines
 * unless asked. */
static int parse_tcp_address(const char *what, const char *arg, int listen, char *out,
                             size_t outlen) {
  union socket_address sa;
  char host[256];
  const char *p = strncmp(arg, "tcp://", 6) == 0 ? arg + 6 : arg;
  int proto;
  size_t digits = strspn(p + (*p == ':'), "0123456789");
  if (listen && digits > 0 && p[(*p == ':') + digits] == '\0') {
    snprintf(out, outlen, "tcp://127.0.0.1:%s", p + (*p == ':'));
  } else {
    snprintf(out, outlen, "tcp://%s", p);
  }
  if (strlen(arg) > 200 || mg_parse_address(out, &sa, &proto, host, sizeof(host)) != 1 ||
      proto != SOCK_STREAM || (!listen && sa.sin.sin_port == 0)) {
    fprintf(stderr, "mgsim record: %s '%s' is not a numeric TCP address (%s)\n", what, arg,
            listen ? "[IP:]PORT" : "IP:PORT");
    return -1;
  }
  return 0;
}

static void free_recorder(struct recorder *r) {
  int k;
  for (k = 0; k < r->npeers; k++) {
    mbuf_free(&r->peers[k]->sent);
    mbuf_free(&r->peers[k]->got);
    free(r->peers[k]);
  }
  free(r->peers);
  free(r->evs);
  free(r->app_line);
}

static int write_all(int fd, const char *text, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, text, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    text += n;
    len -= (size_t) n;
  }
  return 0;
}

/* The scenario is written to a new file beside the output, which is
 * renamed over it once complete: a write cut short (a full disk, a kill)
 * leaves the output as it was, never empty or half written. The new file
 * is "OUTPUT.XXXXXX", in the same folder, since rename() stays within a
 * file system. Its descriptor, or -1 with errno set; *tmp is the name. */
static int open_temp(const char *path, char **tmp) {
  size_t len = strlen(path);
  int fd;
  if ((*tmp = (char *) malloc(len + sizeof(".XXXXXX"))) == NULL) {
    errno = ENOMEM;
    return -1;
  }
  memcpy(*tmp, path, len);
  memcpy(*tmp + len, ".XXXXXX", sizeof(".XXXXXX"));
  if ((fd = mkstemp(*tmp)) < 0) {
    int e = errno;
    free(*tmp);
    *tmp = NULL;
    errno = e;
  }
  return fd;
}

/* Whether a file can be made beside path (for write_scenario), found out
 * before anything is recorded. 0, or -1 with errno set. */
static int probe_folder(const char *path) {
  char *tmp;
  int fd = open_temp(path, &tmp);
  if (fd < 0) return -1;
  close(fd);
  unlink(tmp);
  free(tmp);
  return 0;
}

/* text into path, through a file beside it (open_temp) that takes mode
 * (mkstemp makes it 0600; the output keeps the mode it had, or was made
 * with). 0, or -1 with errno set and path untouched. */
static int write_scenario(const char *path, mode_t mode, const char *text, size_t len) {
  char *tmp;
  int fd = open_temp(path, &tmp), ok, e;
  if (fd < 0) return -1;
  ok = fchmod(fd, mode) == 0 && write_all(fd, text, len) == 0;
  e = errno;
  if (close(fd) != 0 && ok) ok = 0, e = errno;
  if (ok && rename(tmp, path) != 0) ok = 0, e = errno;
  if (!ok) unlink(tmp);
  free(tmp);
  errno = e;
  return ok ? 0 : -1;
}

int mgsim_record(int argc, char **argv) {
  struct recorder r;
  struct mg_mgr mgr;
  struct mg_bind_opts bopts;
  struct mg_socket_iface_opts sopts;
  struct sigaction sa, old_int, old_term;
  const char *listen_arg = NULL, *to_arg = NULL, *app_arg = NULL, *out_path = NULL, *e = NULL;
  char listen_addr[300], err[1024], *text, *target = NULL;
  struct stat st;
  mode_t mode;
  int i, fd, created, rc = 0, sends = 0, expects = 0;
  uint64_t u;

  memset(&r, 0, sizeof(r));
  for (i = 2; i < argc; i++) {
    const char *opt = argv[i];
    if (strcmp(opt, "--help") == 0 || strcmp(opt, "-h") == 0) {
      fputs(s_usage, stdout);
      return 0;
    }
    if (strcmp(opt, "--listen") == 0 || strcmp(opt, "--to") == 0 ||
        strcmp(opt, "--app") == 0 || strcmp(opt, "--count") == 0) {
      if (i + 1 >= argc) {
        fprintf(stderr, "mgsim record: %s needs a value\n%s", opt, s_usage);
        return 2;
      }
      if (opt[2] == 'l') listen_arg = argv[++i];
      else if (opt[2] == 't') to_arg = argv[++i];
      else if (opt[2] == 'a') app_arg = argv[++i];
      else if (scn_parse_uint(argv[++i], 1000000, &u) != 0 || u < 1) {
        fprintf(stderr, "mgsim record: --count wants an integer 1..1000000, not '%s'\n",
                argv[i]);
        return 2;
      } else {
        r.count = (long) u;
      }
    } else if (opt[0] == '-' && opt[1] != '\0') {
      fprintf(stderr, "mgsim record: unknown option '%s'\n%s", opt, s_usage);
      return 2;
    } else if (out_path != NULL) {
      fprintf(stderr, "mgsim record: one output file, not '%s' and '%s'\n%s", out_path, opt,
              s_usage);
      return 2;
    } else {
      out_path = opt;
    }
  }
  if (listen_arg == NULL || to_arg == NULL || app_arg == NULL || out_path == NULL) {
    fprintf(stderr, "mgsim record: --listen, --to, --app and OUT.scn are all needed\n%s",
            s_usage);
    return 2;
  }
  if (parse_tcp_address("--listen", listen_arg, 1, listen_addr, sizeof(listen_addr)) != 0 ||
      parse_tcp_address("--to", to_arg, 0, r.target, sizeof(r.target)) != 0) {
    return 2;
  }
  r.listen_arg = listen_addr + 6; /* without "tcp://" */
  r.target_arg = to_arg;

  /* The output must be writable before anything is recorded, and so must
   * its folder, where the scenario is written before it replaces the
   * output (write_scenario): the output is only replaced once the scenario
   * is whole. A symbolic link is followed, as writing through it would:
   * the file it names is the one replaced. */
  created = stat(out_path, &st) != 0;
  if ((fd = open(out_path, O_WRONLY | O_CREAT | O_CLOEXEC, 0666)) < 0) {
    fprintf(stderr, "mgsim record: cannot write %s: %s\n", out_path, strerror(errno));
    return 2;
  }
  mode = fstat(fd, &st) == 0 ? st.st_mode & 0777 : 0644;
  close(fd);
  if ((target = realpath(out_path, NULL)) == NULL) {
    fprintf(stderr, "mgsim record: cannot write %s: %s\n", out_path, strerror(errno));
  } else if (probe_folder(target) != 0) {
    fprintf(stderr, "mgsim record: cannot write %s: no file can be made beside it: %s\n",
            out_path, strerror(errno));
    free(target);
    target = NULL;
  }
  if (target == NULL) {
    if (created) unlink(out_path);
    return 2;
  }
  if (build_app_line(&r, app_arg, out_path, err, sizeof(err)) != 0) {
    fprintf(stderr, "mgsim record: %s\n", err);
    free(target);
    if (created) unlink(out_path);
    return 2;
  }

  mg_mgr_init(&mgr, NULL);
  memset(&sopts, 0, sizeof(sopts));
  sopts.clock = monotonic_clock;
  if (mg_socket_iface_set_opts(mgr.ifaces[0], &sopts) != 0) {
    fprintf(stderr, "mgsim record: the engine's iface takes no clock\n");
    rc = 2;
  }
  memset(&bopts, 0, sizeof(bopts));
  bopts.user_data = &r;
  bopts.error_string = &e;
  if (rc == 0 && mg_bind_opt(&mgr, listen_addr, rec_proxy_handler, bopts) == NULL) {
    fprintf(stderr, "mgsim record: cannot listen on %s: %s\n", listen_arg,
            e != NULL ? e : "failed");
    rc = 2;
  }
  if (rc != 0) {
    mg_mgr_free(&mgr);
    free_recorder(&r);
    free(target);
    if (created) unlink(out_path);
    return rc;
  }

  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  s_signo = 0;
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  fprintf(stderr, "mgsim record: %s -> %s, into %s (SIGINT or SIGTERM ends it%s)\n",
          r.listen_arg, to_arg, out_path, r.count > 0 ? ", or --count" : "");
  while (!s_signo && !r.stop) mg_mgr_poll(&mgr, 200);
  r.t_end = mg_time();
  r.stopped = 1;
  /* From here the session is over and only needs writing: another SIGINT
   * or SIGTERM (an impatient second ^C) must not lose it, so both are
   * ignored until the scenario is in place. */
  sa.sa_handler = SIG_IGN;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);

  if (r.oom) fprintf(stderr, "mgsim record: out of memory; the recording stops here\n");
  if ((text = rec_render(&r, &sends, &expects)) == NULL) {
    fprintf(stderr, "mgsim record: out of memory writing the scenario; nothing written\n");
    rc = 2;
  } else {
    size_t len = strlen(text);
    struct scn *sc = scn_parse(text, len, out_path, err, sizeof(err));
    if (sc == NULL) { /* written all the same, for the bug report */
      fprintf(stderr, "mgsim record: the scenario written does not parse: %s\n", err);
      rc = 2;
    }
    scn_free(sc);
    if (write_scenario(target, mode, text, len) != 0) {
      fprintf(stderr, "mgsim record: cannot write %s: %s\n", out_path, strerror(errno));
      rc = 2;
    } else {
      printf("wrote %s: %d peer%s, %d sends, %d expectations\n", out_path, r.npeers,
             r.npeers == 1 ? "" : "s", sends, expects);
      fflush(stdout);
    }
    /* scn_parse takes text of any length; scn_load, which mgsim run and
     * check use, does not. The recording is written all the same: it is
     * the only copy of the session, and can be cut down by hand. */
    if (len > SCN_MAX_FILE_BYTES) {
      fprintf(stderr,
              "mgsim record: the recording is larger than a scenario may be (%zu bytes, over "
              "the limit of %d): mgsim run and mgsim check refuse %s\n",
              len, SCN_MAX_FILE_BYTES, out_path);
      rc = 2;
    }
    free(text);
  }
  sigaction(SIGINT, &old_int, NULL);
  sigaction(SIGTERM, &old_term, NULL);
  mg_mgr_free(&mgr);
  free_recorder(&r);
  free(target);
  return rc;
}
