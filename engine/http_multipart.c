/*
 * http_multipart.c - a multipart/form-data request (RFC 7578) streamed to
 * its handler part by part as the bytes arrive: the driver between http.c
 * and the part parser (multipart_parse.c).
 *
 * Limits: a streamed body is never held whole, so max_body_bytes (which
 * bounds what the engine buffers) does not apply to it; the handler sees
 * every byte as it comes and decides how much it accepts. A part's header
 * block is bounded by max_header_bytes. A chunked body's chunks are decoded
 * as they complete, so each chunk must fit in recv_mbuf, as for any chunked
 * request.
 */
#include <stdlib.h>
#include <string.h>

#include "http_multipart.h"

struct mg_http_mp {
  struct mg_mp_parser p;
  struct mg_http_multipart_part part;
  int chunked;
  uint64_t left;      /* Content-Length: body bytes not yet consumed */
  size_t dec;         /* chunked: decoded body bytes at the buffer's front */
  int last_chunk;     /* chunked: the last chunk has been decoded */
  int started;        /* MG_EV_HTTP_MULTIPART_REQUEST was delivered */
  int held;           /* the handler left data unconsumed last time */
  size_t sent_before; /* send_mbuf.len when the request began */
};

/* The boundary parameter of a multipart/form-data Content-Type. 1 with it
 * in buf, 0 when the type is something else, -1 when it lacks one. */
static int form_boundary(struct http_message *hm, char *buf, size_t len) {
  static const char type[] = "multipart/form-data";
  struct mg_str *ct = mg_get_http_header(hm, "Content-Type");
  size_t tl = sizeof(type) - 1;
  if (ct == NULL || ct->len < tl || mg_ncasecmp(ct->p, type, tl) != 0 ||
      (ct->len > tl && ct->p[tl] != ';' && ct->p[tl] != ' ' && ct->p[tl] != '\t')) {
    return 0;
  }
  return mg_http_parse_header(ct, "boundary", buf, len) > 0 ? 1 : -1;
}

int mg_http_multipart_start(struct mg_connection *nc, struct http_pd *pd) {
  char boundary[MG_MP_BOUNDARY_MAX + 2];
  struct mg_http_mp *mp;
  int r;
  (void) nc;
  if (pd->head.body_kind != HTTP_BODY_LENGTH && pd->head.body_kind != HTTP_BODY_CHUNKED) {
    return 0;
  }
  if ((r = form_boundary(&pd->hm, boundary, sizeof(boundary))) <= 0) return r;
  /* Without memory the request is buffered like any other. */
  if ((mp = (struct mg_http_mp *) calloc(1, sizeof(*mp))) == NULL) return 0;
  if (mg_mp_init(&mp->p, mg_mk_str(boundary), pd->lim.max_header_bytes) != 0) {
    free(mp);
    return -1;
  }
  mp->chunked = pd->head.body_kind == HTTP_BODY_CHUNKED;
  mp->left = pd->head.content_length;
  mp->part.var_name = mp->p.var_name;
  mp->part.file_name = mp->p.file_name;
  pd->mp = mp;
  return 1;
}

void mg_http_multipart_free(struct http_pd *pd) {
  free(pd->mp);
  pd->mp = NULL;
}

static void emit(struct mg_connection *nc, struct http_pd *pd, int ev) {
  mg_http_call(nc, pd, ev, &pd->mp->part);
}

/* Ends the request with errors: the open part, then the request. */
static void fail_events(struct mg_connection *nc, struct http_pd *pd, int status) {
  struct mg_http_mp *mp = pd->mp;
  if (mp->started) {
    mp->part.data = mg_mk_str_n(NULL, 0);
    mp->part.num_data_consumed = 0;
    mp->part.status = status;
    if (mp->p.part_open) {
      mp->p.part_open = 0;
      emit(nc, pd, MG_EV_HTTP_PART_END);
    }
    mp->part.status = status;
    emit(nc, pd, MG_EV_HTTP_MULTIPART_REQUEST_END);
    pd->in_request = 0;
    pd->endpoint = NULL;
  }
  mg_http_multipart_free(pd);
}

void mg_http_multipart_abort(struct mg_connection *nc, struct http_pd *pd) {
  if (pd->mp != NULL) fail_events(nc, pd, -1);
}

