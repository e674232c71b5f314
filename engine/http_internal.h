/*
 * http_internal.h - what the HTTP files of the core share: the strict head
 * parser behind mg_parse_http, chunked-body parsing, and the per-connection
 * protocol state.
 */
#ifndef MG_HTTP_INTERNAL_H
#define MG_HTTP_INTERNAL_H

#include "internal.h"

/* The Server header line every reply the engine writes carries, or nothing
 * when MG_SERVER_NAME is empty. */
#define MG_SERVER_HEADER \
  (MG_SERVER_NAME[0] == '\0' ? "" : "Server: " MG_SERVER_NAME "\r\n")

enum http_body_kind {
  HTTP_BODY_NONE,       /* no body */
  HTTP_BODY_LENGTH,     /* Content-Length bytes */
  HTTP_BODY_CHUNKED,    /* Transfer-Encoding: chunked */
  HTTP_BODY_UNTIL_CLOSE /* responses only: everything until the peer's FIN */
};

struct http_head {
  int header_len;    /* > 0: complete; 0: need more bytes; -1: malformed */
  int status;        /* when -1: the status to answer with (400, 414, 431,
                        501, 505) */
  const char *reason; /* when -1: a short explanation, for logs and bodies */
  enum http_body_kind body_kind;
  uint64_t content_length; /* HTTP_BODY_LENGTH */
  int keep_alive;          /* HTTP/1.1 unless "close"; 1.0 only with
                              "keep-alive" */
  int upgrade_websocket;   /* "Upgrade: websocket" with "Connection: upgrade" */
};

/*
 * Parses a request (is_req) or a response head in s[0..n) per RFC 9112 and
 * never reads past n. Strict: a bare CR, obs-fold, a header name that is not
 * a token, control characters, conflicting Content-Length values, both
 * Content-Length and Transfer-Encoding, a bad Content-Length or an unknown
 * Transfer-Encoding (501), more than MG_MAX_HTTP_HEADERS headers or a head
 * longer than max_header (431), a request target longer than max_uri (414),
 * a version other than HTTP/1.0 and HTTP/1.1 (505), a missing or repeated
 * Host in an HTTP/1.1 request: all malformed. A request's lines end in CRLF
 * (a bare LF is malformed too), a response's in CRLF or LF. A CONNECT
 * request has no body whatever its framing fields say. A response's body
 * kind assumes a request that was not HEAD; 1xx, 204 and 304 responses have
 * no body.
 */
void mg_http_parse_head(const char *s, size_t n, int is_req, size_t max_header,
                        size_t max_uri, struct http_message *hm,
                        struct http_head *h);

/*
 * One chunk of a chunked body at s[0..n): returns 1 with the chunk's data at
 * s + *data_off, *data_len bytes, the whole chunk (size line, data, CRLF)
 * being *total bytes; the last chunk (size 0) has *data_len 0 and *total
 * covers its trailer section too. Returns 0 when more bytes are needed, -1
 * for a malformed chunk (bad hex, overflow, a missing CRLF, a bare CR, a
 * chunk extension outside RFC 9112's grammar, whitespace after the size
 * that no ';' follows). Well-formed chunk extensions are skipped.
 */
int mg_http_parse_chunk(const char *s, size_t n, size_t *data_off,
                        size_t *data_len, size_t *total);

/* ---- per-connection protocol state (nc->proto_data) ---------------------- */

struct http_endpoint {
  char *path;
  size_t len;
  mg_event_handler_t handler;
  struct http_endpoint *next;
};

enum http_state {
  HS_HEAD,      /* waiting for a complete head */
  HS_BODY,      /* a head is parsed, its body is arriving */
  HS_WEBSOCKET, /* frames */
  HS_DISCARD,   /* the server side is closing (an error was answered, a
                   request asked to close...): input is dropped */
  HS_TUNNEL     /* after a CONNECT: the bytes are the handler's */
};

/* How much a lingering close drops before it closes anyway. */
#define HTTP_LINGER_MAX_BYTES ((size_t) 1 << 20)

