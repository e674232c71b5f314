/*
 * http_head.h - a reply head assembled in a stack buffer and queued with one
 * mg_send (http_send.c), for the replies written often enough that a printf
 * per header line shows: mg_send_head and the static file server.
 */
#ifndef MG_HTTP_HEAD_H
#define MG_HTTP_HEAD_H

#include "http_internal.h"

struct mg_hb {
  struct mg_connection *nc;
  int status;
  size_t len;
  char buf[1024];
};

/* Appends; what no longer fits is queued first, so order is kept. */
void mg_hb_put(struct mg_hb *b, const char *s, size_t n);
void mg_hb_str(struct mg_hb *b, const char *s); /* NULL: nothing */
void mg_hb_int(struct mg_hb *b, int64_t v);     /* decimal */
void mg_hb_flush(struct mg_hb *b);              /* queues what is gathered */

/* mg_send_head(nc, status_code, content_length, extra_headers) is
 * begin + end; lines put in between (each ending in CRLF) come after the
 * extra headers and before the framing header. */
void mg_hb_begin_head(struct mg_hb *b, struct mg_connection *nc, int status_code,
                      int64_t content_length, const char *extra_headers);
void mg_hb_end_head(struct mg_hb *b, int64_t content_length);

#endif
