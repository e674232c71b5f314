/*
 * Timers: a connection without a socket ticks every interval, re-arming its
 * own timer from the MG_EV_TIMER handler, and stops after a number of ticks.
 *
 *   build/examples/timer [TICKS [INTERVAL_SECONDS]]   (default 5, 0.5)
 */
#include <stdio.h>
#include <stdlib.h>

#include "mongoose.h"

static int s_ticks_left = 5;
static double s_interval = 0.5;

static void ev_handler(struct mg_connection *nc, int ev, void *ev_data) {
  switch (ev) {
    case MG_EV_TIMER: {
      double due = *(double *) ev_data;
      printf("tick: due %.3f, late by %.1f ms\n", due, (mg_time() - due) * 1000);
      fflush(stdout);
      if (--s_ticks_left > 0) {
        mg_set_timer(nc, due + s_interval);
      } else {
        nc->flags |= MG_F_CLOSE_IMMEDIATELY;
      }
      break;
    }
    case MG_EV_CLOSE:
      printf("done\n");
      break;
    default:
      break;
  }
}

int main(int argc, char *argv[]) {
  struct mg_mgr mgr;
  struct mg_connection *nc;

  if (argc > 1) s_ticks_left = atoi(argv[1]);
  if (argc > 2) s_interval = atof(argv[2]);
  if (s_ticks_left <= 0 || s_interval <= 0) {
    fprintf(stderr, "usage: %s [TICKS [INTERVAL_SECONDS]]\n", argv[0]);
    return 2;
  }
  mg_mgr_init(&mgr, NULL);
  nc = mg_add_sock(&mgr, INVALID_SOCKET, ev_handler);
  mg_set_timer(nc, mg_time() + s_interval);
  while (mg_next(&mgr, NULL) != NULL) mg_mgr_poll(&mgr, 1000);
  mg_mgr_free(&mgr);
  return 0;
}