struct http_pd {
  struct mg_http_limits lim;
  int is_client;
  enum http_state state;
  struct http_message hm; /* the message being received */
  struct http_head head;
  size_t decoded;     /* body bytes gathered after the head (chunked, and
                         replies streamed as MG_EV_HTTP_CHUNK) */
  size_t body_seen;   /* replies: body bytes received, DELETE_CHUNK'ed ones
                         included */
  size_t raw_off;     /* chunked: where the undecoded chunks start */
  double head_started; /* when the first byte of a head arrived (0: none) */
  double last_io;      /* for the idle and linger timeouts */
  double linger_since; /* when a lingering close began (0: none) */
  size_t linger_bytes; /* input dropped since */
  int write_shut;      /* the sending side is shut down (a FIN went out) */
  int replied;         /* a reply to the current request has begun */
  int close_after_reply;
  int http10;          /* the current request is HTTP/1.0 */
  int chunked_reply;   /* mg_send_head(.., -1, ..) was called */
  int reply_open;      /* a chunked reply awaits its last chunk */
  int head_request;    /* the current request is a HEAD */
  int reply_no_body;   /* the reply has no body: chunks are dropped */
  int reply_chunks;    /* chunks written since mg_send_head */
  int in_request;      /* the request handler is running */
  int connect_request; /* the current request is a CONNECT */
  int reply_ended_late; /* the last chunk came after the handler returned */
  struct http_endpoint *endpoints;
  mg_event_handler_t endpoint; /* the handler of the current request */
  mg_event_handler_t last_endpoint; /* the last one used: it gets the CLOSE */
  /* a body the server is still sending (static files) */
  void *stream;
  int (*stream_more)(struct mg_connection *nc); /* 1 while not done */
  void (*stream_free)(void *stream);
  /* WebSocket */
  int ws_msg_op;      /* opcode of a fragmented message in progress, or -1 */
  size_t ws_assembled; /* bytes of that message gathered at the buffer start */
  size_t ws_raw;       /* frames not yet parsed start here (>= ws_assembled) */
  uint32_t ws_utf8;   /* UTF-8 state of a text message, as far as it came */
  size_t ws_seen;      /* payload bytes of the frame at ws_raw already
                          unmasked and checked (it has not all arrived) */
  int ws_close_sent, ws_close_received;
  /* client */
  char *ws_key;        /* the key a client sent, to check the accept value */
  int ws_refused;      /* the server answered the upgrade with no 101 */
  /* a multipart/form-data request being streamed (http_multipart.c) */
  struct mg_http_mp *mp;
};

/* The HTTP state of a connection that speaks HTTP, or NULL. */
struct http_pd *mg_http_pd(struct mg_connection *nc);
/* Its HTTP state even before mg_set_protocol_http_websocket (endpoints may
 * be registered first); create: make it if the connection has no protocol. */
struct http_pd *mg_http_pd_any(struct mg_connection *nc, int create);
/* Endpoints (http_endpoint.c). */
void mg_http_free_endpoints(struct http_pd *pd);
void mg_http_copy_endpoints(struct mg_connection *nc, const struct http_pd *from);
mg_event_handler_t mg_http_find_endpoint(const struct http_pd *pd,
                                         const struct mg_str *uri);
void mg_http_reply_done(struct mg_connection *nc);
/* mg_http_send_error with extra headers (none when NULL or ""), as
 * mg_serve_http puts them on every reply it writes (http_send.c). */
void mg_http_send_error_extra(struct mg_connection *nc, int code, const char *reason,
                              const char *extra_headers);
/* Sends "Authorization: Basic ..." for user:pass (http_vars.c). */
void mg_http_send_basic_auth(struct mg_connection *nc, struct mg_str user,
                             struct mg_str pass);
/* The WebSocket side (ws.c). */
void mg_ws_process(struct mg_connection *nc);
int mg_ws_handshake_reply(struct mg_connection *nc, struct http_message *hm);
int mg_ws_check_accept(struct mg_connection *nc, struct http_message *hm);
/* Appends an RFC 7231 date of mg_time() ("Sun, 06 Nov 1994 08:49:37 GMT"). */
void mg_http_date(char *buf, size_t len, double t);
const char *mg_http_status_text(int code);

#endif
