/*
 * mgsim_cli.c - the command line of mgsim: find scenario files, run each
 * (several times with --repeat, comparing traces), print one line per
 * scenario and a summary.
 *
 * Whatever cannot be done as asked (a path that cannot be read, an option
 * out of range, output that cannot be written) is said on stderr with the
 * reason and ends in status 2: a run that skipped something must not look
 * like a run that passed.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "native.h"
#include "record.h"
#include "run_outputs.h"
#include "scn_internal.h"

static const char s_usage[] =
    "usage: mgsim run [OPTIONS] FILE|DIR...   run scenarios (*.scn in DIRs)\n"
    "       mgsim check FILE|DIR...           only parse them\n"
    "       mgsim compare [OPTIONS] FILE|DIR... run each scenario simulated and\n"
    "                                         natively, and compare the two\n"
    "       mgsim from-fuzz INPUT             a fuzz session input as a scenario\n"
    "       mgsim to-fuzz OUTDIR FILE|DIR...  scenarios as fuzz session inputs\n"
    "       mgsim explore [--seeds A-B | --time DUR] [--shard K/N] [--out DIR] [--apps LIST]\n"
    "                                         random scenarios from seeds, with\n"
    "                                         oracles; failures to DIR/seed-N.scn\n"
    "       mgsim shrink FILE [--seed N] [--out FILE]\n"
    "                                         a failing scenario down to a\n"
    "                                         1-minimal one that fails the same way\n"
    "       mgsim record --listen [IP:]PORT --to IP:PORT --app \"NAME ADDRESS [ARGS]\"\n"
    "                    [--count N] OUT.scn  a proxy between a real client and a\n"
    "                                         server, written as a scenario that\n"
    "                                         replays the client against the app\n"
    "       mgsim --help\n"
    "\n"
    "options:\n"
    "  --seed N       seed of the PRNG for files without a 'seed' line (default 1),\n"
    "                 0..18446744073709551615; a file that pins its seed keeps it\n"
    "  --trace FILE   write the trace(s) to FILE ('-' for stdout)\n"
    "  --timeline FILE  draw the run as a sequence diagram: FILE ending in .html\n"
    "                 (a page) or .svg; one scenario, simulated (run only)\n"
    "  --pcap FILE    write every packet of the run to FILE, a libpcap capture\n"
    "                 (Ethernet, IPv4/IPv6, TCP, UDP; virtual time); one\n"
    "                 scenario, simulated (run only)\n"
    "  --peer-bytes FILE  write what each peer sent and got over TCP (hex), what\n"
    "                 a capture of the run holds; one scenario, simulated\n"
    "  --repeat N     run each scenario N times (1..1000); the traces must be\n"
    "                 identical\n"
    "  --verbose      print each scenario's trace\n"
    "  --native       run on real sockets (the socket iface, in a network\n"
    "                 namespace of the run's own) instead of the simulation;\n"
    "                 a scenario's 'native skip' and 'native loose' lines say\n"
    "                 what cannot hold there\n"
    "  --time-scale N  natively, wall seconds per scenario second between\n"
    "                 instants (default 0: the clock jumps to the next instant\n"
    "                 once everything has settled)\n"
    "  --max-trace MIB  trace a run may keep (default 256; 0: no bound), as many\n"
    "                 bytes received by peers, and\n"
    "                 handler events it may record, 16,384 per MiB\n"
    "  --max-work MILLIONS  connection-polls a run may take (default 50; a poll\n"
    "                 serving 10 connections counts 10; 0: no bound)\n"
    "                 and regular-expression steps, 10 million per million\n"
    "                 A run past either bound fails (status 1) and says which.\n"
    "\n"
    "Scenario files (and files a scenario reads) must be regular files.\n"
    "\n"
    "exit status: 0 all passed, 1 a scenario failed, 2 a file is malformed or\n"
    "cannot be read, the command line is wrong, or output cannot be written.\n"
    "The last line of run and check is \"N passed, N failed\"; of compare,\n"
    "\"N agree, N differ, N skipped\" (compare's 1: one differs).\n";

/* A session input is a few KiB; this only stops an endless one. */
#define MAX_FUZZ_INPUT (16 * 1024 * 1024)

