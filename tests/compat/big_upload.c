/*
 * Large uploads without buffering: a multipart/form-data POST to /upload
 * is streamed part by part, each file part written to UPLOAD_DIR under its
 * own (base)name as its data arrives.
 *
 *   big_upload ADDRESS UPLOAD_DIR
 *
 * The reply lists every stored part: "NAME: BYTES bytes\n".
 */
#include "mongoose.h"

struct file_writer {
  FILE *fp;
  char name[256];
  size_t bytes;
};

struct upload_state {
  struct mbuf summary;
  int failed;
};

static volatile sig_atomic_t s_exit_flag;
static const char *s_upload_dir;

static void on_signal(int sig) { s_exit_flag = sig; }

static const char *base_name(const char *path) {
  const char *p = strrchr(path, '/');
  const char *q = strrchr(path, '\\');
  if (q != NULL && (p == NULL || q > p)) p = q;
  return p != NULL ? p + 1 : path;
}

static void handle_upload(struct mg_connection *nc, int ev, void *p) {
  struct upload_state *st = (struct upload_state *) nc->user_data;

  switch (ev) {
    case MG_EV_HTTP_MULTIPART_REQUEST: {
      st = (struct upload_state *) calloc(1, sizeof(*st));
      mbuf_init(&st->summary, 128);
      nc->user_data = st;
      break;
    }
    case MG_EV_HTTP_PART_BEGIN: {
      struct mg_http_multipart_part *mp = (struct mg_http_multipart_part *) p;
      struct file_writer *fw;
      char path[512];
      if (mp->file_name == NULL || mp->file_name[0] == '\0') break;
      fw = (struct file_writer *) calloc(1, sizeof(*fw));
      snprintf(fw->name, sizeof(fw->name), "%s", base_name(mp->file_name));
      snprintf(path, sizeof(path), "%s%c%s", s_upload_dir, DIRSEP, fw->name);
      if (fw->name[0] == '\0' || fw->name[0] == '.' ||
          (fw->fp = mg_fopen(path, "wb")) == NULL) {
        fprintf(stderr, "cannot store %s\n", mp->file_name);
        free(fw);
        if (st != NULL) st->failed = 1;
        break;
      }
      mp->user_data = fw;
      break;
    }
    case MG_EV_HTTP_PART_DATA: {
      struct mg_http_multipart_part *mp = (struct mg_http_multipart_part *) p;
      struct file_writer *fw = (struct file_writer *) mp->user_data;
      if (fw == NULL) break;
      if (fwrite(mp->data.p, 1, mp->data.len, fw->fp) != mp->data.len) {
        if (st != NULL) st->failed = 1;
      }
      fw->bytes += mp->data.len;
      break;
    }
    case MG_EV_HTTP_PART_END: {
      struct mg_http_multipart_part *mp = (struct mg_http_multipart_part *) p;
      struct file_writer *fw = (struct file_writer *) mp->user_data;
      if (fw == NULL) break;
      fclose(fw->fp);
      if (st != NULL) {
        char line[320];
        int n = snprintf(line, sizeof(line), "%s: %" SIZE_T_FMT " bytes\n",
                         fw->name, fw->bytes);
        mbuf_append(&st->summary, line, (size_t) n);
        if (mp->status < 0) st->failed = 1;
      }
      printf("stored %s (%" SIZE_T_FMT " bytes)\n", fw->name, fw->bytes);
      fflush(stdout);
      free(fw);
      mp->user_data = NULL;
      break;
    }
    case MG_EV_HTTP_MULTIPART_REQUEST_END: {
      struct mg_http_multipart_part *mp = (struct mg_http_multipart_part *) p;
      if (st == NULL) break;
      if (st->failed || mp->status < 0) {
        mg_printf(nc,
                  "HTTP/1.1 500 Upload Failed\r\nContent-Length: 14\r\n"
                  "Connection: close\r\n\r\nupload failed\n");
      } else {
        mg_send_head(nc, 200, (int64_t) st->summary.len,
                     "Content-Type: text/plain");
        mg_send(nc, st->summary.buf, (int) st->summary.len);
      }
      nc->flags |= MG_F_SEND_AND_CLOSE;
      mbuf_free(&st->summary);
      free(st);
      nc->user_data = NULL;
      break;
    }
    case MG_EV_CLOSE:
      if (st != NULL) {
        mbuf_free(&st->summary);
        free(st);
        nc->user_data = NULL;
      }
      break;
    default:
      break;
  }
}

static void ev_handler(struct mg_connection *nc, int ev, void *ev_data) {
  (void) ev_data;
  if (ev == MG_EV_HTTP_REQUEST) {
    static const char form[] =
        "<html><body><form method=\"POST\" action=\"/upload\" "
        "enctype=\"multipart/form-data\"><input type=\"file\" name=\"file\">"
        "<input type=\"submit\" value=\"Upload\"></form></body></html>\n";
    mg_send_head(nc, 200, (int64_t) (sizeof(form) - 1), "Content-Type: text/html");
    mg_send(nc, form, (int) (sizeof(form) - 1));
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
  printf("upload server on %s, files go to %s\n", argv[1], s_upload_dir);
  fflush(stdout);
  while (!s_exit_flag) mg_mgr_poll(&mgr, 1000);
  mg_mgr_free(&mgr);
  return 0;
}
