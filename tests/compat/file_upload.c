/*
 * Uploads through the stock handler: mg_file_upload_handler() does the
 * streaming, upload_fname() decides where each file goes (UPLOAD_DIR plus
 * the file's base name) and refuses hidden names.
 *
 *   file_upload ADDRESS UPLOAD_DIR
 */
#include "mongoose.h"

static volatile sig_atomic_t s_exit_flag;
static const char *s_upload_dir;

static void on_signal(int sig) { s_exit_flag = sig; }

static struct mg_str upload_fname(struct mg_connection *nc, struct mg_str fname) {
  struct mg_str lfn = MG_NULL_STR;
  const char *base = fname.p;
  size_t i, len;
  char *path;
  (void) nc;

  for (i = 0; i < fname.len; i++) {
    if (fname.p[i] == '/' || fname.p[i] == '\\') base = fname.p + i + 1;
  }
  len = fname.len - (size_t) (base - fname.p);
  if (len == 0 || base[0] == '.') {
    printf("refused %.*s\n", (int) fname.len, fname.p);
    fflush(stdout);
    return lfn; /* a NULL p refuses the part */
  }
  path = (char *) malloc(strlen(s_upload_dir) + len + 2);
  if (path == NULL) return lfn;
  sprintf(path, "%s%c%.*s", s_upload_dir, DIRSEP, (int) len, base);
  printf("storing %.*s as %s\n", (int) fname.len, fname.p, path);
  fflush(stdout);
  lfn.p = path;
  lfn.len = strlen(path);
  return lfn;
}

static void handle_upload(struct mg_connection *nc, int ev, void *ev_data) {
  switch (ev) {
    case MG_EV_HTTP_PART_BEGIN:
    case MG_EV_HTTP_PART_DATA:
    case MG_EV_HTTP_PART_END:
    case MG_EV_HTTP_MULTIPART_REQUEST_END:
      mg_file_upload_handler(nc, ev, ev_data, upload_fname);
      break;
    default:
      break;
  }
}

static void ev_handler(struct mg_connection *nc, int ev, void *ev_data) {
  (void) ev_data;
  if (ev == MG_EV_HTTP_REQUEST) {
    mg_send_head(nc, 200, -1, "Content-Type: text/html");
    mg_printf_http_chunk(
        nc,
        "<form method=\"POST\" action=\"/upload\" enctype=\"multipart/form-data\">"
        "<input type=\"file\" name=\"file\"><input type=\"submit\"></form>\n");
    mg_send_http_chunk(nc, "", 0);
  }
}

int main(int argc, char *argv[]) {
  struct mg_mgr mgr;
  struct mg_connection *nc;

  if (argc != 3) {
    fprintf(stderr, "usage: %s ADDRESS UPLOAD_DIR\n", argv[0]);
    return EXIT_FAILURE;
  }
  s_upload_dir = argv[2];
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  signal(SIGPIPE, SIG_IGN);

  mg_mgr_init(&mgr, NULL);
  if ((nc = mg_bind(&mgr, argv[1], ev_handler)) == NULL) {
    fprintf(stderr, "Cannot bind to %s\n", argv[1]);
    return EXIT_FAILURE;
  }
  mg_register_http_endpoint(nc, "/upload", handle_upload);
  mg_set_protocol_http_websocket(nc);
  printf("file upload server on %s\n", argv[1]);
  fflush(stdout);
  while (!s_exit_flag) mg_mgr_poll(&mgr, 1000);
  mg_mgr_free(&mgr);
  return 0;
}