struct list {
  char **items;
  size_t n, cap;
};

static void list_free(struct list *l) {
  size_t i;
  for (i = 0; i < l->n; i++) free(l->items[i]);
  free(l->items);
  l->items = NULL;
  l->n = l->cap = 0;
}

/* Takes s (heap), which the list then owns, or frees it on failure. */
static int push_owned(struct list *l, char *s) {
  if (s == NULL) return -1;
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 16;
    char **m = (char **) realloc(l->items, cap * sizeof(*m));
    if (m == NULL) {
      free(s);
      return -1;
    }
    l->items = m;
    l->cap = cap;
  }
  l->items[l->n++] = s;
  return 0;
}

static char *join(const char *dir, const char *name) {
  size_t a = strlen(dir), b = strlen(name);
  char *s = (char *) malloc(a + b + 2);
  if (s != NULL) {
    memcpy(s, dir, a);
    s[a] = '/';
    memcpy(s + a + 1, name, b + 1);
  }
  return s;
}

static int by_name(const void *a, const void *b) {
  return strcmp(*(char *const *) a, *(char *const *) b);
}

static int has_scn_suffix(const char *name) {
  size_t n = strlen(name);
  return n > 4 && strcmp(name + n - 4, ".scn") == 0;
}

/* The directories being searched, outermost first: a symbolic link back
 * into one of them would otherwise be searched without end. */
struct dir_chain {
  dev_t dev;
  ino_t ino;
  const struct dir_chain *up;
};

/* Files as given; directories searched for *.scn, in name order. Prints
 * why and returns -1 when a path cannot be searched. */
static int collect(const char *path, const struct dir_chain *up, struct list *out) {
  struct stat st;
  struct dir_chain here_id;
  const struct dir_chain *c;
  struct list here = {NULL, 0, 0};
  DIR *d;
  size_t i;
  int rc = 0;
  if (stat(path, &st) != 0) {
    fprintf(stderr, "mgsim: %s: %s\n", path, strerror(errno));
    return -1;
  }
  if (!S_ISDIR(st.st_mode)) {
    if (push_owned(out, strdup(path)) == 0) return 0;
    fprintf(stderr, "mgsim: out of memory\n");
    return -1;
  }
  for (c = up; c != NULL; c = c->up) {
    if (c->dev == st.st_dev && c->ino == st.st_ino) {
      fprintf(stderr, "mgsim: %s: a directory inside itself (a symbolic link loop)\n", path);
      return -1;
    }
  }
  here_id.dev = st.st_dev;
  here_id.ino = st.st_ino;
  here_id.up = up;
  if ((d = opendir(path)) == NULL) {
    fprintf(stderr, "mgsim: %s: cannot read the directory: %s\n", path, strerror(errno));
    return -1;
  }
  for (;;) {
    struct dirent *e;
    struct stat sst;
    char *sub;
    errno = 0;
    if ((e = readdir(d)) == NULL) {
      if (errno != 0) {
        fprintf(stderr, "mgsim: %s: cannot read the directory: %s\n", path, strerror(errno));
        rc = -1;
      }
      break;
    }
    if (e->d_name[0] == '.') continue;
    if ((sub = join(path, e->d_name)) == NULL) {
      fprintf(stderr, "mgsim: out of memory\n");
      rc = -1;
      break;
    }
    if (stat(sub, &sst) != 0) {
      /* Only a dangling link to something that is no scenario is none of
       * our business; anything else could hide scenarios. */
      if (errno != ENOENT || has_scn_suffix(e->d_name)) {
        fprintf(stderr, "mgsim: %s: %s\n", sub, strerror(errno));
        rc = -1;
      }
      free(sub);
      if (rc != 0) break;
      continue;
    }
    if (!S_ISDIR(sst.st_mode) && !has_scn_suffix(e->d_name)) {
      free(sub);
      continue;
    }
    if (push_owned(&here, sub) != 0) {
      fprintf(stderr, "mgsim: out of memory\n");
      rc = -1;
      break;
    }
  }
  closedir(d);
  if (rc == 0 && here.n > 1) qsort(here.items, here.n, sizeof(char *), by_name);
  for (i = 0; rc == 0 && i < here.n; i++) rc = collect(here.items[i], &here_id, out);
  list_free(&here);
  return rc;
}

