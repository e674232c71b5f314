/*
 * http_multipart.h - multipart/form-data, shared by its two halves: the part
 * parser (multipart_parse.c; used by the connection driver,
 * mg_parse_multipart and the fuzz target) and the connection driver
 * (http_multipart.c) with the hooks http.c calls and what http.c lends it.
 */
#ifndef MG_HTTP_MULTIPART_H
#define MG_HTTP_MULTIPART_H

#include "http_internal.h"

#define MG_MP_BOUNDARY_MAX 70 /* RFC 2046 5.1.1 */
#define MG_MP_NAME_MAX 256    /* var_name and file_name, NUL included */

enum mg_mp_state {
  MP_FIRST,       /* the body's first bytes: a delimiter without its CRLF? */
  MP_PREAMBLE,    /* before the first delimiter: dropped */
  MP_AFTER_DELIM, /* "--" (the close) or padding and CRLF (a part follows) */
  MP_HEADERS,     /* a part's header block */
  MP_DATA,        /* a part's data, up to the next delimiter */
  MP_EPILOGUE,    /* after the close delimiter: dropped */
  MP_ERROR
};

/* What one step of the parser found. */
enum mg_mp_what {
  MPW_NONE,  /* framing was used up; step again */
  MPW_NEED,  /* nothing to do until more body bytes arrive */
  MPW_BEGIN, /* a part's headers: var_name, file_name */
  MPW_DATA,  /* part data at the start of the buffer, *data_len bytes */
  MPW_END,   /* the part ended at a delimiter */
  MPW_DONE,  /* the close delimiter was seen and the body is over */
  MPW_ERROR  /* malformed or truncated */
};

struct mg_mp_parser {
  char delim[4 + MG_MP_BOUNDARY_MAX + 1]; /* "\r\n--" boundary */
  size_t dlen;
  size_t max_header; /* a part's header block may not be longer */
  enum mg_mp_state state;
  int part_open;
  char var_name[MG_MP_NAME_MAX];
  char file_name[MG_MP_NAME_MAX];
};

/* 0, or -1 for a boundary that is empty or longer than 70 bytes. */
int mg_mp_init(struct mg_mp_parser *p, struct mg_str boundary, size_t max_header);
/* One step over the body bytes buf[0..n) not yet consumed; complete says
 * that no more will come. Returns how many bytes at the front of buf were
 * framing, which the caller drops before anything else; with MPW_DATA the
 * data then starts at the (new) front of the buffer. */
size_t mg_mp_step(struct mg_mp_parser *p, const char *buf, size_t n, int complete,
                  enum mg_mp_what *what, size_t *data_len);

/* Hooks for http.c. start: from on_head for a server request with a body;
 * 1 when it is multipart/form-data (pd->mp is set), 0 when not, -1 when the
 * boundary parameter is missing or bad (answer 400). process: 1 when the
 * request is over (go on with the next), 0 to wait for bytes, -1 when the
 * connection is closing, -2 when the body is malformed (answer 400; the
 * error events were delivered). abort: the connection closes mid-request. */
int mg_http_multipart_start(struct mg_connection *nc, struct http_pd *pd);
int mg_http_multipart_process(struct mg_connection *nc, struct http_pd *pd);
void mg_http_multipart_abort(struct mg_connection *nc, struct http_pd *pd);
void mg_http_multipart_free(struct http_pd *pd);

/* What http.c lends the driver: the per-request setup and wrap-up that
 * deliver() does around MG_EV_HTTP_REQUEST, and its handler dispatch
 * (endpoints included). */
void mg_http_request_begin(struct http_pd *pd);
void mg_http_request_end(struct mg_connection *nc, struct http_pd *pd,
                         size_t consumed, size_t sent_before);
void mg_http_call(struct mg_connection *nc, struct http_pd *pd, int ev,
                  void *ev_data);

#endif
