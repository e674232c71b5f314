/*
 * pcap.h - `mgsim run FILE --pcap OUT.pcap`: the packets of a simulated run
 * (sim.h, "the wire") as a classic libpcap capture file: Ethernet, IPv4 (or
 * IPv6 where an address is one), TCP and UDP, stamped with virtual time
 * (time 0 is SIM_EPOCH seconds after 1970, the clock mg_time() reads).
 *
 * TCP: one connection per stream, with its handshake, sequence and
 * acknowledgement numbers, the receive windows the simulation's knobs give
 * (65535 at most: there is no window scaling, so an unlimited window shows
 * as 65535), FINs and RSTs; segments as the simulation cut them, those over
 * 65495 bytes split to fit IP. An engine connecting to its own listener is
 * one connection between the two engine addresses (its relay's copies are
 * left out). UDP: every datagram sent, those the network lost too (stamped
 * when sent, like everything in the file), a duplicated one twice.
 */
#ifndef MGSIM_PCAP_H
#define MGSIM_PCAP_H

#include "sim.h"

struct pcap_writer;

/* Creates path and writes the file header; NULL with errno set. */
struct pcap_writer *pcap_open(const char *path);
/* The wire observer: sim_set_wire_observer(s, pcap_on_wire, writer). */
void pcap_on_wire(void *writer, const struct sim_wire *w);
/* Writes what it held back; later packets are not written (a capture is of
 * one run: --repeat runs the same one again). */
void pcap_finish(struct pcap_writer *pw);
/* Writes what it holds back and closes the file: 0, or -1 with errno set
 * when anything could not be written. */
int pcap_close(struct pcap_writer *pw);

#endif