/* Flushes fp and reports a write error on it (now or earlier). */
static int output_ok(FILE *fp, const char *what) {
  int failed;
  errno = 0;
  failed = fflush(fp) != 0;
  if (!failed && !ferror(fp)) return 0;
  fprintf(stderr, "mgsim: cannot write %s: %s\n", what,
          errno != 0 ? strerror(errno) : "write error");
  return -1;
}

int mgsim_close_output(FILE *fp, const char *what) {
  int rc = output_ok(fp, what);
  if (fp != stdout) {
    errno = 0;
    if (fclose(fp) != 0 && rc == 0) {
      fprintf(stderr, "mgsim: cannot write %s: %s\n", what,
              errno != 0 ? strerror(errno) : "write error");
      rc = -1;
    }
  }
  return rc;
}

static int from_fuzz(int argc, char **argv) {
  FILE *fp;
  struct mbuf in;
  char buf[4096], *text;
  size_t n;
  int rc = 0;
  if (argc != 3) {
    fprintf(stderr, "usage: mgsim from-fuzz INPUT\n");
    return 2;
  }
  if ((fp = fopen(argv[2], "rb")) == NULL) {
    fprintf(stderr, "mgsim: cannot open %s: %s\n", argv[2], strerror(errno));
    return 2;
  }
  mbuf_init(&in, 0);
  while ((n = fread(buf, 1, sizeof(buf), fp)) > 0) {
    if (in.len + n > MAX_FUZZ_INPUT) {
      fprintf(stderr, "mgsim: %s: larger than %d bytes\n", argv[2], MAX_FUZZ_INPUT);
      rc = 2;
      break;
    }
    if (mbuf_append(&in, buf, n) != n) {
      fprintf(stderr, "mgsim: out of memory\n");
      rc = 2;
      break;
    }
  }
  if (rc == 0 && ferror(fp)) {
    fprintf(stderr, "mgsim: cannot read %s: %s\n", argv[2], strerror(errno));
    rc = 2;
  }
  fclose(fp);
  if (rc == 0) {
    if ((text = session_to_scenario((const uint8_t *) in.buf, in.len)) == NULL) {
      fprintf(stderr, "mgsim: out of memory\n");
      rc = 2;
    } else {
      fputs(text, stdout);
      free(text);
      if (output_ok(stdout, "to stdout") != 0) rc = 2;
    }
  }
  mbuf_free(&in);
  return rc;
}

/* scenarios/http/get.scn -> OUTDIR/http-get.bin; NULL: out of memory. */
static char *session_path(const char *outdir, const char *scenario) {
  const char *name = scenario + (strncmp(scenario, "scenarios/", 10) == 0 ? 10 : 0);
  char *out = join(outdir, name), *p, *dot, *m;
  size_t at;
  if (out == NULL) return NULL;
  for (p = out + strlen(outdir) + 1; *p != '\0'; p++) {
    if (*p == '/') *p = '-';
  }
  dot = strrchr(out + strlen(outdir) + 1, '.');
  at = dot != NULL ? (size_t) (dot - out) : strlen(out);
  if ((m = (char *) realloc(out, at + 5)) == NULL) {
    free(out);
    return NULL;
  }
  strcpy(m + at, ".bin");
  return m;
}

