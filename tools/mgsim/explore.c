/*
 * explore.c - mgsim explore: random worlds from seeds (swarm testing), each
 * run with the runner's invariants and the oracles of its own apps.
 *
 * explore_gen.c makes each seed's scenario, oracles included; this file
 * runs the seeds (a range, a time budget, a shard, several processes),
 * reports progress and tallies the failures by kind. The runner adds its
 * own checks (nothing after CLOSE, mbufs in bounds, one CLOSE each and, in
 * ASan builds, nothing left allocated after mg_mgr_free). A failing seed is
 * written out as OUT/seed-N.scn: the scenario as text, the failure on top.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "explore.h"
#include "scn_internal.h"

/* The app each role starts: the built-in one, or another (--as ROLE=APP)
 * that answers the same way, such as a test's app with a bug planted. */
static const char *s_role_app[EXPLORE_NROLES] = {
    "echo", "ws-echo", "http-static", "timer", "echo", "ws-chat", "http-client", "ws-client", "raw"};

/* The files http-static serves, beside the failures written. */
static int make_docroot(const char *out) {
  static const struct {
    const char *path, *text;
  } files[] = {{"hello.txt", "hello, world\n"}, {"sub/index.html", "<h1>sub index</h1>\n"}};
  char path[1200];
  size_t i;
  snprintf(path, sizeof(path), "%s/www", out);
  if (mkdir(path, 0755) != 0 && errno != EEXIST) return -1;
  snprintf(path, sizeof(path), "%s/www/sub", out);
  if (mkdir(path, 0755) != 0 && errno != EEXIST) return -1;
  for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
    FILE *fp;
    snprintf(path, sizeof(path), "%s/www/%s", out, files[i].path);
    if ((fp = fopen(path, "w")) == NULL) return -1;
    fputs(files[i].text, fp);
    if (fclose(fp) != 0) return -1;
  }
  return 0;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* A failure's kind: its message with the numbers that vary masked. */
static void kind_of(const char *message, char *out, size_t cap) {
  const char *p = strstr(message, ": ");
  size_t o = 0;
  p = p != NULL ? p + 2 : message;
  for (; *p != '\0' && *p != '\n' && o + 2 < cap; p++) {
    if (*p >= '0' && *p <= '9') {
      if (o == 0 || out[o - 1] != 'N') out[o++] = 'N';
    } else {
      out[o++] = *p;
    }
  }
  out[o] = '\0';
}

static int usage(void) {
  fprintf(stderr,
          "usage: mgsim explore [--seeds A-B | --time DURATION] [--shard K/N] [--jobs N]\n"
          "                     [--out DIR]\n"
          "                     [--apps ROLE,...] [--as ROLE=APP]\n"
          "       roles: echo, ws-echo, http-static, timer, udp-echo, ws-chat, http-client,\n"
          "              ws-client, raw\n"
          "       mgsim explore [--apps LIST] --print SEED   (the scenario of one seed)\n");
  return 2;
}

/* What a run (or one of its jobs) found. */
struct tally {
  long done, failures, nkinds;
  int leak_checks_stopped; /* after a leak (see leak_check.c) */
  char kinds[32][200];
};

static void count_kind(struct tally *t, const char *kind) {
  long j;
  for (j = 0; j < t->nkinds && strcmp(t->kinds[j], kind) != 0; j++) {
  }
  if (j == t->nkinds && t->nkinds < 32) {
    snprintf(t->kinds[t->nkinds++], sizeof(t->kinds[0]), "%s", kind);
  }
}

struct explore_opts {
  uint64_t first, last, k, shards;
  double budget;
  const char *out;
  unsigned apps;
};

