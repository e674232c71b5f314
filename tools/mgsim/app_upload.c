/*
 * app_upload.c - the http-upload app: an HTTP server that takes
 * multipart/form-data requests part by part and says what it saw.
 *
 *   app http-upload ADDRESS [consume N]
 *
 * Each multipart event adds a trace line (MP_REQUEST, PART_BEGIN with the
 * names, PART_DATA with its size and first bytes, PART_END and REQUEST_END
 * with their status), so that `expect order` can check the sequence. A
 * request that ends well is answered 200 with a line per part: its names,
 * its size and the sum of its bytes, which shows a byte lost, doubled or
 * reordered whatever the reads were. With `consume N` the app takes at most
 * N bytes of each PART_DATA and leaves the rest to be offered again. Other
 * requests get "plain URI BODY-LENGTH".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "world.h"

struct upload_app {
  struct mbuf summary;
  size_t bytes; /* of the current part */
  uint32_t sum; /* of the current part: sum of (byte * position) */
};

static void trace(struct mg_connection *nc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void trace(struct mg_connection *nc, const char *fmt, ...) {
  char who[16], text[256];
  va_list ap;
  struct scn_ctx *ctx = scn_current();
  if (ctx == NULL) return;
  va_start(ap, fmt);
  vsnprintf(text, sizeof(text), fmt, ap);
  va_end(ap);
  snprintf(who, sizeof(who), "#%d", w_conn_id(ctx, nc));
  w_trace(ctx, who, "%s", text);
}

static void escaped(const char *p, size_t n, char *out, size_t cap) {
  size_t i, o = 0;
  for (i = 0; i < n && o + 5 < cap; i++) {
    unsigned char c = (unsigned char) p[i];
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      out[o++] = (char) c;
    } else {
      o += (size_t) snprintf(out + o, cap - o, "\\x%02x", c);
    }
  }
  out[o] = '\0';
}

static void upload_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct mg_http_multipart_part *mp = (struct mg_http_multipart_part *) ev_data;
  struct http_message *hm = (struct http_message *) ev_data;
  struct upload_app *u;
  size_t limit = (size_t) (uintptr_t) nc->user_data, i;
  char text[80];
  switch (ev) {
    case MG_EV_HTTP_REQUEST:
      mg_send_head(nc, 200, -1, "Content-Type: text/plain");
      mg_printf_http_chunk(nc, "plain %.*s %zu\n", (int) hm->uri.len, hm->uri.p,
                           hm->body.len);
      mg_send_http_chunk(nc, "", 0);
      break;
    case MG_EV_HTTP_MULTIPART_REQUEST:
      escaped(hm->uri.p, hm->uri.len, text, sizeof(text));
      trace(nc, "MP_REQUEST %s body %zu", text, hm->body.len);
      break;
    case MG_EV_HTTP_PART_BEGIN:
      if (mp->user_data == NULL) {
        if ((u = (struct upload_app *) calloc(1, sizeof(*u))) == NULL) {
          nc->flags |= MG_F_CLOSE_IMMEDIATELY;
          return;
        }
        mbuf_init(&u->summary, 0);
        mp->user_data = u;
      }
      u = (struct upload_app *) mp->user_data;
      u->bytes = 0;
      u->sum = 0;
      trace(nc, "PART_BEGIN \"%s\" \"%s\"", mp->var_name, mp->file_name);
      break;
    case MG_EV_HTTP_PART_DATA:
      if ((u = (struct upload_app *) mp->user_data) == NULL) return;
      if (limit > 0 && mp->num_data_consumed > limit) mp->num_data_consumed = limit;
      escaped(mp->data.p, mp->data.len < 16 ? mp->data.len : 16, text, sizeof(text));
      trace(nc, "PART_DATA %zu take %zu \"%s\"", mp->data.len, mp->num_data_consumed,
            text);
      for (i = 0; i < mp->num_data_consumed; i++) {
        u->bytes++;
        u->sum += (uint32_t) (unsigned char) mp->data.p[i] * (uint32_t) u->bytes;
      }
      break;
    case MG_EV_HTTP_PART_END:
      trace(nc, "PART_END %d", mp->status);
      if ((u = (struct upload_app *) mp->user_data) == NULL) return;
      {
        char line[600];
        int n = snprintf(line, sizeof(line), "%s|%s|%zu|%08x|%d\n", mp->var_name,
                         mp->file_name, u->bytes, (unsigned) u->sum, mp->status);
        if (n > 0 && (size_t) n < sizeof(line)) mbuf_append(&u->summary, line, (size_t) n);
      }
      break;
    case MG_EV_HTTP_MULTIPART_REQUEST_END:
      trace(nc, "REQUEST_END %d", mp->status);
      u = (struct upload_app *) mp->user_data;
      if (mp->status == 0) {
        size_t len = u != NULL ? u->summary.len : 0;
        mg_send_head(nc, 200, (int64_t) len, "Content-Type: text/plain");
        if (len > 0) mg_send(nc, u->summary.buf, (int) len);
      }
      if (u != NULL) {
        mbuf_free(&u->summary);
        free(u);
        mp->user_data = NULL;
      }
      break;
    default:
      break;
  }
}

static int upload_start(struct mg_mgr *mgr, int argc, char **argv, char *err,
                        size_t errlen) {
  long consume = 0;
  char *end = NULL;
  struct mg_connection *lc;
  const char *e = NULL;
  struct mg_bind_opts opts;
  if ((argc != 1 && argc != 3) ||
      (argc == 3 && (strcmp(argv[1], "consume") != 0 ||
                     (consume = strtol(argv[2], &end, 10)) <= 0 || *end != '\0'))) {
    snprintf(err, errlen, "usage: app http-upload ADDRESS [consume N]");
    return -1;
  }
  if (mgr == NULL) return 0;
  memset(&opts, 0, sizeof(opts));
  opts.error_string = &e;
  opts.user_data = (void *) (uintptr_t) consume;
  if ((lc = mg_bind_opt(mgr, argv[0], upload_handler, opts)) == NULL) {
    snprintf(err, errlen, "cannot listen on %s: %s", argv[0], e);
    return -1;
  }
  mg_set_protocol_http_websocket(lc);
  return 0;
}

void scn_register_upload_app(void);
void scn_register_upload_app(void) {
  if (scn_find_app("http-upload") == NULL) scn_register_app("http-upload", upload_start);
}