/* Each scenario's peer commands as a session input: OUTDIR/NAME.bin. */
static int to_fuzz(int argc, char **argv) {
  struct list files = {NULL, 0, 0};
  struct stat st;
  size_t f;
  int i, written = 0, rc = 0;
  if (argc < 4) {
    fprintf(stderr, "usage: mgsim to-fuzz OUTDIR FILE|DIR...\n");
    return 2;
  }
  if (stat(argv[2], &st) != 0) {
    fprintf(stderr, "mgsim: to-fuzz: output directory %s: %s\n", argv[2], strerror(errno));
    return 2;
  }
  if (!S_ISDIR(st.st_mode)) {
    fprintf(stderr, "mgsim: to-fuzz: output directory %s: %s\n", argv[2], strerror(ENOTDIR));
    return 2;
  }
  for (i = 3; i < argc; i++) {
    if (collect(argv[i], NULL, &files) != 0) {
      list_free(&files);
      return 2;
    }
  }
  for (f = 0; f < files.n; f++) {
    char err[1024], *out;
    struct scn *sc = scn_load(files.items[f], err, sizeof(err));
    uint8_t *bytes;
    size_t len;
    FILE *fp;
    if (sc == NULL) {
      fprintf(stderr, "%s\n", err);
      rc = 2;
      continue;
    }
    len = scenario_to_session(sc, &bytes);
    scn_free(sc);
    if (len == 0) { /* no peer commands: nothing to seed with */
      free(bytes);
      continue;
    }
    if ((out = session_path(argv[2], files.items[f])) == NULL) {
      free(bytes);
      fprintf(stderr, "mgsim: out of memory\n");
      rc = 2;
      break;
    }
    if ((fp = fopen(out, "wb")) == NULL) {
      fprintf(stderr, "mgsim: cannot write %s: %s\n", out, strerror(errno));
      rc = 2;
    } else {
      size_t put = fwrite(bytes, 1, len, fp);
      if (mgsim_close_output(fp, out) != 0 || put != len) {
        rc = 2;
      } else {
        written++;
      }
    }
    free(out);
    free(bytes);
  }
  list_free(&files);
  printf("%d session inputs written to %s\n", written, argv[2]);
  if (output_ok(stdout, "to stdout") != 0) rc = 2;
  return rc;
}

/* The value of option argv[*i], or NULL after saying that it is missing. */
static const char *option_value(int argc, char **argv, int *i) {
  if (*i + 1 >= argc) {
    fprintf(stderr, "mgsim: %s needs a value\n", argv[*i]);
    return NULL;
  }
  return argv[++*i];
}

