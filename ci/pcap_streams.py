#!/usr/bin/env python3
"""Holds the TCP streams of a capture (mgsim run --pcap) against what the
peers of the same run sent and received (mgsim run --peer-bytes).

Usage: ci/pcap_streams.py PCAP PEER_BYTES UNMATCHED

Each stream, reassembled by tshark (`-z follow,tcp,raw`, which orders the
bytes by sequence number), must carry exactly the bytes its peer's script
sent one way and the bytes the peer received the other. Every peer in the
record must have its stream; UNMATCHED streams may have no peer (an engine
connecting to its own listener has the engine at both ends). Exit status 0
when all agree, 1 with the differences otherwise.
"""
import subprocess
import sys


def follow(pcap):
    """{stream: (node0, node1, bytes node0 sent, bytes node1 sent)}"""
    ids = subprocess.run(["tshark", "-n", "-r", pcap, "-Y", "tcp", "-T", "fields",
                          "-e", "tcp.stream"], capture_output=True, text=True, check=True)
    streams = sorted({int(x) for x in ids.stdout.split()})
    if not streams:
        return {}
    args = ["tshark", "-n", "-r", pcap, "-q"]
    for s in streams:
        args += ["-z", "follow,tcp,raw,%d" % s]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    found, cur = {}, None
    for line in out.split("\n"):
        if line.startswith("Filter: tcp.stream eq "):
            cur = {"id": int(line.split()[-1]), "nodes": [], "data": [bytearray(), bytearray()]}
        elif cur is None:
            continue
        elif line.startswith("Node 0: ") or line.startswith("Node 1: "):
            cur["nodes"].append(line[8:].strip())
        elif line.startswith("====="):
            found[cur["id"]] = (cur["nodes"][0], cur["nodes"][1], bytes(cur["data"][0]),
                                bytes(cur["data"][1]))
            cur = None
        elif line.strip() and len(cur["nodes"]) == 2:
            side = 1 if line.startswith("\t") else 0
            cur["data"][side] += bytes.fromhex(line.strip())
    return found


def peers(path):
    """[(name, own address, engine address, sent, got)]"""
    out, cur = [], None
    with open(path) as f:
        for line in f:
            word, _, rest = line.rstrip("\n").partition(" ")
            if word == "peer":
                name, own, engine = rest.split(" ")
                cur = [name, own, engine, b"", b""]
                out.append(cur)
            elif word == "sent":
                cur[3] = bytes.fromhex(rest)
            elif word == "got":
                cur[4] = bytes.fromhex(rest)
    return out


def differ(what, want, have):
    n = min(len(want), len(have))
    at = next((i for i in range(n) if want[i] != have[i]), n)
    return "%s: %d bytes in the capture, %d in the record; they differ at byte %d" % (
        what, len(have), len(want), at)


def main():
    pcap, record, unmatched = sys.argv[1], sys.argv[2], int(sys.argv[3])
    streams = follow(pcap)
    problems, used = [], set()
    for name, own, engine, sent, got in peers(record):
        match = [s for s, (a, b, _, _) in streams.items() if {a, b} == {own, engine}]
        if len(match) != 1:
            problems.append("peer %s (%s - %s): %d streams in the capture" % (
                name, own, engine, len(match)))
            continue
        a, b, from_a, from_b = streams[match[0]]
        used.add(match[0])
        to_engine, to_peer = (from_a, from_b) if a == own else (from_b, from_a)
        if to_engine != sent:
            problems.append(differ("peer %s sent" % name, sent, to_engine))
        if to_peer != got:
            problems.append(differ("peer %s got" % name, got, to_peer))
    rest = sorted(set(streams) - used)
    if len(rest) != unmatched:
        problems.append("%d streams without a peer (wanted %d): %s" % (
            len(rest), unmatched, ", ".join("%s - %s" % streams[s][:2] for s in rest)))
    for p in problems:
        print(p)
    print("%d streams, %d peers matched" % (len(streams), len(used)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
