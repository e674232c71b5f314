/*
 * sim_bench.c - how much faster than real time the simulation runs: CONNS
 * socketless connections, each re-arming its timer every INTERVAL seconds,
 * for HOURS of virtual time, on the simulated iface. Prints simulated seconds
 * per wall second.
 *
 *   sim_bench [CONNS [HOURS [INTERVAL [spread]]]]     (default 1000 1 1)
 *
 * By default all connections are armed at the same instant, as the timer
 * app does; "spread" staggers them over one interval, so that every timer
 * fires in a poll of its own (and every poll sends POLL to all CONNS).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "sim.h"

static long long s_fired;

static void rearm(struct mg_connection *nc, int ev, void *ev_data) {
  if (ev == MG_EV_TIMER) {
    double interval = *(double *) nc->user_data;
    s_fired++;
    mg_set_timer(nc, *(double *) ev_data + interval);
  }
}

static double wall(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  int conns = argc > 1 ? atoi(argv[1]) : 1000, i;
  double hours = argc > 2 ? atof(argv[2]) : 1.0;
  double interval = argc > 3 ? atof(argv[3]) : 1.0;
  int spread = argc > 4;
  int64_t end = (int64_t) (hours * 3600 * 1e6);
  struct sim *s = sim_new(1);
  struct mg_mgr mgr;
  double t0, t1;
  if (s == NULL || conns <= 0 || hours <= 0 || interval <= 0) {
    fprintf(stderr, "usage: %s [CONNS [HOURS [INTERVAL]]]\n", argv[0]);
    return 2;
  }
  sim_mgr_init(s, &mgr, NULL);
  for (i = 0; i < conns; i++) {
    struct mg_connection *nc = mg_add_sock(&mgr, INVALID_SOCKET, rearm);
    nc->user_data = &interval;
    mg_set_timer(nc, mg_time() + (spread ? interval * (i + 1) / conns : interval));
  }
  t0 = wall();
  if (sim_run_until(s, &mgr, end) != 0) {
    fprintf(stderr, "sim_bench: %s\n", sim_error(s));
    return 1;
  }
  t1 = wall();
  printf("sim_bench: %s conns=%d virtual_s=%.0f timers_fired=%lld wall_s=%.3f "
         "speedup=%.0fx timers_per_s=%.0f\n",
         spread ? "spread " : "aligned", conns, (double) end / 1e6, s_fired, t1 - t0,
         ((double) end / 1e6) / (t1 - t0), (double) s_fired / (t1 - t0));
  mg_mgr_free(&mgr);
  sim_free(s);
  return 0;
}
