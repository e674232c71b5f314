/*
 * timeline_draw.c - the lanes and rows timeline.c gathered, drawn as SVG
 * (or an HTML page holding it, with the lane heads kept in view while the
 * rows scroll). Nothing is fetched: the styles are inline, there is no
 * script, and every byte that came from a scenario is escaped, since the
 * bytes on a wire are anything at all.
 */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "scn_internal.h"
#include "timeline_internal.h"

#define LEFT 118     /* the time column */
#define LANE_W 176
#define ROW_H 18
#define HEAD_H 58    /* the lane heads */
#define TITLE_H 66   /* the SVG's own title lines */
#define FAIL_H 36
#define IDLE_H 26
#define CUT_H 44
#define IDLE_US 100000 /* a gap from this long is marked rather than spaced */
#define TEXT_CHARS 27  /* what fits beside a lane before the next */


/* The length of the UTF-8 character at s that XML 1.0 can carry, or 0. */
static size_t xml_char(const unsigned char *s, size_t n) {
  unsigned c = s[0], cp;
  size_t len, i;
  if (c >= 0x20 && c < 0x7f) return 1;
  if (c >= 0xc2 && c <= 0xdf) {
    len = 2;
    cp = c & 0x1f;
  } else if (c >= 0xe0 && c <= 0xef) {
    len = 3;
    cp = c & 0x0f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    len = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (n < len) return 0;
  for (i = 1; i < len; i++) {
    if ((s[i] & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (s[i] & 0x3f);
  }
  if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff))) return 0;
  /* C1 controls, surrogates and the two non-characters XML refuses */
  if (cp < 0xa0 || (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe || cp == 0xffff) return 0;
  return len;
}

/* Text as XML character data (attribute values too): markup characters
 * as entities, what XML cannot carry as \xHH; at most max characters,
 * then an ellipsis. */
static void put_text(struct scn_text *o, const char *text, size_t n, size_t max) {
  const unsigned char *s = (const unsigned char *) text;
  size_t i = 0, chars = 0;
  while (i < n) {
    size_t k;
    if (chars == max) {
      scn_text_puts(o, "\xe2\x80\xa6");
      return;
    }
    chars++;
    switch (s[i]) {
      case '&': scn_text_puts(o, "&amp;"); i++; continue;
      case '<': scn_text_puts(o, "&lt;"); i++; continue;
      case '>': scn_text_puts(o, "&gt;"); i++; continue;
      case '"': scn_text_puts(o, "&quot;"); i++; continue;
      case '\'': scn_text_puts(o, "&#39;"); i++; continue;
      default: break;
    }
    if ((k = xml_char(s + i, n - i)) > 0) {
      scn_text_add(o, text + i, k);
      i += k;
    } else {
      scn_text_printf(o, "\\x%02x", s[i]);
      i++;
    }
  }
}

static void put_str(struct scn_text *o, const char *s, size_t max) { put_text(o, s, strlen(s), max); }

/* Bytes from a wire as the trace shows them: C escapes, \xHH. */
static void put_bytes(struct scn_text *o, const unsigned char *b, size_t n, size_t total,
                      size_t max) {
  char buf[TL_HEAD_BYTES * 4 + 8];
  size_t i, k = 0;
  for (i = 0; i < n; i++) {
    unsigned char c = b[i];
    if (c == '\n' || c == '\r' || c == '\t') {
      buf[k++] = '\\';
      buf[k++] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
    } else if (c == '"' || c == '\\') {
      buf[k++] = '\\';
      buf[k++] = (char) c;
    } else if (c >= 0x20 && c < 0x7f) {
      buf[k++] = (char) c;
    } else {
      k += (size_t) snprintf(buf + k, sizeof(buf) - k, "\\x%02x", c);
    }
  }
  scn_text_add(o, "\"", 1);
  put_text(o, buf, k, max);
  scn_text_add(o, "\"", 1);
  if (total > n && max > k) scn_text_puts(o, "\xe2\x80\xa6");
}

static void fmt_time(int64_t us, char *buf, size_t len) {
  if (us < 1000) {
    snprintf(buf, len, "%lld us", (long long) us);
  } else if (us < 1000000) {
    snprintf(buf, len, "%lld.%03lld ms", (long long) (us / 1000), (long long) (us % 1000));
  } else {
    snprintf(buf, len, "%lld.%06lld s", (long long) (us / 1000000),
             (long long) (us % 1000000));
  }
}

static const char *const s_wire_names[] = {"syn", "synack", "data", "fin",
                                            "rst", "dgram", "ack"};
static const char *const s_wire_labels[] = {"SYN", "SYN-ACK", "", "FIN",
                                            "RST", "datagram", "ACK"};

static const char *wire_name(int kind) {
  return kind >= 0 && kind <= SIM_WIRE_ACK ? s_wire_names[kind] : "data";
}

/* A handler event's colour class, from the trace's event names. */
static const char *event_class(const char *s, size_t n) {
  size_t w = 0;
  while (w < n && ((s[w] >= 'A' && s[w] <= 'Z') || s[w] == '_')) w++;
  if (w == 0 || (w < n && s[w] != ' ')) return NULL;
#define IS(name) (w == strlen(name) && memcmp(s, name, w) == 0)
  if (IS("ACCEPT") || IS("CONNECT")) return "e-conn";
  if (IS("RECV")) return "e-recv";
  if (IS("SEND")) return "e-send";
  if (IS("CLOSE")) return "e-close";
  if (IS("TIMER")) return "e-timer";
  if (IS("BROADCAST")) return "e-bcast";
  if (w > 3 && memcmp(s, "WS_", 3) == 0) return "e-ws";
#undef IS
  return "e-http";
}

static const char s_style[] =
    "text{font-family:DejaVu Sans,Verdana,Arial,sans-serif;font-size:11px;fill:#222}"
    ".tm{font-size:10px;fill:#555;text-anchor:end}"
    ".note{font-size:10px;fill:#777}"
    ".peer{font-size:10px;fill:#5d4037}"
    ".glob{font-size:10px;fill:#777;font-style:italic}"
    ".lane{stroke:#c8c8c8;stroke-width:1;stroke-dasharray:2 3}"
    ".live{stroke:#8a8a8a;stroke-width:1.6}"
    ".band{fill:#f3f6fa}"
    ".idle{fill:#fafafa;stroke:#bbb;stroke-dasharray:5 3}"
    ".idle text,.cut text{text-anchor:start}"
    ".cut{fill:#fff4e5;stroke:#e65100;stroke-width:1.5}"
    ".cutt{font-weight:bold;fill:#bf360c}"
    ".hd{fill:#e3edf7;stroke:#5b7fa6}.hp{fill:#fdf3d9;stroke:#b08a2e}.ho{fill:#eee;stroke:#999}"
    ".hn{font-weight:bold;font-size:12px}.hs{font-size:9.5px;fill:#444}"
    ".e-conn{fill:#2e7d32}.e-recv{fill:#1565c0}.e-send{fill:#00838f}"
    ".e-close{fill:#212121}.e-timer{fill:#ef6c00}.e-http{fill:#6a1b9a}"
    ".e-ws{fill:#ad1457}.e-bcast{fill:#795548}"
    ".w line,.w path{stroke-width:1.3;fill:none}"
    ".w text{font-size:9.5px;text-anchor:middle;paint-order:stroke;stroke:#fff;"
    "stroke-width:3px;stroke-linejoin:round}"
    ".w .ls{text-anchor:start}.w .le{text-anchor:end}"
    ".data line,.data path{stroke:#1e5aa8}.data text{fill:#1e5aa8}"
    ".syn line,.synack line,.syn path,.synack path{stroke:#2e7d32;stroke-dasharray:4 2}"
    ".syn text,.synack text{fill:#2e7d32}"
    ".fin line,.fin path{stroke:#e65100}.fin text{fill:#e65100}"
    ".rst line,.rst path{stroke:#c62828;stroke-width:2}.rst text{fill:#c62828}"
    ".dgram line,.dgram path{stroke:#6a1b9a}.dgram text{fill:#6a1b9a}"
    ".lost line{stroke:#c62828;stroke-dasharray:3 2}.lost text{fill:#c62828}"
    ".flight line{stroke-dasharray:1 3}"
    ".x{stroke:#c62828;stroke-width:2}.xc{stroke:#212121;stroke-width:2}"
    ".fail line{stroke:#d50000;stroke-width:2.5}"
    ".fail text{fill:#d50000;font-weight:bold;font-size:12px}"
    ".ok{fill:#2e7d32;font-weight:bold}.bad{fill:#d50000;font-weight:bold}"
    ".ttl{font-size:14px;font-weight:bold}";

static void put_defs(struct scn_text *o) {
  static const char *const colours[][2] = {{"data", "#1e5aa8"}, {"syn", "#2e7d32"},
                                          {"synack", "#2e7d32"}, {"fin", "#e65100"},
                                          {"rst", "#c62828"}, {"dgram", "#6a1b9a"}};
  size_t i;
  scn_text_puts(o, "<defs>");
  for (i = 0; i < sizeof(colours) / sizeof(colours[0]); i++) {
    scn_text_printf(o,
         "<marker id=\"a-%s\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" "
         "markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\">"
         "<path d=\"M0,0L10,5L0,10z\" fill=\"%s\"/></marker>",
         colours[i][0], colours[i][1]);
  }
  scn_text_puts(o, "</defs>\n");
}

/* ---- the picture --------------------------------------------------------- */

struct pic {
  struct timeline *tl;
  const char *trace;
  int width;
  long head_end, tail_start; /* rows [head_end, tail_start) are cut */
  int cut;
  double *ys;                /* the centre of each drawn row */
  double cut_y;
  int64_t cut_from, cut_to;  /* times of the rows cut */
  double y, body_top, body_end;
  unsigned long long events, cut_lines, cut_rows;
  struct scn_text bands, rows, wires;
};

static double lane_x(const struct pic *p, int lane) {
  return LEFT + p->tl->lanes[lane].column * LANE_W + LANE_W / 2.0;
}

static int drawn(const struct pic *p, long row) {
  return row >= 0 && (row < p->head_end || row >= p->tail_start);
}

static double row_y(const struct pic *p, long row) {
  if (row < p->head_end) return p->ys[row];
  if (row >= p->tail_start) return p->ys[p->head_end + (row - p->tail_start)];
  return p->cut_y;
}

static void put_title_line(struct scn_text *o, const char *line, size_t n) {
  const char *s = line;
  /* the trace's padding is for columns of text, not for hover text */
  while (n > 0 && *s == ' ') {
    s++;
    n--;
  }
  put_text(o, s, n, 600);
}

static void draw_line_row(struct pic *p, const struct tl_row *r, double yc) {
  struct scn_text *o = &p->rows;
  const char *cls = NULL;
  const struct tl_lane *l = r->lane >= 0 ? &p->tl->lanes[r->lane] : NULL;
  double x;
  scn_text_puts(o, "<g><title>");
  put_title_line(o, r->line, r->line_len);
  scn_text_puts(o, "</title>");
  if (l == NULL) {
    scn_text_printf(o, "<text class=\"glob\" x=\"%d\" y=\"%.1f\">", LEFT + 6, yc + 3.5);
    put_text(o, r->who, r->who_len, 20);
    scn_text_puts(o, ": ");
    put_text(o, r->text, r->text_len, 120);
    scn_text_puts(o, "</text></g>\n");
    return;
  }
  x = lane_x(p, r->lane);
  if (l->kind == TL_ENGINE) cls = event_class(r->text, r->text_len);
  if (cls != NULL) {
    p->events++;
    if (strcmp(cls, "e-close") == 0) {
      scn_text_printf(o, "<path class=\"xc\" d=\"M%.1f,%.1fl8,8m0,-8l-8,8\"/>", x - 4, yc - 4);
    } else {
      scn_text_printf(o, "<circle class=\"%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"4\"/>", cls, x, yc);
    }
    scn_text_printf(o, "<text class=\"%s\" x=\"%.1f\" y=\"%.1f\">", cls, x + 7, yc + 4);
  } else {
    scn_text_printf(o, "<text class=\"%s\" x=\"%.1f\" y=\"%.1f\">", l->kind == TL_PEER ? "peer" : "note",
         x + 7, yc + 3.5);
  }
  if (l->merged) {
    put_text(o, r->who, r->who_len, 12);
    scn_text_puts(o, " ");
  }
  put_text(o, r->text, r->text_len, TEXT_CHARS);
  scn_text_puts(o, "</text></g>\n");
}

static const char *fail_message(const struct pic *p) {
  return p->tl->fail_text != NULL ? p->tl->fail_text : "the run failed";
}

/* Lines of the failure's message as drawn: as many characters as fit
 * across the picture each, FAIL_LINES at most. */
#define FAIL_LINES 4
static size_t fail_chars(const struct pic *p) { return (size_t) (p->width - LEFT - 20) / 7; }

static int fail_lines(const struct pic *p) {
  size_t n = strlen("FAILED: ") + strlen(fail_message(p)), per = fail_chars(p);
  int lines = (int) ((n + per - 1) / per);
  return lines < 1 ? 1 : lines > FAIL_LINES ? FAIL_LINES : lines;
}

static double fail_height(const struct pic *p) { return FAIL_H + (fail_lines(p) - 1) * 15; }

/* The failure: a red line across every lane at the moment it happened,
 * its message above it. */
static void draw_fail_row(struct pic *p, double ytop) {
  struct scn_text *o = &p->rows;
  char t[40];
  const char *msg = fail_message(p);
  size_t len = strlen(msg), per = fail_chars(p), at = 0, first = per - strlen("FAILED: ");
  int k, lines = fail_lines(p);
  double yline = ytop + fail_height(p) - 9;
  fmt_time(p->tl->fail_t, t, sizeof(t));
  scn_text_puts(o, "<g class=\"fail\"><title>FAILED at ");
  put_str(o, t, 40);
  scn_text_puts(o, ": ");
  put_str(o, msg, 4000);
  scn_text_printf(o, "</title><line x1=\"4\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>", yline, p->width - 4,
       yline);
  for (k = 0; k < lines && at < len; k++) {
    size_t n = k == 0 ? first : per;
    /* a cut must not split a UTF-8 character */
    while (at + n < len && (msg[at + n] & 0xc0) == 0x80) n--;
    if (at + n > len) n = len - at;
    scn_text_printf(o, "<text x=\"%d\" y=\"%.1f\">%s", LEFT + 6, ytop + 16 + 15 * k,
         k == 0 ? "FAILED: " : "");
    put_text(o, msg + at, n, k == lines - 1 && at + n < len ? n - 1 : n);
    scn_text_puts(o, "</text>");
    at += n;
  }
  scn_text_puts(o, "</g>\n");
}

static void draw_send_row(struct pic *p, const struct tl_row *r, double yc) {
  if (r->lane < 0) return;
  scn_text_printf(&p->rows, "<rect x=\"%.1f\" y=\"%.1f\" width=\"6\" height=\"6\" fill=\"#777\"/>\n",
       lane_x(p, r->lane) - 3, yc - 3);
}

/* A band for a long idle stretch: it is marked, not drawn to scale. */
static void draw_idle(struct pic *p, int64_t gap) {
  char t[40];
  fmt_time(gap, t, sizeof(t));
  scn_text_printf(&p->rows,
       "<g><title>nothing happened for %s</title><rect class=\"idle\" x=\"%d\" y=\"%.1f\" "
       "width=\"%d\" height=\"%d\"/><text class=\"glob\" x=\"%d\" y=\"%.1f\">"
       "\xe2\x8b\xaf idle %s \xe2\x8b\xaf</text></g>\n",
       t, 2, p->y + 3, p->width - 4, IDLE_H - 6, LEFT + 6, p->y + IDLE_H / 2.0 + 3.5, t);
  p->y += IDLE_H;
}

static void draw_cut(struct pic *p) {
  char a[40], b[40];
  fmt_time(p->cut_from, a, sizeof(a));
  fmt_time(p->cut_to, b, sizeof(b));
  scn_text_printf(&p->rows,
       "<g><title>Rows %ld to %ld are not drawn: a picture of every row would be too big "
       "to open. The trace has them all (mgsim run FILE --trace -).</title>"
       "<rect class=\"cut\" x=\"2\" y=\"%.1f\" width=\"%d\" height=\"%d\"/>"
       "<text class=\"cutt\" x=\"%d\" y=\"%.1f\">\xe2\x9c\x82 CUT: %llu rows from %s to %s are "
       "not drawn (%llu trace lines",
       p->head_end + 1, p->tail_start, p->y + 4, p->width - 4, CUT_H - 8, LEFT + 6,
       p->y + 19, p->cut_rows, a, b, p->cut_lines);
  if (p->tl->wires_dropped > 0) {
    scn_text_printf(&p->rows, ", and %llu wire items not kept", p->tl->wires_dropped);
  }
  scn_text_printf(&p->rows,
       ")</text><text class=\"cutt\" x=\"%d\" y=\"%.1f\">the first %d and the last %d rows "
       "are drawn; the trace has everything</text></g>\n",
       LEFT + 6, p->y + 33, TL_HEAD_ROWS, TL_TAIL_ROWS);
  p->cut_y = p->y + CUT_H / 2.0;
  p->y += CUT_H;
}

/* Rows, instants, idle stretches and the cut, top to bottom. */
static int draw_rows(struct pic *p) {
  struct tl_walk w;
  struct tl_row r;
  int64_t prev_t = 0;
  int have_prev = 0, band = 0;
  double band_top = p->y;
  long ndrawn = 0;
  p->ys = (double *) malloc((size_t) (p->head_end + (p->tl->nrows - p->tail_start) + 1) *
                            sizeof(double));
  if (p->ys == NULL) return -1;
  tl_rows_begin(&w, p->tl, p->trace, NULL);
  while (tl_rows_next(&w, &r)) {
    double h = r.kind == TL_ROW_FAIL ? fail_height(p) : ROW_H, yc;
    if (!drawn(p, r.index)) {
      if (p->cut_rows == 0) p->cut_from = r.t;
      p->cut_to = r.t;
      p->cut_rows++;
      if (r.kind == TL_ROW_LINE) p->cut_lines++;
      continue;
    }
    if (r.index == p->tail_start && p->cut) {
      if (have_prev && band) {
        scn_text_printf(&p->bands, "<rect class=\"band\" x=\"0\" y=\"%.1f\" width=\"%d\" height=\"%.1f\"/>\n",
             band_top, p->width, p->y - band_top);
      }
      draw_cut(p);
      have_prev = 0;
    }
    if (!have_prev || r.t != prev_t) {
      char t[40];
      if (have_prev) {
        int64_t gap = r.t - prev_t;
        if (band) {
          scn_text_printf(&p->bands,
               "<rect class=\"band\" x=\"0\" y=\"%.1f\" width=\"%d\" height=\"%.1f\"/>\n",
               band_top, p->width, p->y - band_top);
        }
        if (gap >= IDLE_US) {
          draw_idle(p, gap);
        } else if (gap > 0) {
          p->y += 2 + 2 * floor(log10((double) gap));
        }
        band = !band;
      }
      band_top = p->y;
      fmt_time(r.t, t, sizeof(t));
      scn_text_printf(&p->rows, "<text class=\"tm\" x=\"%d\" y=\"%.1f\"><title>%lld us</title>%s</text>\n",
           LEFT - 8, p->y + h / 2 + 3.5, (long long) r.t, t);
      prev_t = r.t;
      have_prev = 1;
    }
    yc = p->y + (r.kind == TL_ROW_FAIL ? h - 9 : h / 2);
    p->ys[ndrawn++] = yc;
    switch (r.kind) {
      case TL_ROW_LINE:
        draw_line_row(p, &r, yc);
        break;
      case TL_ROW_SEND:
        draw_send_row(p, &r, yc);
        break;
      case TL_ROW_FAIL:
        draw_fail_row(p, p->y);
        break;
      default:
        break;
    }
    p->y += h;
  }
  if (have_prev && band) {
    scn_text_printf(&p->bands, "<rect class=\"band\" x=\"0\" y=\"%.1f\" width=\"%d\" height=\"%.1f\"/>\n",
         band_top, p->width, p->y - band_top);
  }
  p->y += ROW_H + 14; /* room for the stubs of what was still on its way */
  return 0;
}

static void wire_label(struct scn_text *o, const struct tl_wire *x, size_t max) {
  if (x->kind == SIM_WIRE_DATA || x->kind == SIM_WIRE_DGRAM) {
    scn_text_printf(o, "%s%s%s%zu B ", x->lost ? "lost: " : "",
         x->kind == SIM_WIRE_DGRAM ? "datagram " : "", x->dup ? "(copy) " : "", x->len);
    put_bytes(o, x->head, x->len < TL_HEAD_BYTES ? x->len : TL_HEAD_BYTES, x->len, max);
  } else {
    scn_text_puts(o, x->kind >= 0 && x->kind <= SIM_WIRE_ACK ? s_wire_labels[x->kind] : "?");
  }
}

static void draw_wire(struct pic *p, const struct tl_wire *x) {
  struct scn_text *o = &p->wires;
  const struct timeline *tl = p->tl;
  int arrived = x->arrive_row >= 0;
  double x1, y1, x2, y2;
  char ts[40], ta[40];
  const char *name = wire_name(x->kind);
  if (x->from < 0 || x->to < 0 || x->send_row < 0) return;
  if (!drawn(p, x->send_row) && !(arrived && drawn(p, x->arrive_row))) return;
  x1 = lane_x(p, x->from);
  x2 = lane_x(p, x->to);
  y1 = row_y(p, x->send_row);
  y2 = arrived ? row_y(p, x->arrive_row) : y1 + ROW_H;
  if (!arrived) x2 = x1 + (x2 - x1) * 0.45;
  fmt_time(x->sent, ts, sizeof(ts));
  fmt_time(x->arrives, ta, sizeof(ta));
  scn_text_printf(o, "<g class=\"w %s%s\"><title>", name,
       x->lost ? " lost" : !arrived ? " flight" : "");
  wire_label(o, x, 400);
  scn_text_puts(o, "\n");
  put_str(o, tl->lanes[x->from].name, 60);
  scn_text_puts(o, " \xe2\x86\x92 ");
  put_str(o, tl->lanes[x->to].name, 60);
  scn_text_puts(o, " (");
  put_str(o, x->src, 64);
  scn_text_puts(o, " \xe2\x86\x92 ");
  put_str(o, x->dst, 64);
  if (x->kind == SIM_WIRE_DGRAM) {
    scn_text_printf(o, ")\nsent at %s, ", ts);
  } else {
    scn_text_printf(o, "), stream %d, seq %llu, ack %llu\nsent at %s, ", x->stream,
         (unsigned long long) x->tcp_seq, (unsigned long long) x->tcp_ack, ts);
  }
  if (x->lost) {
    scn_text_puts(o, "lost on the way");
  } else if (!arrived) {
    scn_text_printf(o, "due at %s, after the run ended", ta);
  } else {
    scn_text_printf(o, "arrives at %s", ta);
  }
  if (x->kind != SIM_WIRE_DGRAM && x->window != SIM_WIRE_UNLIMITED) {
    scn_text_printf(o, "\nthe sender's receive window: %zu bytes", x->window);
  }
  scn_text_puts(o, "</title>");
  if (x->from == x->to || fabs(x2 - x1) < 1) {
    /* both ends in one column (lanes merged past the limit) */
    scn_text_printf(o, "<path d=\"M%.1f,%.1fc30,0 30,%.1f 0,%.1f\" marker-end=\"url(#a-%s)\"/>", x1, y1,
         y2 - y1, y2 - y1, name);
    x2 = x1 + 40;
  } else {
    double dir = x2 > x1 ? 1 : -1;
    scn_text_printf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"%s%s%s/>", x1 + 3 * dir, y1,
         x2 - (arrived ? 2 * dir : 0), y2, arrived ? " marker-end=\"url(#a-" : "",
         arrived ? name : "", arrived ? ")\"" : "");
  }
  if (x->lost) {
    scn_text_printf(o, "<path class=\"x\" d=\"M%.1f,%.1fl8,8m0,-8l-8,8\"/>", x2 - 4, y2 - 4);
  }
  if (arrived && drawn(p, x->arrive_row) && x->from != x->to) {
    /* On the arrival's own row, which has nothing else, beside the lane
     * and away from the line coming in (the time labels are left of the
     * first lane). */
    int right = x2 > x1 || tl->lanes[x->to].column == 0;
    scn_text_printf(o, "<text class=\"%s\" x=\"%.1f\" y=\"%.1f\">", right ? "ls" : "le",
         right ? x2 + 8 : x2 - 8, y2 + 3.5);
  } else if (!arrived) {
    /* lost, or still on its way: the label ends the stub */
    scn_text_printf(o, "<text class=\"%s\" x=\"%.1f\" y=\"%.1f\">", x2 > x1 ? "ls" : "le",
         x2 > x1 ? x2 + 8 : x2 - 8, y2 + 3.5);
  } else {
    scn_text_printf(o, "<text x=\"%.1f\" y=\"%.1f\">", (x1 + x2) / 2, (y1 + y2) / 2 - 3);
  }
  wire_label(o, x, 22);
  scn_text_puts(o, "</text></g>\n");
}

