/*
 * run_outputs.c - what `mgsim run` writes about a run besides its trace:
 * --timeline (a sequence diagram, timeline.c), --pcap (a capture, pcap.c)
 * and --peer-bytes (what each peer's TCP streams carried, peer_bytes.c).
 *
 * Each watches the run through the runner's watchers (scn_watch), so any
 * of them can be given together. Each is for one simulated run. A file is
 * checked before anything runs (a run is not worth starting when what it
 * was asked to write cannot be written), but truncated only once the
 * scenario has parsed: a typo must not cost an existing file its contents,
 * and a file that is also an input or another output is refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "native.h"
#include "pcap.h"
#include "peer_bytes.h"
#include "run_outputs.h"
#include "timeline.h"

static int same_file(const char *a, const char *b) {
  struct stat sa, sb;
  if (strcmp(a, b) == 0) return 1;
  return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
         sa.st_ino == sb.st_ino && S_ISREG(sa.st_mode);
}

/* The checks every output shares; on success the file exists (created if
 * it did not, never truncated). */
static int check_output(struct run_output *out, const char *opt, const char *what, int run,
                        char *const *inputs, size_t n, const struct run_output *others[2]) {
  struct stat st;
  size_t i;
  int fd, existed;
  if (!run || scn_native) {
    fprintf(stderr, "mgsim: %s %s a simulated run: it is for run, without --native\n", opt,
            what);
    return -1;
  }
  if (n != 1) {
    fprintf(stderr, "mgsim: %s %s one run: give one scenario file, not %zu\n", opt, what, n);
    return -1;
  }
  for (i = 0; i < n; i++) {
    if (same_file(out->path, inputs[i])) {
      fprintf(stderr, "mgsim: %s %s is the scenario file itself\n", opt, out->path);
      return -1;
    }
  }
  for (i = 0; i < 2; i++) {
    if (others[i]->path != NULL && same_file(out->path, others[i]->path)) {
      fprintf(stderr, "mgsim: %s %s is another output's file too\n", opt, out->path);
      return -1;
    }
  }
  existed = stat(out->path, &st) == 0;
  if ((fd = open(out->path, O_WRONLY | O_CREAT, 0666)) < 0) {
    fprintf(stderr, "mgsim: cannot write %s: %s\n", out->path, strerror(errno));
    return -1;
  }
  close(fd);
  out->created = !existed;
  return 0;
}

/* A file made for a run that never came is not left behind. */
static void unmake(struct run_output *out) {
  if (out->path != NULL && out->created && !out->started) remove(out->path);
  out->created = 0;
}

int run_outputs_open(struct run_outputs *o, int run, char *const *inputs, size_t n) {
  const struct run_output *tl_others[2] = {&o->pcap, &o->bytes};
  const struct run_output *pcap_others[2] = {&o->timeline, &o->bytes};
  const struct run_output *bytes_others[2] = {&o->timeline, &o->pcap};
  if (o->timeline.path != NULL && (o->tl_html = timeline_format(o->timeline.path)) < 0) {
    fprintf(stderr, "mgsim: --timeline wants a file name ending in .html or .svg, not '%s'\n",
            o->timeline.path);
    return -1;
  }
  if ((o->timeline.path != NULL &&
       check_output(&o->timeline, "--timeline", "draws", run, inputs, n, tl_others) != 0) ||
      (o->pcap.path != NULL &&
       check_output(&o->pcap, "--pcap", "captures", run, inputs, n, pcap_others) != 0) ||
      (o->bytes.path != NULL &&
       check_output(&o->bytes, "--peer-bytes", "records", run, inputs, n, bytes_others) != 0)) {
    unmake(&o->timeline);
    unmake(&o->pcap);
    unmake(&o->bytes);
    return -1;
  }
  return 0;
}

static void pcap_ended(void *pw, struct scn_ctx *ctx) {
  (void) ctx;
  pcap_finish((struct pcap_writer *) pw);
}

int run_outputs_start(struct run_outputs *o) {
  if (o->timeline.path != NULL && !o->timeline.started) {
    if ((o->tl_fp = fopen(o->timeline.path, "w")) == NULL) {
      fprintf(stderr, "mgsim: cannot write %s: %s\n", o->timeline.path, strerror(errno));
      return -1;
    }
    o->timeline.started = 1;
    o->timeline.watcher.wire = timeline_on_wire;
    o->timeline.watcher.failed = timeline_on_failed;
    o->timeline.watcher.ended = timeline_on_ended;
    if ((o->tl = timeline_new()) == NULL) {
      fprintf(stderr, "mgsim: --timeline: out of memory\n");
      return -1;
    }
    o->timeline.watcher.arg = o->tl;
    if (scn_watch(&o->timeline.watcher) != 0) return -1;
  }
  if (o->pcap.path != NULL && !o->pcap.started) {
    o->pcap.started = 1;
    if ((o->pw = pcap_open(o->pcap.path)) == NULL) {
      fprintf(stderr, "mgsim: cannot write %s: %s\n", o->pcap.path, strerror(errno));
      return -1;
    }
    o->pcap.watcher.wire = pcap_on_wire;
    o->pcap.watcher.ended = pcap_ended;
    o->pcap.watcher.arg = o->pw;
    if (scn_watch(&o->pcap.watcher) != 0) return -1;
  }
  if (o->bytes.path != NULL && !o->bytes.started) {
    if (peer_bytes_open(o->bytes.path) != 0) {
      fprintf(stderr, "mgsim: cannot write %s: %s\n", o->bytes.path, strerror(errno));
      return -1;
    }
    o->bytes.started = 1;
    o->bytes.watcher.ended = peer_bytes_ended;
    if (scn_watch(&o->bytes.watcher) != 0) return -1;
  }
  return 0;
}

/* Watching stops after the first run: --repeat's others are the same. */
static void stop_watching(struct run_outputs *o) {
  if (o->timeline.started) scn_unwatch(&o->timeline.watcher);
  if (o->pcap.started) scn_unwatch(&o->pcap.watcher);
  if (o->bytes.started) scn_unwatch(&o->bytes.watcher);
}

void run_outputs_ran(struct run_outputs *o, const struct scn *sc, uint64_t seed,
                     const struct scn_result *res) {
  stop_watching(o);
  if (o->tl_fp == NULL || o->tl == NULL) return;
  if (timeline_write(o->tl, o->tl_fp, o->tl_html, sc, seed, res) != 0) {
    fprintf(stderr, "mgsim: cannot draw %s: out of memory\n", o->timeline.path);
    o->tl_bad = 1;
  }
  if (mgsim_close_output(o->tl_fp, o->timeline.path) != 0) o->tl_bad = 1;
  o->tl_fp = NULL;
}

int run_outputs_close(struct run_outputs *o) {
  int rc = 0;
  stop_watching(o);
  if (o->tl_fp != NULL) { /* started, never drawn: the run could not start */
    fclose(o->tl_fp);
    o->tl_fp = NULL;
    rc = -1;
  }
  timeline_free(o->tl);
  o->tl = NULL;
  if (o->tl_bad) rc = -1;
  if (o->pw != NULL && pcap_close(o->pw) != 0) {
    fprintf(stderr, "mgsim: cannot write %s: %s\n", o->pcap.path, strerror(errno));
    rc = -1;
  }
  o->pw = NULL;
  if (o->bytes.started && peer_bytes_close() != 0) {
    fprintf(stderr, "mgsim: cannot write %s: %s\n", o->bytes.path, strerror(errno));
    rc = -1;
  }
  unmake(&o->timeline);
  unmake(&o->pcap);
  unmake(&o->bytes);
  return rc;
}
