/*
 * An HTTP client: fetches a URL (POSTs the data, if given) and prints the
 * reply's status and body.
 *
 *   build/examples/http_client URL [POST_DATA]
 */
#include <stdio.h>
#include <string.h>

#include "mongoose.h"

static int s_done;
static int s_status;
static int s_quiet; /* as a scenario app: the trace shows the reply */

static void ev_handler(struct mg_connection *nc, int ev, void *ev_data) {
  switch (ev) {
    case MG_EV_CONNECT:
      if (*(int *) ev_data != 0) {
        /* As a scenario app the trace shows it (CONNECT ECONNREFUSED...). */
        if (!s_quiet) fprintf(stderr, "connect failed: %s\n", strerror(*(int *) ev_data));
        s_done = 1;
      }
      break;
    case MG_EV_HTTP_REPLY: {
      struct http_message *hm = (struct http_message *) ev_data;
      s_status = hm->resp_code;
      if (!s_quiet) fwrite(hm->body.p, 1, hm->body.len, stdout);
      nc->flags |= MG_F_CLOSE_IMMEDIATELY;
      break;
    }
    case MG_EV_CLOSE:
      s_done = 1;
      break;
    default:
      break;
  }
}

#ifdef MG_EXAMPLE_APP
/* mgsim's "app http-client URL [POST_DATA]". */
int http_client_app(struct mg_mgr *mgr, int argc, char **argv, char *err,
                    size_t errlen);
int http_client_app(struct mg_mgr *mgr, int argc, char **argv, char *err,
                    size_t errlen) {
  const char *e = "bad URL";
  struct mg_connect_opts opts;
  if (argc < 1 || argc > 2) {
    snprintf(err, errlen, "usage: app http-client URL [POST_DATA]");
    return -1;
  }
  if (mgr == NULL) return 0;
  s_quiet = 1;
  memset(&opts, 0, sizeof(opts));
  opts.error_string = &e;
  if (mg_connect_http_opt(mgr, ev_handler, opts, argv[0], NULL,
                          argc > 1 ? argv[1] : NULL) == NULL) {
    snprintf(err, errlen, "cannot fetch %s: %s", argv[0], e);
    return -1;
  }
  return 0;
}
#else
int main(int argc, char *argv[]) {
  struct mg_mgr mgr;
  if (argc < 2) {
    fprintf(stderr, "usage: %s URL [POST_DATA]\n", argv[0]);
    return 2;
  }
  mg_mgr_init(&mgr, NULL);
  if (mg_connect_http(&mgr, ev_handler, argv[1], NULL, argc > 2 ? argv[2] : NULL) ==
      NULL) {
    fprintf(stderr, "invalid URL %s\n", argv[1]);
    return 2;
  }
  while (!s_done) mg_mgr_poll(&mgr, 1000);
  mg_mgr_free(&mgr);
  return s_status >= 200 && s_status < 400 ? 0 : 1;
}
#endif
