/*
 * peer_bytes.h - `mgsim run FILE --peer-bytes OUT`: what every scripted
 * peer with a TCP connection sent and received in the run, in hex. It is
 * kept apart from the simulated wire (the bytes come from the scenario's
 * send lines and the peers' receive buffers), so that a capture of the same
 * run (--pcap) can be held against it: ci/check-pcap.sh does. "sent" is
 * what the script gave to send, "got" what the peer has read: where a peer
 * stopped reading or reset mid-transfer, the wire carried more than it got
 * (or less than it sent), so the check uses scenarios whose peers read
 * everything. One block per peer, in the order the peers were made:
 *
 *   peer NAME OWN-ADDRESS ENGINE-ADDRESS
 *   sent HEX
 *   got HEX
 */
#ifndef MGSIM_PEER_BYTES_H
#define MGSIM_PEER_BYTES_H

#include <stddef.h>

struct scn_ctx;

/* Creates path; -1 with errno set. Records from then on. */
int peer_bytes_open(const char *path);
/* What a peer's script sent (scn_cmd.c, "peer P send"); nothing unless open. */
void peer_bytes_sent(const char *peer, const void *data, size_t len);
/* A run's end (a watcher's `ended`): writes the file for it, once. */
void peer_bytes_ended(void *unused, struct scn_ctx *ctx);
/* Closes the file: 0, or -1 with errno set when it could not be written. */
int peer_bytes_close(void);

#endif
