/*
 * header_names: the portability names and system declarations a Mongoose 6
 * program takes from mongoose.h alone. It prints what it computes with
 * them; the check compares the output with known values.
 */
#include "mongoose.h"

static volatile sig_atomic_t s_signalled;

static void on_signal(int sig) { s_signalled = sig; }

static int NOINLINE twice(int x) { return 2 * x; }

WEAK int overridable(void);
WEAK int overridable(void) { return 7; }

static void handler(struct mg_connection *nc, int ev, void *ev_data MG_UD_ARG(void *ud)) {
  (void) nc;
  (void) ev;
  (void) ev_data;
}

int main(void) {
  static const char *words[] = {"a", "b", "c"};
  int64_t big = to64("-9007199254740993");
  size_t n = ARRAY_SIZE(words);
  char *copy = strdup("dup");
  sock_t s = socket(AF_INET, SOCK_STREAM, 0);
  cs_stat_t st;
  mg_event_handler_t h = MG_CB(handler, NULL);
  struct timeval tv;
  char path[] = {'a', DIRSEP, 'b', '\0'};

  signal(SIGINT, on_signal);
  raise(SIGINT);
  if (copy == NULL || s == INVALID_SOCKET || gettimeofday(&tv, NULL) != 0) return EXIT_FAILURE;
  closesocket(s);
  printf("version %s\n", MG_VERSION);
  printf("int64 %" INT64_FMT " hex %" INT64_X_FMT "\n", big, (int64_t) 255);
  printf("size %" SIZE_T_FMT " %s\n", n, copy);
  printf("signal %d\n", s_signalled == SIGINT);
  printf("rand_max %d\n", RAND_MAX >= 32767);
  printf("path %s\n", path);
  printf("stat %d\n", mg_stat("/", &st) == 0 && S_ISDIR(st.st_mode));
  printf("calls %d %d %d\n", twice(21), overridable(), h == handler);
  printf("limits %d %d\n", INT_MAX > 0, isdigit('7') != 0);
  free(copy);
  return EXIT_SUCCESS;
}