/* Per column: the first lane in it, how many share it, the rows it spans. */
struct column {
  int lane, count;
  long first, last;
};

static struct column *columns(const struct timeline *tl) {
  struct column *c = (struct column *) calloc((size_t) tl->ncolumns + 1, sizeof(*c));
  int k;
  if (c == NULL) return NULL;
  for (k = 0; k < tl->ncolumns; k++) c[k].lane = c[k].first = c[k].last = -1;
  for (k = 0; k < tl->nlanes; k++) {
    const struct tl_lane *l = &tl->lanes[k];
    struct column *col = &c[l->column];
    long last = l->close_row >= 0 ? l->close_row : l->last_row;
    if (col->lane < 0) col->lane = k;
    col->count++;
    if (l->first_row < 0) continue;
    if (col->first < 0 || l->first_row < col->first) col->first = l->first_row;
    if (last > col->last) col->last = last;
  }
  return c;
}

static void draw_lanes(struct pic *p, struct scn_text *o, const struct column *cols) {
  int c;
  for (c = 0; c < p->tl->ncolumns; c++) {
    double x = LEFT + c * LANE_W + LANE_W / 2.0;
    scn_text_printf(o, "<line class=\"lane\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", x,
         p->body_top, x, p->body_end);
    if (cols[c].first < 0) continue;
    /* solid while the lane (or any lane sharing the column) lives */
    scn_text_printf(o, "<line class=\"live\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", x,
         row_y(p, cols[c].first), x, row_y(p, cols[c].last));
  }
}

