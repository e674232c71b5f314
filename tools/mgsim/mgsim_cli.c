/*
 * mgsim_cli.c - the command line of mgsim: find scenario files, run each
 * (several times with --repeat, comparing traces), print one line per
 * scenario and a summary.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "scn_internal.h"

static const char s_usage[] =
    "usage: mgsim run [OPTIONS] FILE|DIR...   run scenarios (*.scn in DIRs)\n"
    "       mgsim check FILE|DIR...           only parse them\n"
    "       mgsim from-fuzz INPUT             a fuzz session input as a scenario\n"
    "       mgsim to-fuzz OUTDIR FILE|DIR...  scenarios as fuzz session inputs\n"
    "       mgsim --help\n"
    "\n"
    "options:\n"
    "  --seed N       seed of the PRNG for files without a 'seed' line (default 1);\n"
    "                 a file that pins its seed keeps it\n"
    "  --trace FILE   write the trace(s) to FILE ('-' for stdout)\n"
    "  --repeat N     run each scenario N times; the traces must be identical\n"
    "  --verbose      print each scenario's trace\n"
    "\n"
    "exit status: 0 all passed, 1 a scenario failed, 2 a file is malformed\n"
    "or the command line is wrong. The last line is \"N passed, N failed\".\n";

struct list {
  char **items;
  size_t n, cap;
};

static int push(struct list *l, const char *s) {
  size_t len = strlen(s) + 1;
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 16;
    char **m = (char **) realloc(l->items, cap * sizeof(*m));
    if (m == NULL) return -1;
    l->items = m;
    l->cap = cap;
  }
  if ((l->items[l->n] = (char *) malloc(len)) == NULL) return -1;
  memcpy(l->items[l->n++], s, len);
  return 0;
}

static int by_name(const void *a, const void *b) {
  return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Files as given; directories searched for *.scn, in name order. */
static int collect(const char *path, struct list *out) {
  struct stat st;
  DIR *d;
  struct dirent *e;
  struct list here = {NULL, 0, 0};
  size_t i;
  if (stat(path, &st) != 0) {
    fprintf(stderr, "mgsim: %s: no such file or directory\n", path);
    return -1;
  }
  if (!S_ISDIR(st.st_mode)) return push(out, path);
  if ((d = opendir(path)) == NULL) return -1;
  while ((e = readdir(d)) != NULL) {
    char sub[4096];
    size_t n = strlen(e->d_name);
    struct stat sst;
    if (e->d_name[0] == '.') continue;
    snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
    if (stat(sub, &sst) != 0) continue;
    if (S_ISDIR(sst.st_mode) || (n > 4 && strcmp(e->d_name + n - 4, ".scn") == 0)) {
      push(&here, sub);
    }
  }
  closedir(d);
  if (here.n > 1) qsort(here.items, here.n, sizeof(char *), by_name);
  for (i = 0; i < here.n; i++) {
    collect(here.items[i], out);
    free(here.items[i]);
  }
  free(here.items);
  return 0;
}

static int from_fuzz(int argc, char **argv) {
  FILE *fp;
  struct mbuf in;
  char buf[4096], *text;
  size_t n;
  if (argc != 3 || (fp = fopen(argv[2], "rb")) == NULL) {
    fprintf(stderr, "usage: mgsim from-fuzz INPUT\n");
    return 2;
  }
  mbuf_init(&in, 0);
  while ((n = fread(buf, 1, sizeof(buf), fp)) > 0) mbuf_append(&in, buf, n);
  fclose(fp);
  text = session_to_scenario((const uint8_t *) in.buf, in.len);
  fputs(text, stdout);
  free(text);
  mbuf_free(&in);
  return 0;
}

/* Each scenario's peer commands as a session input: OUTDIR/NAME.bin. */
static int to_fuzz(int argc, char **argv) {
  struct list files = {NULL, 0, 0};
  size_t f;
  int i, written = 0, rc = 0;
  if (argc < 4) {
    fprintf(stderr, "usage: mgsim to-fuzz OUTDIR FILE|DIR...\n");
    return 2;
  }
  for (i = 3; i < argc; i++) {
    if (collect(argv[i], &files) != 0) return 2;
  }
  for (f = 0; f < files.n; f++) {
    char err[1024], out[4096], *name, *dot;
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
    /* scenarios/http/get.scn -> OUTDIR/http-get.bin */
    name = files.items[f] + (strncmp(files.items[f], "scenarios/", 10) == 0 ? 10 : 0);
    snprintf(out, sizeof(out), "%s/%s", argv[2], name);
    for (dot = out + strlen(argv[2]) + 1; *dot != '\0'; dot++) {
      if (*dot == '/') *dot = '-';
    }
    if ((dot = strrchr(out, '.')) != NULL) strcpy(dot, ".bin");
    if (len > 0 && (fp = fopen(out, "wb")) != NULL) {
      fwrite(bytes, 1, len, fp);
      fclose(fp);
      written++;
    }
    free(bytes);
    scn_free(sc);
    free(files.items[f]);
  }
  free(files.items);
  printf("%d session inputs written to %s\n", written, argv[2]);
  return rc;
}