static void drop(struct mg_connection *nc, struct mg_http_mp *mp, size_t n) {
  if (n == 0) return;
  mbuf_remove(&nc->recv_mbuf, n);
  if (mp->chunked) {
    mp->dec -= n;
  } else {
    mp->left -= n;
  }
}

/* Decodes the chunks that are complete: their data moves down to follow
 * the decoded bytes already at the front. 0, or -1 for a malformed chunk or
 * one that can never fit. */
static int decode_chunks(struct mg_connection *nc, struct mg_http_mp *mp) {
  struct mbuf *rb = &nc->recv_mbuf;
  while (!mp->last_chunk) {
    size_t off, len, total;
    int r = mg_http_parse_chunk(rb->buf + mp->dec, rb->len - mp->dec, &off, &len, &total);
    if (r < 0) return -1;
    if (r == 0) {
      /* A full buffer waiting for the rest of a chunk waits for ever,
       * unless the handler is holding data back and will take it. */
      return rb->len >= nc->recv_mbuf_limit && !mp->held ? -1 : 0;
    }
    memmove(rb->buf + mp->dec, rb->buf + mp->dec + off, len);
    mg_mbuf_cut(rb, mp->dec + len, total - len);
    mp->dec += len;
    if (len == 0) mp->last_chunk = 1;
  }
  return 0;
}

int mg_http_multipart_process(struct mg_connection *nc, struct http_pd *pd) {
  struct mg_http_mp *mp = pd->mp;
  struct mbuf *rb = &nc->recv_mbuf;
  if (!mp->started) {
    size_t head_len = (size_t) pd->head.header_len;
    mp->started = 1;
    mp->sent_before = nc->send_mbuf.len;
    mg_http_request_begin(pd);
    pd->hm.body = mg_mk_str_n(rb->buf + head_len, 0);
    pd->hm.message = mg_mk_str_n(rb->buf, head_len);
    mg_http_call(nc, pd, MG_EV_HTTP_MULTIPART_REQUEST, &pd->hm);
    /* From here on the buffer holds body bytes only. */
    mbuf_remove(rb, head_len);
  }
  for (;;) {
    enum mg_mp_what what;
    size_t avail, used, len;
    int complete;
    if (nc->flags & MG_F_CLOSE_IMMEDIATELY) return -1;
    if (mp->chunked && decode_chunks(nc, mp) != 0) {
      fail_events(nc, pd, -1);
      return -2;
    }
    if (mp->chunked) {
      avail = mp->dec;
      complete = mp->last_chunk;
    } else {
      avail = (uint64_t) rb->len < mp->left ? rb->len : (size_t) mp->left;
      complete = avail == mp->left;
    }
    used = mg_mp_step(&mp->p, rb->buf, avail, complete, &what, &len);
    drop(nc, mp, used);
    mp->held = 0;
    mp->part.data = mg_mk_str_n(NULL, 0);
    mp->part.num_data_consumed = 0;
    mp->part.status = 0;
    switch (what) {
      case MPW_NONE:
        break;
      case MPW_NEED:
        return 0;
      case MPW_BEGIN:
        emit(nc, pd, MG_EV_HTTP_PART_BEGIN);
        break;
      case MPW_DATA:
        mp->part.data = mg_mk_str_n(rb->buf, len);
        mp->part.num_data_consumed = len;
        emit(nc, pd, MG_EV_HTTP_PART_DATA);
        /* What is left is offered again, first, with the next PART_DATA:
         * at once after some progress, after a refusal of all of it with
         * the next read or poll (not in a loop the handler would spin). */
        if (mp->part.num_data_consumed > len) mp->part.num_data_consumed = len;
        drop(nc, mp, mp->part.num_data_consumed);
        if (mp->part.num_data_consumed == 0) {
          mp->held = 1;
          return 0;
        }
        break;
      case MPW_END:
        emit(nc, pd, MG_EV_HTTP_PART_END);
        break;
      case MPW_DONE: {
        size_t sent_before = mp->sent_before;
        emit(nc, pd, MG_EV_HTTP_MULTIPART_REQUEST_END);
        mg_http_multipart_free(pd);
        pd->state = HS_HEAD;
        mg_http_request_end(nc, pd, 0, sent_before);
        return 1;
      }
      case MPW_ERROR:
        fail_events(nc, pd, -1);
        return -2;
    }
  }
}
