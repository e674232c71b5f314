/*
 * A static file server with the options people used most: a document root,
 * index files, extra MIME types, extra headers on every reply. Directory
 * listing is left at its default (on).
 *
 *   static_server ADDRESS DOCUMENT_ROOT
 */
#include "mongoose.h"

static volatile sig_atomic_t s_exit_flag;
static struct mg_serve_http_opts s_opts;

static void on_signal(int sig) { s_exit_flag = sig; }

static void ev_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct http_message *hm = (struct http_message *) ev_data;
  if (ev == MG_EV_HTTP_REQUEST) {
    printf("%.*s %.*s\n", (int) hm->method.len, hm->method.p, (int) hm->uri.len,
           hm->uri.p);
    fflush(stdout);
    mg_serve_http(nc, hm, s_opts);
  }
}

int main(int argc, char *argv[]) {
  struct mg_mgr mgr;
  struct mg_connection *nc;
  cs_stat_t st;

  if (argc != 3) {
    fprintf(stderr, "usage: %s ADDRESS DOCUMENT_ROOT\n", argv[0]);
    return EXIT_FAILURE;
  }
  if (mg_stat(argv[2], &st) != 0 || !S_ISDIR(st.st_mode)) {
    fprintf(stderr, "%s is not a directory\n", argv[2]);
    return EXIT_FAILURE;
  }
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  signal(SIGPIPE, SIG_IGN);

  memset(&s_opts, 0, sizeof(s_opts));
  s_opts.document_root = argv[2];
  s_opts.index_files = "home.html,index.html";
  s_opts.custom_mime_types = ".note=text/x-note,.cfg=application/x-compat-config";
  s_opts.extra_headers = "X-Served-By: compat-static\r\nCache-Control: no-cache";

  mg_mgr_init(&mgr, NULL);
  if ((nc = mg_bind(&mgr, argv[1], ev_handler)) == NULL) {
    fprintf(stderr, "Cannot bind to %s\n", argv[1]);
    return EXIT_FAILURE;
  }
  mg_set_protocol_http_websocket(nc);
  printf("serving %s on %s\n", argv[2], argv[1]);
  fflush(stdout);
  while (!s_exit_flag) mg_mgr_poll(&mgr, 1000);
  mg_mgr_free(&mgr);
  return 0;
}