/* The head of each column: what the lane is. */
static void draw_heads(struct pic *p, struct scn_text *o, double top, const struct column *cols) {
  const struct timeline *tl = p->tl;
  int c;
  for (c = 0; c < tl->ncolumns; c++) {
    const struct tl_lane *l = cols[c].lane >= 0 ? &tl->lanes[cols[c].lane] : NULL;
    int merged = cols[c].count;
    double x = LEFT + c * LANE_W + 4;
    if (l == NULL) continue;
    scn_text_printf(o, "<g><title>");
    if (merged > 1) {
      scn_text_printf(o, "%d lanes share this column: the picture draws %d lanes at most; "
              "each row here says whose it is.", merged, TL_MAX_LANES);
    } else {
      put_str(o, l->name, 60);
      scn_text_puts(o, l->kind == TL_ENGINE ? " (engine connection)" : l->kind == TL_PEER ? " (peer)" : "");
      if (l->what[0] != '\0') scn_text_puts(o, "\n");
      put_str(o, l->what, 200);
      if (l->app[0] != '\0' || l->addr[0] != '\0') scn_text_puts(o, "\n");
      put_str(o, l->app[0] != '\0' ? l->app : l->addr, 200);
    }
    scn_text_printf(o,
         "</title><rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%d\" height=\"%d\" "
         "rx=\"4\"/>",
         merged > 1 ? "ho" : l->kind == TL_ENGINE ? "hd" : l->kind == TL_PEER ? "hp" : "ho", x,
         top + 4, LANE_W - 8, HEAD_H - 10);
    scn_text_printf(o, "<text class=\"hn\" x=\"%.1f\" y=\"%.1f\">", x + 6, top + 19);
    if (merged > 1) {
      scn_text_printf(o, "%d more lanes", merged);
    } else {
      put_str(o, l->name, 24);
    }
    scn_text_printf(o, "</text><text class=\"hs\" x=\"%.1f\" y=\"%.1f\">", x + 6, top + 32);
    if (merged > 1) {
      scn_text_puts(o, "(too many to draw apart)");
    } else {
      put_str(o, l->what[0] != '\0' ? l->what
                 : l->kind == TL_ENGINE ? "connection"
                 : l->kind == TL_PEER ? "peer" : "",
              30);
    }
    scn_text_printf(o, "</text><text class=\"hs\" x=\"%.1f\" y=\"%.1f\">", x + 6, top + 44);
    if (merged <= 1) put_str(o, l->app[0] != '\0' ? l->app : l->addr, 30);
    scn_text_puts(o, "</text></g>\n");
  }
}