static int run_files(const struct list *files, int check_only, uint64_t seed,
                     int has_seed, int repeat, int verbose, FILE *trace_fp,
                     struct run_outputs *outs) {
  int passed = 0, failed = 0, malformed = 0, skipped = 0;
  size_t f;
  for (f = 0; f < files->n; f++) {
    char err[1024];
    struct scn *sc = scn_load(files->items[f], err, sizeof(err));
    struct scn_result first;
    uint64_t s;
    int r, same = 1;
    if (sc == NULL) {
      printf("BAD  %s\n", err);
      malformed++;
      continue;
    }
    if (check_only) {
      printf("ok   %s (%d lines)\n", files->items[f], sc->nlines);
      passed++;
      scn_free(sc);
      continue;
    }
    s = sc->has_seed ? sc->seed : has_seed ? seed : 1;
    if (run_outputs_start(outs) != 0) {
      scn_free(sc);
      return 2;
    }
    scn_run_checked(sc, s, &first);
    run_outputs_ran(outs, sc, s, &first);
    if (first.skipped) {
      printf("skip %s: %s\n", files->items[f], sc->native_skip);
      skipped++;
      scn_result_free(&first);
      scn_free(sc);
      continue;
    }
    for (r = 1; r < repeat && first.trace != NULL; r++) {
      struct scn_result again;
      scn_run_checked(sc, s, &again);
      if (again.trace == NULL || strcmp(again.trace, first.trace) != 0 ||
          again.passed != first.passed) {
        same = 0;
      }
      scn_result_free(&again);
      if (!same) break;
    }
    if (first.trace == NULL) {
      printf("FAIL %s: out of memory\n", files->items[f]);
      failed++;
    } else if (!first.passed) {
      printf("FAIL %s\n%s", files->items[f], first.message);
      failed++;
    } else if (!same) {
      printf("FAIL %s: run %d of seed %llu gave a different trace\n",
             files->items[f], r + 1, (unsigned long long) s);
      failed++;
    } else if (first.loosened > 0) {
      printf("ok   %s (%d expectations, %d of them loose natively, %.6f s virtual%s)\n",
             files->items[f], first.expectations, first.loosened,
             (double) first.end_us / 1e6, repeat > 1 ? ", trace identical each run" : "");
      passed++;
    } else {
      printf("ok   %s (%d expectations, %.6f s virtual%s)\n", files->items[f],
             first.expectations, (double) first.end_us / 1e6,
             repeat > 1 ? ", trace identical each run" : "");
      passed++;
    }
    if (verbose && first.trace != NULL) fputs(first.trace, stdout);
    if (trace_fp != NULL && first.trace != NULL) {
      if (files->n > 1) {
        fprintf(trace_fp, "# %s seed %llu\n", files->items[f], (unsigned long long) s);
      }
      fputs(first.trace, trace_fp);
    }
    scn_result_free(&first);
    scn_free(sc);
  }
  if (skipped > 0) printf("%d skipped natively (each says why above)\n", skipped);
  printf("%d passed, %d failed\n", passed, failed + malformed);
  return malformed > 0 ? 2 : failed > 0 ? 1 : 0;
}

/* One reason for skipping, and how many scenarios give it. */
struct reason {
  char *text; /* its own copy */
  int n;
};

static void count_reason(struct reason *r, int *nr, int cap, const char *text) {
  int i;
  for (i = 0; i < *nr && strcmp(r[i].text, text) != 0; i++) {
  }
  if (i == *nr) {
    if (*nr == cap || (r[*nr].text = strdup(text)) == NULL) return;
    r[(*nr)++].n = 0;
  }
  r[i].n++;
}

/* Each scenario simulated, then natively: they agree when the native run
 * holds the expectations and the two traces agree (scn_compare.c). */