/* One seed: 0 passed, 1 failed (written out), -1 its scenario is broken. */
static int explore_seed(const struct explore_opts *o, uint64_t seed, struct tally *t, int tty) {
  char path[1200], err[1024], kind[200], *text = explore_generate(seed, o->apps, s_role_app);
  struct scn *sc;
  struct scn_result res;
  FILE *fp;
  int checking;
  snprintf(path, sizeof(path), "%s/seed-%llu.scn", o->out, (unsigned long long) seed);
  sc = text != NULL ? scn_parse(text, strlen(text), path, err, sizeof(err)) : NULL;
  if (sc == NULL) {
    fprintf(stderr, "mgsim: seed %llu made a scenario that does not parse: %s\n",
            (unsigned long long) seed, text != NULL ? err : "out of memory");
    free(text);
    return -1;
  }
  checking = scn_leak_checking();
  scn_run_checked(sc, seed, &res);
  t->done++;
  if (checking && !scn_leak_checking()) t->leak_checks_stopped = 1;
  if (!res.passed) {
    const char *m = res.message != NULL ? res.message : "out of memory\n";
    t->failures++;
    kind_of(m, kind, sizeof(kind));
    count_kind(t, kind);
    if ((fp = fopen(path, "w")) != NULL) {
      fputs("# mgsim explore: this seed fails:\n# ", fp);
      for (; *m != '\0'; m++) {
        fputc(*m, fp);
        if (*m == '\n' && m[1] != '\0') fputs("# ", fp);
      }
      fputs(text, fp);
      if (fclose(fp) != 0) fp = NULL;
    }
    printf("%sFAIL seed %llu: %s (%s)\n", tty ? "\r" : "", (unsigned long long) seed, kind,
           fp != NULL ? path : "could not be written");
    fflush(stdout);
  }
  scn_result_free(&res);
  scn_free(sc);
  free(text);
  return res.passed ? 0 : 1;
}

/* The seeds of shard k of shards, until the last or the time budget. */
static int explore_range(const struct explore_opts *o, uint64_t k, uint64_t shards, int progress,
                         struct tally *t) {
  double start = now_s(), last_report = start;
  int tty = progress && isatty(1);
  uint64_t seed;
  for (seed = o->first; seed <= o->last; seed++) {
    double now = now_s();
    if (o->budget > 0 && now - start >= o->budget) break;
    if ((seed - 1) % shards == k - 1) {
      if (explore_seed(o, seed, t, tty) < 0) return -1;
      now = now_s();
      if (progress && now - last_report >= (tty ? 0.2 : 10)) {
        printf("%s%ld seeds, %.0f/s, %ld failures, %.1f s%s", tty ? "\r" : "", t->done,
               (double) t->done / (now - start), t->failures, now - start, tty ? "" : "\n");
        fflush(stdout);
        last_report = now;
      }
    }
    if (seed == UINT64_MAX) break;
  }
  return 0;
}

/* --jobs N: N processes, each a shard of this run's shard; their tallies
 * come back through a pipe each. */
static int explore_jobs(const struct explore_opts *o, int jobs, struct tally *t) {
  int fds[64], j, rc = 0;
  pid_t pids[64];
  for (j = 0; j < jobs; j++) {
    int p[2];
    if (pipe(p) != 0 || (pids[j] = fork()) < 0) {
      fprintf(stderr, "mgsim: cannot start job %d: %s\n", j + 1, strerror(errno));
      return -1;
    }
    if (pids[j] == 0) {
      struct tally mine;
      int crc;
      close(p[0]);
      memset(&mine, 0, sizeof(mine));
      crc = explore_range(o, (o->k - 1) * (uint64_t) jobs + (uint64_t) j + 1,
                          o->shards * (uint64_t) jobs, 0, &mine);
      if (write(p[1], &mine, sizeof(mine)) != (ssize_t) sizeof(mine)) crc = -1;
      _exit(crc == 0 ? 0 : 2);
    }
    close(p[1]);
    fds[j] = p[0];
  }
  for (j = 0; j < jobs; j++) {
    struct tally got;
    int status = 0;
    long i;
    ssize_t n = read(fds[j], &got, sizeof(got));
    close(fds[j]);
    waitpid(pids[j], &status, 0);
    if (n != (ssize_t) sizeof(got) || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      rc = -1;
      continue;
    }
    t->done += got.done;
    t->failures += got.failures;
    t->leak_checks_stopped |= got.leak_checks_stopped;
    for (i = 0; i < got.nkinds; i++) count_kind(t, got.kinds[i]);
  }
  return rc;
}