static void put_summary(struct pic *p, struct scn_text *o) {
  const struct timeline *tl = p->tl;
  scn_text_printf(o, "%d lanes", tl->nlanes);
  if (tl->nlanes > tl->ncolumns) {
    scn_text_printf(o, " (the last %d share a column)", tl->nlanes - tl->ncolumns + 1);
  }
  scn_text_printf(o,
       ", %ld rows, %llu packets (%llu acknowledgements not drawn), "
       "%llu handler events drawn (POLL never)",
       tl->nrows, tl->wires_seen, tl->acks, p->events);
}

static void open_svg(struct scn_text *o, int width, double height) {
  scn_text_printf(o,
       "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%.0f\" "
       "viewBox=\"0 0 %d %.0f\">\n<style>",
       width, height, width, height);
  scn_text_puts(o, s_style);
  scn_text_puts(o, "</style>\n");
}

int tl_draw(struct timeline *tl, FILE *fp, int html, const char *title, const char *trace,
            int passed) {
  struct pic p;
  struct scn_text doc;
  struct column *cols = NULL;
  size_t i;
  int rc = 0;
  memset(&p, 0, sizeof(p));
  memset(&doc, 0, sizeof(doc));
  p.tl = tl;
  p.trace = trace;
  /* room on the right for the last lane's text */
  p.width = LEFT + (tl->ncolumns > 3 ? tl->ncolumns : 3) * LANE_W + LANE_W / 2 + 16;
  p.cut = tl->nrows > TL_HEAD_ROWS + TL_TAIL_ROWS;
  p.head_end = p.cut ? TL_HEAD_ROWS : tl->nrows;
  p.tail_start = p.cut ? tl->nrows - TL_TAIL_ROWS : tl->nrows;
  p.body_top = html ? 4 : TITLE_H + HEAD_H;
  p.y = p.body_top + 6;
  if ((cols = columns(tl)) == NULL || draw_rows(&p) != 0) {
    rc = -1;
    goto done;
  }
  p.body_end = p.y;
  for (i = 0; i < tl->nwires; i++) draw_wire(&p, tl_wire_at(tl, i));
  if (html) {
    scn_text_puts(&doc, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/><title>");
    put_str(&doc, title, 300);
    scn_text_puts(&doc,
          "</title><style>"
          "body{margin:0;font-family:DejaVu Sans,Verdana,Arial,sans-serif;background:#fff}"
          "header{padding:8px 12px}h1{font-size:16px;margin:0 0 4px}"
          ".ok{color:#2e7d32;font-weight:bold}.bad{color:#d50000;font-weight:bold}"
          "pre{white-space:pre-wrap;color:#d50000;margin:4px 0;font-size:12px}"
          ".cutnote{color:#bf360c;font-weight:bold}p{margin:2px 0;font-size:12px}"
          ".heads{position:sticky;top:0;background:#fff;border-bottom:1px solid #ccc;"
          "z-index:1}svg{display:block}"
          "</style></head><body><header><h1>");
    put_str(&doc, title, 300);
    scn_text_puts(&doc, "</h1><p>");
    scn_text_puts(&doc, passed ? "<span class=\"ok\">passed</span>" : "<span class=\"bad\">FAILED</span>");
    scn_text_puts(&doc, " \xe2\x80\x94 ");
    put_summary(&p, &doc);
    scn_text_puts(&doc, "</p>");
    if (!passed) {
      scn_text_puts(&doc, "<pre>");
      put_str(&doc, tl->fail_text != NULL ? tl->fail_text : "the run failed", 4000);
      scn_text_puts(&doc, "</pre>");
    }
    if (p.cut) {
      scn_text_printf(&doc, "<p class=\"cutnote\">Cut: %llu of %ld rows are not drawn (the first %d and "
                 "the last %d are); see the band where they would be.</p>",
           p.cut_rows, tl->nrows, TL_HEAD_ROWS, TL_TAIL_ROWS);
    }
    scn_text_puts(&doc,
          "<p>Time runs down in virtual microseconds: each instant is a band of rows, in the "
          "order things happened; idle stretches of 100 ms or more are marked, not drawn to "
          "scale. Hover over anything for its details.</p></header>\n<div class=\"heads\">");
    open_svg(&doc, p.width, HEAD_H);
    draw_heads(&p, &doc, 0, cols);
    scn_text_puts(&doc, "</svg></div>\n");
    open_svg(&doc, p.width, p.body_end);
    put_defs(&doc);
  } else {
    scn_text_puts(&doc, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    open_svg(&doc, p.width, p.body_end);
    put_defs(&doc);
    scn_text_puts(&doc, "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n");
    scn_text_printf(&doc, "<text class=\"ttl\" x=\"8\" y=\"20\">mgsim timeline: ");
    put_str(&doc, title, 300);
    scn_text_printf(&doc, "</text>\n<text x=\"8\" y=\"38\"><tspan class=\"%s\">%s</tspan> ",
         passed ? "ok" : "bad", passed ? "passed" : "FAILED:");
    if (!passed) put_str(&doc, tl->fail_text != NULL ? tl->fail_text : "", 300);
    scn_text_printf(&doc, "</text>\n<text x=\"8\" y=\"54\">");
    put_summary(&p, &doc);
    scn_text_puts(&doc, "; time runs down, one band of rows per instant");
    if (p.cut) scn_text_printf(&doc, "; CUT: %llu rows not drawn", p.cut_rows);
    scn_text_puts(&doc, "</text>\n");
    draw_heads(&p, &doc, TITLE_H, cols);
  }
  scn_text_add(&doc, p.bands.b.buf, p.bands.b.len);
  draw_lanes(&p, &doc, cols);
  scn_text_add(&doc, p.rows.b.buf, p.rows.b.len);
  scn_text_add(&doc, p.wires.b.buf, p.wires.b.len);
  scn_text_puts(&doc, "</svg>\n");
  if (html) scn_text_puts(&doc, "</body></html>\n");
  if (doc.failed || p.rows.failed || p.bands.failed || p.wires.failed) {
    rc = -1;
  } else if (doc.b.len > 0) {
    fwrite(doc.b.buf, 1, doc.b.len, fp);
  }
done:
  free(cols);
  free(p.ys);
  scn_text_free(&p.bands);
  scn_text_free(&p.rows);
  scn_text_free(&p.wires);
  scn_text_free(&doc);
  return rc;
}