int mgsim_main(int argc, char **argv) {
  struct list files = {NULL, 0, 0};
  const char *trace_path = NULL;
  unsigned long long seed = 0;
  int has_seed = 0, repeat = 1, verbose = 0, check_only, i;
  int passed = 0, failed = 0, malformed = 0;
  size_t f;
  FILE *trace_fp = NULL;

  scn_register_builtin_apps();
  if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
    fputs(s_usage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (strcmp(argv[1], "from-fuzz") == 0) return from_fuzz(argc, argv);
  if (strcmp(argv[1], "to-fuzz") == 0) return to_fuzz(argc, argv);
  check_only = strcmp(argv[1], "check") == 0;
  if (!check_only && strcmp(argv[1], "run") != 0) {
    fprintf(stderr, "mgsim: unknown command '%s'\n%s", argv[1], s_usage);
    return 2;
  }
  for (i = 2; i < argc; i++) {
    char *end;
    if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
      seed = strtoull(argv[++i], &end, 10);
      has_seed = 1;
      if (*end != '\0') {
        fprintf(stderr, "mgsim: --seed wants a number\n");
        return 2;
      }
    } else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc) {
      repeat = (int) strtol(argv[++i], &end, 10);
      if (*end != '\0' || repeat < 1 || repeat > 1000) {
        fprintf(stderr, "mgsim: --repeat wants 1..1000\n");
        return 2;
      }
    } else if (strcmp(argv[i], "--trace") == 0 && i + 1 < argc) {
      trace_path = argv[++i];
    } else if (strcmp(argv[i], "--verbose") == 0) {
      verbose = 1;
    } else if (argv[i][0] == '-') {
      fprintf(stderr, "mgsim: unknown option '%s'\n%s", argv[i], s_usage);
      return 2;
    } else if (collect(argv[i], &files) != 0) {
      return 2;
    }
  }
  if (files.n == 0) {
    fprintf(stderr, "mgsim: no scenario files given\n");
    return 2;
  }
  if (trace_path != NULL) {
    trace_fp = strcmp(trace_path, "-") == 0 ? stdout : fopen(trace_path, "w");
    if (trace_fp == NULL) {
      fprintf(stderr, "mgsim: cannot write %s\n", trace_path);
      return 2;
    }
  }

  for (f = 0; f < files.n; f++) {
    char err[1024];
    struct scn *sc = scn_load(files.items[f], err, sizeof(err));
    struct scn_result first;
    uint64_t s;
    int r, same = 1;
    if (sc == NULL) {
      printf("BAD  %s\n", err);
      malformed++;
      continue;
    }
    if (check_only) {
      printf("ok   %s (%d lines)\n", files.items[f], sc->nlines);
      passed++;
      scn_free(sc);
      continue;
    }
    s = sc->has_seed ? sc->seed : has_seed ? seed : 1;
    scn_run(sc, s, &first);
    for (r = 1; r < repeat && first.trace != NULL; r++) {
      struct scn_result again;
      scn_run(sc, s, &again);
      if (again.trace == NULL || strcmp(again.trace, first.trace) != 0 ||
          again.passed != first.passed) {
        same = 0;
      }
      scn_result_free(&again);
      if (!same) break;
    }
    if (first.trace == NULL) {
      printf("FAIL %s: out of memory\n", files.items[f]);
      failed++;
    } else if (!first.passed) {
      printf("FAIL %s\n%s", files.items[f], first.message);
      failed++;
    } else if (!same) {
      printf("FAIL %s: run %d of seed %llu gave a different trace\n",
             files.items[f], r + 1, (unsigned long long) s);
      failed++;
    } else {
      printf("ok   %s (%d expectations, %.6f s virtual%s)\n", files.items[f],
             first.expectations, (double) first.end_us / 1e6,
             repeat > 1 ? ", trace identical each run" : "");
      passed++;
    }
    if (verbose && first.trace != NULL) fputs(first.trace, stdout);
    if (trace_fp != NULL && first.trace != NULL) {
      if (files.n > 1) {
        fprintf(trace_fp, "# %s seed %llu\n", files.items[f], (unsigned long long) s);
      }
      fputs(first.trace, trace_fp);
    }
    scn_result_free(&first);
    scn_free(sc);
  }
  if (trace_fp != NULL && trace_fp != stdout) fclose(trace_fp);
  for (f = 0; f < files.n; f++) free(files.items[f]);
  free(files.items);
  printf("%d passed, %d failed\n", passed, failed + malformed);
  return malformed > 0 ? 2 : failed > 0 ? 1 : 0;
}
