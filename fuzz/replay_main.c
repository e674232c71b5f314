/*
 * replay_main.c - the plain main() of every fuzz target: runs the target's
 * LLVMFuzzerTestOneInput on each file given (directories are walked), so a
 * corpus or a crash replays under gcc, valgrind or a debugger, with no
 * fuzzing engine at all.
 *
 *   build/fuzz-replay/TARGET FILE|DIR...
 *   build/fuzz-replay/TARGET --twice FILE|DIR...
 *   build/fuzz-replay/TARGET --slowest N FILE|DIR...
 *
 * --slowest runs every input once and lists the N that took longest (wall
 * time, in microseconds), slowest first: the inputs that drag a fuzzer's
 * executions per second down.
 *
 * --twice looks for state that one input leaves behind for the next (a
 * static, a cache, a counter, a buffer not reset): what a persistent-mode
 * fuzzer sees as instability. Each input A, with B the input after it
 * (the first one after the last), runs in the order A A B A B in this one
 * process, and the runs of each must agree: A once more (A,A), A after B
 * (A,B,A), B after A once more (B,A,B). What a run produced is what it
 * wrote to stdout (a simulation target's trace with MG_FUZZ_TRACE=1;
 * nothing, for most parser targets) and, in a build with clang's
 * -fsanitize-coverage=inline-8bit-counters,pc-table (build/fuzz-replay-cov,
 * the libFuzzer objects), how often each edge ran: the edges that differ
 * are named. Any difference fails the run.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

/* ---- reading inputs ------------------------------------------------------ */

/* The file's bytes (one more allocated, so an empty file still has a
 * buffer), or NULL. */
static uint8_t *read_file(const char *path, size_t *size) {
  FILE *fp = fopen(path, "rb");
  uint8_t *buf = NULL;
  long n;
  if (fp == NULL || fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) < 0 ||
      fseek(fp, 0, SEEK_SET) != 0 || (buf = (uint8_t *) malloc((size_t) n + 1)) == NULL ||
      fread(buf, 1, (size_t) n, fp) != (size_t) n) {
    fprintf(stderr, "replay: cannot read %s\n", path);
    free(buf);
    if (fp != NULL) fclose(fp);
    return NULL;
  }
  fclose(fp);
  *size = (size_t) n;
  return buf;
}

static int replay_file(const char *path) {
  size_t size;
  uint8_t *buf = read_file(path, &size);
  if (buf == NULL) return -1;
  LLVMFuzzerTestOneInput(buf, size);
  free(buf);
  return 0;
}

