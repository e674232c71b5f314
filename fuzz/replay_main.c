/*
 * replay_main.c - the plain main() of every fuzz target: runs the target's
 * LLVMFuzzerTestOneInput on each file given (directories are walked), so a
 * corpus or a crash replays under gcc, valgrind or a debugger, with no
 * fuzzing engine at all.
 *
 *   build/fuzz-replay/TARGET FILE|DIR...
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int replay_file(const char *path) {
  FILE *fp = fopen(path, "rb");
  uint8_t *buf;
  long size;
  if (fp == NULL || fseek(fp, 0, SEEK_END) != 0 || (size = ftell(fp)) < 0 ||
      fseek(fp, 0, SEEK_SET) != 0) {
    fprintf(stderr, "replay: cannot read %s\n", path);
    if (fp != NULL) fclose(fp);
    return -1;
  }
  /* One byte more than needed, so a zero-size input still has a buffer. */
  if ((buf = (uint8_t *) malloc((size_t) size + 1)) == NULL ||
      fread(buf, 1, (size_t) size, fp) != (size_t) size) {
    fprintf(stderr, "replay: cannot read %s\n", path);
    free(buf);
    fclose(fp);
    return -1;
  }
  fclose(fp);
  LLVMFuzzerTestOneInput(buf, (size_t) size);
  free(buf);
  return 0;
}

static int by_name(const void *a, const void *b) {
  return strcmp(*(char *const *) a, *(char *const *) b);
}

static int replay(const char *path, int *count) {
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
  if (!S_ISDIR(st.st_mode)) {
    (*count)++;
    return replay_file(path);
  }
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
    if (replay(names[i], count) != 0) rc = -1;
    free(names[i]);
  }
  free(names);
  return rc;
}

int main(int argc, char **argv) {
  int i, count = 0, rc = 0;
  if (LLVMFuzzerInitialize != NULL) LLVMFuzzerInitialize(&argc, &argv);
  if (argc < 2) {
    fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
    return 2;
  }
  for (i = 1; i < argc; i++) {
    if (replay(argv[i], &count) != 0) rc = 1;
  }
  printf("replayed %d inputs\n", count);
  return rc;
}
