/*
 * timeline_internal.h - what the two halves of `mgsim run --timeline`
 * share: timeline.c turns a run (its trace, the simulated wire, how it
 * ended) into lanes and rows; timeline_draw.c draws those as SVG.
 *
 * A row is one thing happening, in the order the run did it: a trace line,
 * the sending of a wire item no trace line announced, the arrival of a wire
 * item, or the failure. Virtual time is very uneven, so rows, not time, make
 * the vertical axis: each instant gets the rows of what happened in it.
 */
#ifndef TIMELINE_INTERNAL_H
#define TIMELINE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "timeline.h"

/* Bytes of each wire item kept for its label and hover text. */
#define TL_HEAD_BYTES 64
/* Rows drawn at most: the first TL_HEAD_ROWS and the last TL_TAIL_ROWS
 * (where a failure is); what lies between is cut, and the picture says so.
 * A browser still scrolls through 4,000 rows; a 200,000-row run would be a
 * picture nobody could open. */
#define TL_HEAD_ROWS 3000
#define TL_TAIL_ROWS 1000
/* Wire items kept: those of the rows drawn at most (see timeline.c). */
#define TL_WIRE_HEAD TL_HEAD_ROWS
#define TL_WIRE_TAIL TL_TAIL_ROWS
/* Lanes drawn at most; the rest share one last lane, named for it. */
#define TL_MAX_LANES 240

enum tl_lane_kind { TL_ENGINE, TL_PEER, TL_OTHER };

struct tl_lane {
  char name[48];  /* "#2", a peer's name, or what the shared lanes are */
  int kind;       /* enum tl_lane_kind */
  int conn;       /* TL_ENGINE: the connection id */
  char what[128]; /* "listener tcp 127.0.0.1:8000", "accepted from ..." */
  char app[96];   /* TL_ENGINE: the app it belongs to, if any */
  char addr[64];  /* TL_PEER: its own address, once the wire showed it */
  int listen_proto; /* TL_ENGINE listeners: 't' or 'u'; 0 for the others */
  char listen_addr[64];
  int near;       /* TL_PEER: the engine lane it talks to first, or -1 */
  long first_row, last_row, close_row; /* -1: none */
  int column;     /* left to right, from 0 */
  int merged;     /* lanes past TL_MAX_LANES share the last one */
};

/* A wire item as recorded (struct sim_wire, with its bytes cut). */
struct tl_wire {
  int kind; /* enum sim_wire_kind */
  int64_t sent, arrives;
  size_t seq; /* the trace's length when it was sent: its place among lines */
  int ahead;  /* sent later than told (a refusal's RST): first in its instant */
  size_t len, window;
  uint64_t tcp_seq, tcp_ack;
  int to_engine, conn, stream, lost, dup;
  char peer[40];             /* the peer's name; "" engine to engine */
  char src[64], dst[64];
  unsigned char head[TL_HEAD_BYTES];
  /* Filled by the row walk: */
  int from, to;              /* lanes */
  long send_row, arrive_row; /* -1: not placed */
};

enum tl_row_kind { TL_ROW_LINE, TL_ROW_SEND, TL_ROW_ARRIVE, TL_ROW_FAIL };

struct tl_row {
  long index;
  int kind;        /* enum tl_row_kind */
  int64_t t;
  int lane;        /* -1: not on a lane (mgr, net, the failure) */
  const char *who; /* TL_ROW_LINE: the trace line's parts */
  size_t who_len;
  const char *text;
  size_t text_len;
  const char *line; /* the whole trace line, for the hover text */
  size_t line_len;
  size_t wire;     /* TL_ROW_SEND, TL_ROW_ARRIVE: index into wires */
};

struct timeline {
  int done; /* the run watched is over: later ones are not */
  /* Wire items: the first TL_WIRE_HEAD, then a ring of the last
   * TL_WIRE_TAIL; the count of those between that were dropped. */
  struct tl_wire *wires;
  size_t nwires, ring_start;
  unsigned long long wires_seen, wires_dropped;
  /* The failure, if the run failed. */
  int failed;
  int64_t fail_t;
  size_t fail_pos;
  char *fail_text;
  /* Connections' apps, from the end of the run. */
  int *conn_app;  /* by connection id: index into apps, -1 none */
  size_t nconn_app;
  char **apps;    /* "echo (line 2)" */
  int napps;
  /* Built by tl_layout(): */
  struct tl_lane *lanes;
  int nlanes, cap_lanes, ncolumns;
  int *stream_conn; /* by stream id: the engine connection at its end */
  size_t nstream_conn;
  int *listeners; /* lanes that listen, for connects that reach one */
  size_t nlisteners, cap_listeners;
  int *lane_hash; /* open addressing over lanes by name */
  size_t hash_cap;
  size_t *sends;    /* wire indexes in sending order */
  size_t *send_pos; /* by wire index: its place in sends */
  size_t *arrivals; /* wire indexes in arrival order */
  size_t narrivals;
  unsigned long long acks; /* acknowledgements: counted, not drawn */
  long nrows;
};

/* timeline.c: the walk over rows. tl_rows_begin() then tl_rows_next()
 * until it returns 0; both walks (counting, drawing) see the same rows. */
struct tl_walk {
  const struct timeline *tl;
  const char *p, *trace;
  size_t si, ai; /* next in sends, in arrivals */
  int fail_done;
  long row;
  /* The last line row, for wire items sent right after it. */
  long last_row;
  int last_lane;
  int64_t last_t;
  size_t last_end;
  const char *last_text;
  size_t last_text_len;
  /* From this place in sends on, wire items the next line row carries. */
  long pending;
  /* the first walk fills in lanes and wire rows; the second only reads */
  struct timeline *build;
};
void tl_rows_begin(struct tl_walk *w, const struct timeline *tl, const char *trace,
                   struct timeline *build);
int tl_rows_next(struct tl_walk *w, struct tl_row *r);
struct tl_wire *tl_wire_at(const struct timeline *tl, size_t i);
/* Lays out lanes and rows; 0, or -1 when out of memory. */
int tl_layout(struct timeline *tl, const char *trace, int64_t end_us);

/* timeline_draw.c */
int tl_draw(struct timeline *tl, FILE *fp, int html, const char *title,
            const char *trace, int passed);

#endif