int mgsim_explore(int argc, char **argv) {
  struct explore_opts o;
  struct tally t;
  uint64_t seed;
  double start;
  int i, jobs = 1, rc;
  memset(&o, 0, sizeof(o));
  memset(&t, 0, sizeof(t));
  o.first = 1;
  o.last = 100;
  o.k = 1;
  o.shards = 1;
  o.out = "explore-out";
  o.apps = (1u << EXPLORE_NROLES) - 1;
  /* Every option takes a value. */
  for (i = 2; i < argc; i += 2) {
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (v == NULL) return usage();
    if (strcmp(argv[i], "--seeds") == 0) {
      char a[48], *dash;
      snprintf(a, sizeof(a), "%s", v);
      if ((dash = strchr(a, '-')) == NULL) return usage();
      *dash = '\0';
      if (scn_parse_uint(a, UINT64_MAX, &o.first) != 0 ||
          scn_parse_uint(dash + 1, UINT64_MAX, &o.last) != 0 || o.last < o.first) {
        fprintf(stderr, "mgsim: --seeds wants A-B with A <= B, not '%s'\n", v);
        return 2;
      }
    } else if (strcmp(argv[i], "--time") == 0) {
      int64_t us;
      if (scn_parse_duration(v, &us) != 0 || us <= 0) {
        fprintf(stderr, "mgsim: --time wants a duration (e.g. 600s), not '%s'\n", v);
        return 2;
      }
      o.budget = (double) us / 1e6;
      o.last = UINT64_MAX;
    } else if (strcmp(argv[i], "--shard") == 0) {
      unsigned long long kk, nn;
      char extra;
      if (sscanf(v, "%llu/%llu%c", &kk, &nn, &extra) != 2 || nn == 0 || kk == 0 || kk > nn) {
        fprintf(stderr, "mgsim: --shard wants K/N with 1 <= K <= N, not '%s'\n", v);
        return 2;
      }
      o.k = kk;
      o.shards = nn;
    } else if (strcmp(argv[i], "--jobs") == 0) {
      uint64_t n;
      if (scn_parse_uint(v, 64, &n) != 0 || n < 1) {
        fprintf(stderr, "mgsim: --jobs wants 1..64, not '%s'\n", v);
        return 2;
      }
      jobs = (int) n;
    } else if (strcmp(argv[i], "--out") == 0) {
      o.out = v;
    } else if (strcmp(argv[i], "--apps") == 0) {
      char list[200], *tok, *save = NULL;
      int a;
      o.apps = 0;
      snprintf(list, sizeof(list), "%s", v);
      for (tok = strtok_r(list, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
        for (a = 0; a < EXPLORE_NROLES && strcmp(tok, explore_role_names[a]) != 0; a++) {
        }
        if (a == EXPLORE_NROLES) {
          fprintf(stderr, "mgsim: --apps: unknown role '%s' (echo, ws-echo, http-static, timer, "
                          "udp-echo, ws-chat, http-client, ws-client, raw)\n", tok);
          return 2;
        }
        o.apps |= 1u << a;
      }
      if (o.apps == 0) return usage();
    } else if (strcmp(argv[i], "--as") == 0) {
      char role[64];
      const char *eq = strchr(v, '=');
      int a;
      snprintf(role, sizeof(role), "%.*s", eq != NULL ? (int) (eq - v) : 0, v);
      for (a = 0; a < EXPLORE_NROLES && strcmp(role, explore_role_names[a]) != 0; a++) {
      }
      if (eq == NULL || a == EXPLORE_NROLES || scn_find_app(eq + 1) == NULL) {
        fprintf(stderr, "mgsim: --as wants ROLE=APP, a role of echo, ws-echo, http-static, "
                        "timer, udp-echo, ws-chat, http-client, ws-client, raw and a known app, "
                        "not '%s'\n", v);
        return 2;
      }
      s_role_app[a] = eq + 1;
    } else if (strcmp(argv[i], "--print") == 0) {
      char *text;
      if (scn_parse_uint(v, UINT64_MAX, &seed) != 0) return usage();
      if ((text = explore_generate(seed, o.apps, s_role_app)) == NULL) return 2;
      fputs(text, stdout);
      free(text);
      return 0;
    } else {
      return usage();
    }
  }
  if (mkdir(o.out, 0755) != 0 && errno != EEXIST) {
    fprintf(stderr, "mgsim: cannot make %s: %s\n", o.out, strerror(errno));
    return 2;
  }
  if (make_docroot(o.out) != 0) {
    fprintf(stderr, "mgsim: cannot write %s/www: %s\n", o.out, strerror(errno));
    return 2;
  }
  start = now_s();
  fflush(stdout);
  rc = jobs > 1 ? explore_jobs(&o, jobs, &t) : explore_range(&o, o.k, o.shards, 1, &t);
  printf("%s%ld seeds in %.1f s (%.0f/s), %ld failures, %ld kinds\n", isatty(1) ? "\r" : "",
         t.done, now_s() - start, (double) t.done / (now_s() - start > 0 ? now_s() - start : 1),
         t.failures, t.nkinds);
  for (i = 0; i < t.nkinds; i++) printf("  %s\n", t.kinds[i]);
  if (t.leak_checks_stopped) {
    printf("leak checks stopped at the first leak (it would be reported again at every run)\n");
  }
  /* Before LeakSanitizer's exit-time check, which ends the process. */
  fflush(stdout);
  if (rc != 0) return 2;
  return t.failures > 0 ? 1 : 0;
}