static int compare_files(const struct list *files, uint64_t seed, int has_seed, int verbose) {
  int agree = 0, differ = 0, skipped = 0, malformed = 0, nreasons = 0, i;
  struct reason reasons[64];
  size_t f;
  char no_native[400];
  /* Where the system allows no network namespace (a container without the
   * privilege, say), nothing can run natively: each scenario says so. */
  no_native[0] = '\0';
  {
    char why[300];
    if (native_isolate(why, sizeof(why)) != 0) {
      snprintf(no_native, sizeof(no_native), "native runs need a network namespace: %s", why);
    }
  }
  for (f = 0; f < files->n; f++) {
    char err[1024];
    struct scn *sc = scn_load(files->items[f], err, sizeof(err));
    struct scn_result sim, nat;
    struct mbuf report;
    uint64_t s;
    int64_t early, late;
    if (sc == NULL) {
      printf("BAD    %s\n", err);
      malformed++;
      continue;
    }
    if (sc->native_skip != NULL || no_native[0] != '\0') {
      const char *why = sc->native_skip != NULL ? sc->native_skip : no_native;
      printf("skip   %s: %s\n", files->items[f], why);
      skipped++;
      count_reason(reasons, &nreasons, 64, why);
      scn_free(sc);
      continue;
    }
    s = sc->has_seed ? sc->seed : has_seed ? seed : 1;
    scn_native = 0;
    scn_run(sc, s, &sim);
    scn_native = 1;
    scn_run(sc, s, &nat);
    mbuf_init(&report, 0);
    scn_time_tolerance(sim.delay_us, &early, &late);
    if (sim.trace == NULL || nat.trace == NULL) {
      printf("differ %s: out of memory\n", files->items[f]);
      differ++;
    } else if (!sim.passed) {
      printf("differ %s: the simulated run fails\n%s", files->items[f], sim.message);
      differ++;
    } else if (!nat.passed) {
      printf("differ %s: the native run fails\n%s", files->items[f],
             nat.message != NULL ? nat.message : "");
      differ++;
    } else if (scn_compare_traces(sim.trace, nat.trace, early, late, &report) != 0) {
      printf("differ %s: the traces differ\n%.*s", files->items[f], (int) report.len,
             report.buf);
      differ++;
    } else {
      if (nat.loosened > 0) {
        printf("agree  %s (%d expectations, %d loose natively)\n", files->items[f],
               nat.expectations, nat.loosened);
      } else {
        printf("agree  %s (%d expectations)\n", files->items[f], nat.expectations);
      }
      agree++;
    }
    if (verbose) {
      printf("  simulated trace:\n%s  native trace:\n%s", sim.trace != NULL ? sim.trace : "",
             nat.trace != NULL ? nat.trace : "");
    }
    mbuf_free(&report);
    scn_result_free(&sim);
    scn_result_free(&nat);
    scn_free(sc);
  }
  scn_native = 0;
  for (i = 0; i < nreasons; i++) {
    printf("skipped (%d): %s\n", reasons[i].n, reasons[i].text);
    free(reasons[i].text);
  }
  printf("%d agree, %d differ, %d skipped\n", agree, differ + malformed, skipped);
  return malformed > 0 ? 2 : differ > 0 ? 1 : 0;
}