static int by_name(const void *a, const void *b) {
  return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Calls each_file on path, or on every file under it in name order. */
static int walk(const char *path, int (*each_file)(const char *path, void *arg),
                void *arg) {
  struct stat st;
  DIR *d;
  struct dirent *e;
  char **names = NULL;
  size_t n = 0, i;
  int rc = 0;
  if (stat(path, &st) != 0) {
    fprintf(stderr, "replay: no such file %s\n", path);
    return -1;
  }
  if (!S_ISDIR(st.st_mode)) return each_file(path, arg);
  if ((d = opendir(path)) == NULL) return -1;
  while ((e = readdir(d)) != NULL) {
    char **m;
    if (e->d_name[0] == '.') continue;
    if ((m = (char **) realloc(names, (n + 1) * sizeof(*m))) == NULL) break;
    names = m;
    names[n] = (char *) malloc(strlen(path) + strlen(e->d_name) + 2);
    if (names[n] == NULL) break;
    sprintf(names[n], "%s/%s", path, e->d_name);
    n++;
  }
  closedir(d);
  if (n > 1) qsort(names, n, sizeof(*names), by_name);
  for (i = 0; i < n; i++) {
    if (walk(names[i], each_file, arg) != 0) rc = -1;
    free(names[i]);
  }
  free(names);
  return rc;
}

static int replay_one(const char *path, void *arg) {
  (*(int *) arg)++;
  return replay_file(path);
}

/* ---- --twice: edge counters ---------------------------------------------- */

/* Clang's inline 8-bit counters, one per edge, and the table of the edges'
 * addresses, registered by each instrumented module's constructor. A build
 * without them never calls these, and --twice compares stdout alone. */
void __sanitizer_cov_8bit_counters_init(uint8_t *start, uint8_t *stop);
void __sanitizer_cov_pcs_init(const uintptr_t *beg, const uintptr_t *end);
/* The sanitizer runtime's symbolizer, when one is linked in. */
void __sanitizer_symbolize_pc(void *pc, const char *fmt, char *out, size_t len)
    __attribute__((weak));

#define MAX_MODULES 16
static struct {
  uint8_t *start, *stop;
} s_counters[MAX_MODULES];
static struct {
  const uintptr_t *beg, *end; /* pairs: address, flags */
} s_pcs[MAX_MODULES];
static int s_ncounters, s_npcs;

void __sanitizer_cov_8bit_counters_init(uint8_t *start, uint8_t *stop) {
  int i;
  for (i = 0; i < s_ncounters; i++) {
    if (s_counters[i].start == start) return; /* every object file reports it */
  }
  if (s_ncounters == MAX_MODULES || start >= stop) return;
  s_counters[s_ncounters].start = start;
  s_counters[s_ncounters].stop = stop;
  s_ncounters++;
}

void __sanitizer_cov_pcs_init(const uintptr_t *beg, const uintptr_t *end) {
  int i;
  for (i = 0; i < s_npcs; i++) {
    if (s_pcs[i].beg == beg) return;
  }
  if (s_npcs == MAX_MODULES || beg >= end) return;
  s_pcs[s_npcs].beg = beg;
  s_pcs[s_npcs].end = end;
  s_npcs++;
}

static size_t counters_total(void) {
  size_t n = 0;
  int i;
  for (i = 0; i < s_ncounters; i++) {
    n += (size_t) (s_counters[i].stop - s_counters[i].start);
  }
  return n;
}

static void counters_clear(void) {
  int i;
  for (i = 0; i < s_ncounters; i++) {
    memset(s_counters[i].start, 0, (size_t) (s_counters[i].stop - s_counters[i].start));
  }
}

static void counters_copy(uint8_t *out) {
  int i;
  for (i = 0; i < s_ncounters; i++) {
    size_t n = (size_t) (s_counters[i].stop - s_counters[i].start);
    memcpy(out, s_counters[i].start, n);
    out += n;
  }
}

/* The address of edge k (counters and tables are in the same order), or 0
 * when the tables do not line up. */
static uintptr_t edge_pc(size_t k) {
  int i;
  if (s_npcs != s_ncounters) return 0;
  for (i = 0; i < s_ncounters; i++) {
    size_t n = (size_t) (s_counters[i].stop - s_counters[i].start);
    if ((size_t) (s_pcs[i].end - s_pcs[i].beg) != 2 * n) return 0;
    if (k < n) return s_pcs[i].beg[2 * k];
    k -= n;
  }
  return 0;
}

static void describe_edge(size_t k, char *out, size_t len) {
  uintptr_t pc = edge_pc(k);
  if (pc == 0) {
    snprintf(out, len, "edge %zu", k);
  } else if (__sanitizer_symbolize_pc != NULL) {
    __sanitizer_symbolize_pc((void *) pc, "%p %F %L", out, len);
  } else {
    snprintf(out, len, "%#lx", (unsigned long) pc);
  }
}

/* ---- --twice: runs and their products ------------------------------------ */

/* What one run produced. */
struct product {
  char *out; /* stdout */
  size_t len;
  uint8_t *edges; /* counters_total() bytes, or NULL */
};

static int s_capture_fd = -1; /* stdout goes here during a run */
static int s_stdout_fd = -1;

/* Raw descriptor calls only: a FILE over the capture file would keep its
 * own idea of the offset, which the target's writes share. */
static int run_captured(const uint8_t *data, size_t size, struct product *p) {
  off_t n;
  memset(p, 0, sizeof(*p));
  fflush(stdout);
  if (ftruncate(s_capture_fd, 0) != 0 || lseek(s_capture_fd, 0, SEEK_SET) != 0 ||
      dup2(s_capture_fd, STDOUT_FILENO) < 0) {
    return -1;
  }
  counters_clear();
  LLVMFuzzerTestOneInput(data, size);
  fflush(stdout);
  if (dup2(s_stdout_fd, STDOUT_FILENO) < 0) return -1;
  if (counters_total() > 0 && (p->edges = (uint8_t *) malloc(counters_total())) != NULL) {
    counters_copy(p->edges);
  }
  if ((n = lseek(s_capture_fd, 0, SEEK_END)) < 0 ||
      (p->out = (char *) malloc((size_t) n + 1)) == NULL ||
      pread(s_capture_fd, p->out, (size_t) n, 0) != (ssize_t) n) {
    return -1;
  }
  p->out[n] = '\0';
  p->len = (size_t) n;
  return 0;
}

static void product_free(struct product *p) {
  free(p->out);
  free(p->edges);
  memset(p, 0, sizeof(*p));
}

/* Reports how two runs of one input differ; 0 when they do not. */
static int compare(const char *path, const char *order, const struct product *a,
                   const struct product *b) {
  int bad = 0;
  if (a->len != b->len || memcmp(a->out, b->out, a->len) != 0) {
    size_t i = 0, line = 1, n = a->len < b->len ? a->len : b->len;
    const char *ea, *eb;
    size_t la, lb;
    for (; i < n && a->out[i] == b->out[i]; i++) {
      if (a->out[i] == '\n') line++;
    }
    while (i > 0 && a->out[i - 1] != '\n') i--; /* back to the line's start */
    ea = strchr(a->out + i, '\n');
    eb = strchr(b->out + i, '\n');
    la = ea != NULL ? (size_t) (ea - (a->out + i)) : a->len - i;
    lb = eb != NULL ? (size_t) (eb - (b->out + i)) : b->len - i;
    fprintf(stderr,
            "twice: %s: stdout differs (%s), %zu vs %zu bytes, from line %zu:\n"
            "  first: %.*s\n  then:  %.*s\n",
            path, order, a->len, b->len, line, (int) (la < 200 ? la : 200), a->out + i,
            (int) (lb < 200 ? lb : 200), b->out + i);
    bad = 1;
  }
  if (a->edges != NULL && b->edges != NULL) {
    size_t k, total = counters_total(), diff = 0;
    char where[512];
    int pass;
    /* Edges that ran in one run only come first: the branch that differs
     * is among them; the rest only ran more or less often. */
    for (pass = 0; pass < 2; pass++) {
      for (k = 0; k < total; k++) {
        int once = a->edges[k] == 0 || b->edges[k] == 0;
        if (a->edges[k] == b->edges[k] || once != (pass == 0)) continue;
        if (diff++ < 8) {
          describe_edge(k, where, sizeof(where));
          fprintf(stderr, "twice: %s: edge ran %u then %u times (%s): %s\n", path,
                  a->edges[k], b->edges[k], order, where);
        }
      }
    }
    if (diff > 8) fprintf(stderr, "twice: %s: ... %zu edges differ in all\n", path, diff);
    if (diff > 0) bad = 1;
  }
  return bad;
}

struct twice {
  char **paths;
  size_t n, cap;
};

static int collect(const char *path, void *arg) {
  struct twice *t = (struct twice *) arg;
  if (t->n == t->cap) {
    size_t cap = t->cap ? t->cap * 2 : 64;
    char **p = (char **) realloc(t->paths, cap * sizeof(*p));
    if (p == NULL) return -1;
    t->paths = p;
    t->cap = cap;
  }
  if ((t->paths[t->n] = strdup(path)) == NULL) return -1;
  t->n++;
  return 0;
}

/* A A B A B: returns the number of comparisons that failed, -1 on error. */
static int twice_pair(const char *pa, const char *pb) {
  size_t sa, sb;
  uint8_t *a = read_file(pa, &sa), *b = read_file(pb, &sb);
  struct product r[5];
  int i, bad = -1;
  memset(r, 0, sizeof(r));
  if (a != NULL && b != NULL && run_captured(a, sa, &r[0]) == 0 &&
      run_captured(a, sa, &r[1]) == 0 && run_captured(b, sb, &r[2]) == 0 &&
      run_captured(a, sa, &r[3]) == 0 && run_captured(b, sb, &r[4]) == 0) {
    bad = compare(pa, "A then A", &r[0], &r[1]);
    bad += compare(pa, "A, B, A", &r[0], &r[3]);
    bad += compare(pb, "B, A, B", &r[2], &r[4]);
  } else if (a != NULL && b != NULL) {
    fprintf(stderr, "twice: cannot capture stdout\n");
  }
  for (i = 0; i < 5; i++) product_free(&r[i]);
  free(a);
  free(b);
  return bad;
}

static int twice_main(int argc, char **argv) {
  struct twice t = {NULL, 0, 0};
  FILE *capture;
  size_t i;
  int rc = 0, differ = 0;
  for (i = 0; i < (size_t) argc; i++) {
    if (walk(argv[i], collect, &t) != 0) rc = 1;
  }
  if ((s_stdout_fd = dup(STDOUT_FILENO)) < 0 || (capture = tmpfile()) == NULL) {
    fprintf(stderr, "twice: cannot capture stdout\n");
    return 2;
  }
  s_capture_fd = fileno(capture);
  for (i = 0; i < t.n; i++) {
    int bad = twice_pair(t.paths[i], t.paths[(i + 1) % t.n]);
    if (bad < 0) rc = 1;
    if (bad > 0) differ++;
  }
  printf("replayed %zu inputs 5 times each in pairs (%s), %d differ\n", t.n,
         counters_total() > 0 ? "stdout and edges compared" : "stdout compared", differ);
  for (i = 0; i < t.n; i++) free(t.paths[i]);
  free(t.paths);
  fclose(capture);
  close(s_stdout_fd);
  return rc != 0 || differ != 0 ? 1 : 0;
}

/* ---- --slowest ----------------------------------------------------------- */

struct timed {
  double us;
  const char *path;
};

static int slower_first(const void *a, const void *b) {
  double x = ((const struct timed *) a)->us, y = ((const struct timed *) b)->us;
  return x < y ? 1 : x > y ? -1 : 0;
}

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec * 1e6 + (double) ts.tv_nsec / 1e3;
}

