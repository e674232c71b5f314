/*
 * http_upload.c - mg_file_upload_handler: the file parts of a streamed
 * multipart/form-data request written to the paths a callback chooses.
 *
 * One reply per request: 403 when the callback refuses a file, 500 when a
 * file cannot be opened or written, else 200 with a line per file at the
 * end. After an error reply the rest of the body is read and dropped, so the
 * connection stays usable. A file left incomplete (an error, the peer gone)
 * is removed rather than left looking like a finished upload - a regular
 * file only: a callback may name a device (/dev/null to discard, say), and
 * a failed write must not delete the device node.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mongoose.h"

struct upload {
  FILE *fp;        /* the file being written, if any */
  char *path;      /* its local path */
  int regular;     /* it is a regular file, which may be removed */
  size_t bytes;    /* written to it so far */
  int answered;    /* the one reply was sent: the rest is dropped */
  struct mbuf summary;
};

static void answer_error(struct mg_connection *nc, struct upload *u, int code,
                         const char *why) {
  if (!u->answered) mg_http_send_error(nc, code, why);
  u->answered = 1;
}

/* Closes the current file; a file not completed is removed. */
static int close_file(struct upload *u, int completed) {
  int ok = 1;
  if (u->fp != NULL) {
    ok = fclose(u->fp) == 0;
    u->fp = NULL;
    if ((!completed || !ok) && u->regular) remove(u->path);
  }
  free(u->path);
  u->path = NULL;
  return ok;
}

static void upload_free(struct mg_http_multipart_part *mp) {
  struct upload *u = (struct upload *) mp->user_data;
  if (u == NULL) return;
  close_file(u, 0);
  mbuf_free(&u->summary);
  free(u);
  mp->user_data = NULL;
}

static void begin_file(struct mg_connection *nc, struct upload *u,
                       struct mg_http_multipart_part *mp, mg_fu_fname_fn fn) {
  struct mg_str lfn = fn(nc, mg_mk_str(mp->file_name)), path;
  struct stat st;
  if (lfn.p == NULL) {
    answer_error(nc, u, 403, "Not allowed to upload this file");
    return;
  }
  path = mg_strdup_nul(lfn);
  mg_strfree(&lfn);
  if (path.p == NULL) {
    answer_error(nc, u, 500, "Out of memory");
    return;
  }
  u->path = (char *) path.p;
  u->bytes = 0;
  if ((u->fp = mg_fopen(u->path, "wb")) == NULL) {
    close_file(u, 0);
    answer_error(nc, u, 500, "Cannot open the file");
    return;
  }
  u->regular = fstat(fileno(u->fp), &st) == 0 && S_ISREG(st.st_mode);
}

void mg_file_upload_handler(struct mg_connection *nc, int ev, void *ev_data,
                            mg_fu_fname_fn local_name_fn) {
  struct mg_http_multipart_part *mp = (struct mg_http_multipart_part *) ev_data;
  struct upload *u;
  if (ev < MG_EV_HTTP_PART_BEGIN || ev > MG_EV_HTTP_MULTIPART_REQUEST_END || mp == NULL) {
    return;
  }
  u = (struct upload *) mp->user_data;
  if (u == NULL && ev == MG_EV_HTTP_MULTIPART_REQUEST_END) { /* no part at all */
    if (mp->status >= 0) mg_send_head(nc, 200, 0, "Content-Type: text/plain");
    return;
  }
  if (u == NULL) {
    if (ev != MG_EV_HTTP_PART_BEGIN) return;
    if ((u = (struct upload *) calloc(1, sizeof(*u))) == NULL) {
      mg_http_send_error(nc, 500, "Out of memory");
      nc->flags |= MG_F_SEND_AND_CLOSE;
      return;
    }
    mbuf_init(&u->summary, 0);
    mp->user_data = u;
  }
  switch (ev) {
    case MG_EV_HTTP_PART_BEGIN:
      /* Fields (parts without a file name) are not files: skipped. */
      if (!u->answered && mp->file_name[0] != '\0' && local_name_fn != NULL) {
        begin_file(nc, u, mp, local_name_fn);
      }
      break;
    case MG_EV_HTTP_PART_DATA:
      if (u->fp == NULL) break;
      if (fwrite(mp->data.p, 1, mp->data.len, u->fp) != mp->data.len) {
        close_file(u, 0);
        answer_error(nc, u, 500, "Cannot write the file");
        break;
      }
      u->bytes += mp->data.len;
      break;
    case MG_EV_HTTP_PART_END:
      if (u->fp == NULL) break;
      if (mp->status < 0) {
        close_file(u, 0);
      } else if (!close_file(u, 1)) {
        answer_error(nc, u, 500, "Cannot write the file");
      } else {
        char line[320]; /* a file name is at most 255 bytes */
        int n = snprintf(line, sizeof(line), "%s: %zu bytes\n", mp->file_name, u->bytes);
        if (n > 0 && (size_t) n < sizeof(line)) mbuf_append(&u->summary, line, (size_t) n);
      }
      break;
    case MG_EV_HTTP_MULTIPART_REQUEST_END:
      /* After an error the engine answers the malformed request itself. */
      if (!u->answered && mp->status >= 0) {
        mg_send_head(nc, 200, (int64_t) u->summary.len, "Content-Type: text/plain");
        mg_send(nc, u->summary.buf, (int) u->summary.len);
        u->answered = 1;
      }
      upload_free(mp);
      break;
  }
}
