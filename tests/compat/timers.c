/*
 * Timers on socketless connections (mg_add_sock with INVALID_SOCKET).
 * The "ticker" fires TICKS times, INTERVAL seconds apart, and then closes;
 * a second connection arms a timer and cancels it at once, so it must
 * never fire; a third fires once, halfway, and closes. The loop runs until
 * no connection is left.
 *
 *   timers [TICKS [INTERVAL]]
 */
#include "mongoose.h"

static volatile sig_atomic_t s_exit_flag;
static int s_ticks, s_max_ticks = 5;
static double s_interval = 0.1, s_start;

static void on_signal(int sig) { s_exit_flag = sig; }

static void ticker(struct mg_connection *nc, int ev, void *ev_data) {
  if (ev == MG_EV_TIMER) {
    double due = *(double *) ev_data;
    printf("tick %d/%d\n", ++s_ticks, s_max_ticks);
    fflush(stdout);
    if (s_ticks < s_max_ticks) {
      mg_set_timer(nc, due + s_interval);
    } else {
      nc->flags |= MG_F_CLOSE_IMMEDIATELY;
    }
  } else if (ev == MG_EV_CLOSE) {
    printf("ticker closed after %d ticks\n", s_ticks);
  }
}

static void cancelled(struct mg_connection *nc, int ev, void *ev_data) {
  (void) ev_data;
  if (ev == MG_EV_TIMER) {
    printf("ERROR: the cancelled timer fired\n");
    nc->flags |= MG_F_CLOSE_IMMEDIATELY;
  }
}

static void halfway(struct mg_connection *nc, int ev, void *ev_data) {
  (void) ev_data;
  if (ev == MG_EV_TIMER) {
    /* Halfway between two ticks, so the order of the lines is fixed. */
    printf("halfway (%d ticks so far)\n", s_ticks);
    fflush(stdout);
    nc->flags |= MG_F_CLOSE_IMMEDIATELY;
  }
}

int main(int argc, char *argv[]) {
  struct mg_mgr mgr;
  struct mg_connection *nc, *nc2, *nc3;
  double old;

  if (argc > 1) s_max_ticks = atoi(argv[1]);
  if (argc > 2) s_interval = atof(argv[2]);
  if (s_max_ticks < 2 || s_interval <= 0) {
    fprintf(stderr, "usage: %s [TICKS >= 2 [INTERVAL]]\n", argv[0]);
    return EXIT_FAILURE;
  }
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);

  mg_mgr_init(&mgr, NULL);
  s_start = mg_time();
  nc = mg_add_sock(&mgr, INVALID_SOCKET, ticker);
  nc2 = mg_add_sock(&mgr, INVALID_SOCKET, cancelled);
  nc3 = mg_add_sock(&mgr, INVALID_SOCKET, halfway);
  if (nc == NULL || nc2 == NULL || nc3 == NULL) {
    fprintf(stderr, "mg_add_sock failed\n");
    return EXIT_FAILURE;
  }
  mg_set_timer(nc, s_start + s_interval);
  mg_set_timer(nc2, s_start + s_interval / 2);
  old = mg_set_timer(nc2, 0);
  printf("cancelled a timer set for +%.2f s\n", old - s_start);
  mg_set_timer(nc3, s_start + s_interval * ((s_max_ticks / 2) + 0.5));
  fflush(stdout);

  while (!s_exit_flag) {
    mg_mgr_poll(&mgr, 1000);
    /* Only the cancelled connection left: it has nothing more to do. */
    if (mg_next(&mgr, NULL) == nc2 && mg_next(&mgr, nc2) == NULL) {
      nc2->flags |= MG_F_CLOSE_IMMEDIATELY;
      mg_mgr_poll(&mgr, 0);
      break;
    }
  }
  printf("elapsed %s %.1f s\n",
         mg_time() - s_start >= s_max_ticks * s_interval ? ">=" : "<",
         s_max_ticks * s_interval);
  mg_mgr_free(&mgr);
  return 0;
}