int mgsim_main(int argc, char **argv) {
  struct list files = {NULL, 0, 0};
  const char *trace_path = NULL, *v;
  uint64_t seed = 0, u;
  int has_seed = 0, repeat = 1, verbose = 0, check_only, compare, i, rc;
  FILE *trace_fp = NULL;
  struct run_outputs outs;

  memset(&outs, 0, sizeof(outs));
  scn_register_builtin_apps();
  scn_leak_check_enable(1);
  if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
    fputs(s_usage, argc < 2 ? stderr : stdout);
    if (argc < 2) return 2;
    return output_ok(stdout, "to stdout") == 0 ? 0 : 2;
  }
  if (strcmp(argv[1], "from-fuzz") == 0) return from_fuzz(argc, argv);
  if (strcmp(argv[1], "to-fuzz") == 0) return to_fuzz(argc, argv);
  if (strcmp(argv[1], "shrink") == 0) return mgsim_shrink(argc, argv);
  if (strcmp(argv[1], "explore") == 0) return mgsim_explore(argc, argv);
  if (strcmp(argv[1], "record") == 0) return mgsim_record(argc, argv);
  check_only = strcmp(argv[1], "check") == 0;
  compare = strcmp(argv[1], "compare") == 0;
  if (!check_only && !compare && strcmp(argv[1], "run") != 0) {
    fprintf(stderr, "mgsim: unknown command '%s'\n%s", argv[1], s_usage);
    return 2;
  }
  for (i = 2; i < argc; i++) {
    const char *opt = argv[i];
    if (strcmp(opt, "--seed") == 0 || strcmp(opt, "--repeat") == 0 ||
        strcmp(opt, "--trace") == 0) {
      if ((v = option_value(argc, argv, &i)) == NULL) goto fail;
      if (opt[2] == 's') {
        if (scn_parse_uint(v, UINT64_MAX, &seed) != 0) {
          fprintf(stderr, "mgsim: --seed wants an integer 0..%llu, not '%s'\n",
                  (unsigned long long) UINT64_MAX, v);
          goto fail;
        }
        has_seed = 1;
      } else if (opt[2] == 'r') {
        if (scn_parse_uint(v, 1000, &u) != 0 || u < 1) {
          fprintf(stderr, "mgsim: --repeat wants an integer 1..1000, not '%s'\n", v);
          goto fail;
        }
        repeat = (int) u;
      } else {
        trace_path = v;
      }
    } else if (strcmp(opt, "--max-trace") == 0 || strcmp(opt, "--max-work") == 0) {
      if ((v = option_value(argc, argv, &i)) == NULL) goto fail;
      if (scn_parse_uint(v, 1000000, &u) != 0) {
        fprintf(stderr, "mgsim: %s wants an integer 0..1000000, not '%s'\n", opt, v);
        goto fail;
      }
      if (opt[6] == 't') scn_max_trace_mib = (size_t) u;
      if (opt[6] == 'w') scn_max_work_millions = (unsigned long) u;
    } else if (strcmp(opt, "--timeline") == 0) {
      if ((outs.timeline.path = option_value(argc, argv, &i)) == NULL) goto fail;
    } else if (strcmp(opt, "--pcap") == 0) {
      if ((outs.pcap.path = option_value(argc, argv, &i)) == NULL) goto fail;
    } else if (strcmp(opt, "--peer-bytes") == 0) {
      if ((outs.bytes.path = option_value(argc, argv, &i)) == NULL) goto fail;
    } else if (strcmp(opt, "--verbose") == 0) {
      verbose = 1;
    } else if (strcmp(opt, "--native") == 0) {
      scn_native = 1;
    } else if (strcmp(opt, "--time-scale") == 0) {
      char *end;
      double x;
      if ((v = option_value(argc, argv, &i)) == NULL) goto fail;
      x = strtod(v, &end);
      if (*end != '\0' || end == v || !(x >= 0 && x <= 1000)) {
        fprintf(stderr, "mgsim: --time-scale wants a number 0..1000, not '%s'\n", v);
        goto fail;
      }
      scn_time_scale = x;
    } else if (opt[0] == '-') {
      fprintf(stderr, "mgsim: unknown option '%s'\n%s", opt, s_usage);
      goto fail;
    } else if (collect(opt, NULL, &files) != 0) {
      goto fail;
    }
  }
  if (files.n == 0) {
    fprintf(stderr, "mgsim: no scenario files given\n");
    goto fail;
  }
  if (trace_path != NULL) {
    trace_fp = strcmp(trace_path, "-") == 0 ? stdout : fopen(trace_path, "w");
    if (trace_fp == NULL) {
      fprintf(stderr, "mgsim: cannot write %s: %s\n", trace_path, strerror(errno));
      goto fail;
    }
  }
  if (compare && (scn_native || repeat != 1 || trace_fp != NULL)) {
    fprintf(stderr, "mgsim: compare runs both ways once; --native, --repeat and --trace "
                    "are for run\n");
    if (trace_fp != NULL && trace_fp != stdout) fclose(trace_fp);
    goto fail;
  }
  if (run_outputs_open(&outs, !check_only && !compare, files.items, files.n) != 0) {
    if (trace_fp != NULL && trace_fp != stdout) fclose(trace_fp);
    goto fail;
  }
  rc = compare ? compare_files(&files, seed, has_seed, verbose)
               : run_files(&files, check_only, seed, has_seed, repeat, verbose, trace_fp, &outs);
  if (run_outputs_close(&outs) != 0) rc = 2;
  list_free(&files);
  if (trace_fp != NULL && trace_fp != stdout && mgsim_close_output(trace_fp, trace_path) != 0) {
    rc = 2;
  }
  if (output_ok(stdout, "to stdout") != 0) rc = 2;
  return rc;
fail:
  list_free(&files);
  return 2;
}
