/*
 * The simplest web server: files from a document root, with directory
 * listings, Range, ETag and keep-alive.
 *
 *   build/examples/simplest_web_server [ADDRESS [DOCUMENT_ROOT]]
 *   (default 127.0.0.1:8000 and the current directory)
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "mongoose.h"

static struct mg_serve_http_opts s_http_server_opts;

static void ev_handler(struct mg_connection *nc, int ev, void *ev_data) {
  if (ev == MG_EV_HTTP_REQUEST) {
    mg_serve_http(nc, (struct http_message *) ev_data, s_http_server_opts);
  }
}

#ifdef MG_EXAMPLE_APP
/* mgsim's "app http-static ADDRESS DOCUMENT_ROOT": this same handler, with
 * file times fixed so that traces replay on any checkout. */
int simplest_web_server_app(struct mg_mgr *mgr, int argc, char **argv,
                            char *err, size_t errlen);
int simplest_web_server_app(struct mg_mgr *mgr, int argc, char **argv,
                            char *err, size_t errlen) {
  static char root[512];
  struct mg_connection *nc;
  if (argc != 2) {
    snprintf(err, errlen, "usage: app http-static ADDRESS DOCUMENT_ROOT");
    return -1;
  }
  if (mgr == NULL) return 0;
  snprintf(root, sizeof(root), "%s", argv[1]);
  memset(&s_http_server_opts, 0, sizeof(s_http_server_opts));
  s_http_server_opts.document_root = root;
  s_http_server_opts.enable_directory_listing = "yes";
  s_http_server_opts.hidden_file_pattern = "*.secret";
  s_http_server_opts.fixed_mtime = 1700000000;
  if ((nc = mg_bind(mgr, argv[0], ev_handler)) == NULL) {
    snprintf(err, errlen, "cannot listen on %s", argv[0]);
    return -1;
  }
  mg_set_protocol_http_websocket(nc);
  return 0;
}
#else
static volatile sig_atomic_t s_signo;
static void on_signal(int signo) { s_signo = signo; }

int main(int argc, char *argv[]) {
  struct mg_mgr mgr;
  struct mg_connection *nc;
  const char *address = argc > 1 ? argv[1] : "127.0.0.1:8000";
  cs_stat_t st;

  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  signal(SIGPIPE, SIG_IGN);
  s_http_server_opts.document_root = argc > 2 ? argv[2] : ".";
  s_http_server_opts.enable_directory_listing = "yes";
  if (mg_stat(s_http_server_opts.document_root, &st) != 0) {
    fprintf(stderr, "cannot find the document root %s\n",
            s_http_server_opts.document_root);
    return 1;
  }
  mg_mgr_init(&mgr, NULL);
  if ((nc = mg_bind(&mgr, address, ev_handler)) == NULL) {
    fprintf(stderr, "cannot listen on %s\n", address);
    return 1;
  }
  mg_set_protocol_http_websocket(nc);
  printf("serving %s on %s\n", s_http_server_opts.document_root, address);
  fflush(stdout);
  while (s_signo == 0) mg_mgr_poll(&mgr, 1000);
  mg_mgr_free(&mgr);
  return 0;
}
#endif
