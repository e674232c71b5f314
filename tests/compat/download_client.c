/*
 * Downloads a URL into a file without holding the body in memory: each
 * MG_EV_HTTP_CHUNK is written out and dropped (MG_F_DELETE_CHUNK); the
 * final MG_EV_HTTP_REPLY only says that the transfer is complete.
 *
 *   download_client URL OUTPUT_FILE
 *
 * Prints "status CODE, N bytes in several chunks" (or "in <2 chunks").
 */
#include "mongoose.h"

static volatile sig_atomic_t s_exit_flag;
static FILE *s_out;
static size_t s_bytes, s_chunks;
static int s_done, s_status;

static void on_signal(int sig) { s_exit_flag = sig; }

static void ev_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct http_message *hm = (struct http_message *) ev_data;
  switch (ev) {
    case MG_EV_CONNECT:
      if (*(int *) ev_data != 0) {
        fprintf(stderr, "connect failed: %s\n", strerror(*(int *) ev_data));
        s_done = 1;
      }
      break;
    case MG_EV_HTTP_CHUNK:
      fwrite(hm->body.p, 1, hm->body.len, s_out);
      s_bytes += hm->body.len;
      s_chunks++;
      nc->flags |= MG_F_DELETE_CHUNK;
      break;
    case MG_EV_HTTP_REPLY:
      s_status = hm->resp_code;
      printf("status %d, %" SIZE_T_FMT " bytes in %s chunks\n", hm->resp_code,
             s_bytes, s_chunks > 1 ? "several" : "<2");
      nc->flags |= MG_F_CLOSE_IMMEDIATELY;
      s_done = 1;
      break;
    case MG_EV_CLOSE:
      if (!s_done) fprintf(stderr, "closed before the reply was complete\n");
      s_done = 1;
      break;
    default:
      break;
  }
}

int main(int argc, char *argv[]) {
  struct mg_mgr mgr;

  if (argc != 3) {
    fprintf(stderr, "usage: %s URL OUTPUT_FILE\n", argv[0]);
    return EXIT_FAILURE;
  }
  if ((s_out = fopen(argv[2], "wb")) == NULL) {
    fprintf(stderr, "cannot write %s: %s\n", argv[2], strerror(errno));
    return EXIT_FAILURE;
  }
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);

  mg_mgr_init(&mgr, NULL);
  if (mg_connect_http(&mgr, ev_handler, argv[1], NULL, NULL) == NULL) {
    fprintf(stderr, "bad URL %s\n", argv[1]);
    return EXIT_FAILURE;
  }
  while (!s_done && !s_exit_flag) mg_mgr_poll(&mgr, 1000);
  mg_mgr_free(&mgr);
  fclose(s_out);
  return s_status == 200 ? 0 : 1;
}