static int slowest_main(long top, int argc, char **argv) {
  struct twice t = {NULL, 0, 0};
  struct timed *times;
  double total = 0;
  size_t i;
  int rc = 0;
  for (i = 0; i < (size_t) argc; i++) {
    if (walk(argv[i], collect, &t) != 0) rc = 1;
  }
  if ((times = (struct timed *) calloc(t.n + 1, sizeof(*times))) == NULL) return 2;
  for (i = 0; i < t.n; i++) {
    double start = now_us();
    if (replay_file(t.paths[i]) != 0) rc = 1;
    times[i].us = now_us() - start;
    times[i].path = t.paths[i];
    total += times[i].us;
  }
  qsort(times, t.n, sizeof(*times), slower_first);
  printf("%zu inputs, %.0f us each on average; the slowest:\n", t.n,
         t.n > 0 ? total / (double) t.n : 0.0);
  for (i = 0; i < t.n && (long) i < top; i++) {
    printf("%12.0f us  %s\n", times[i].us, times[i].path);
  }
  for (i = 0; i < t.n; i++) free(t.paths[i]);
  free(t.paths);
  free(times);
  return rc;
}

int main(int argc, char **argv) {
  int i, count = 0, rc = 0;
  if (LLVMFuzzerInitialize != NULL) LLVMFuzzerInitialize(&argc, &argv);
  if (argc >= 2 && strcmp(argv[1], "--slowest") == 0) {
    char *end;
    long top = argc >= 4 ? strtol(argv[2], &end, 10) : 0;
    if (argc < 4 || *end != '\0' || top <= 0) {
      fprintf(stderr, "usage: %s --slowest N FILE|DIR...\n", argv[0]);
      return 2;
    }
    return slowest_main(top, argc - 3, argv + 3);
  }
  if (argc >= 2 && strcmp(argv[1], "--twice") == 0) {
    if (argc < 3) {
      fprintf(stderr, "usage: %s --twice FILE|DIR...\n", argv[0]);
      return 2;
    }
    return twice_main(argc - 2, argv + 2);
  }
  if (argc < 2) {
    fprintf(stderr, "usage: %s [--twice | --slowest N] FILE|DIR...\n", argv[0]);
    return 2;
  }
  for (i = 1; i < argc; i++) {
    if (walk(argv[i], replay_one, &count) != 0) rc = 1;
  }
  printf("replayed %d inputs\n", count);
  return rc;
}
