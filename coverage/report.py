#!/usr/bin/env python3
"""Helpers of coverage/run.sh and coverage/diff.sh (standard library only).

  report.py table LCOV_INFO
      line and branch totals per file, per folder and overall.

  report.py changed BASE LCOV_INFO OUT_JSON
      the lines changed since BASE (its merge base with HEAD, compared with
      the working tree; untracked files left out) that lcov.info measures,
      each with its hit count; prints how many.

  report.py reach COV_BUILD CHANGED_JSON OUT_MD [--jobs N]
      runs every test binary, scenario file, malformed scenario and fuzz
      corpus on its own, each with its own GCOV_PREFIX, reads back with
      gcov only the objects that hold the changed lines, and writes the
      table "changed line -> what reaches it".
"""
import argparse
import concurrent.futures
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
NAMES_SHOWN = 5


# ---- lcov.info ------------------------------------------------------------

def read_lcov(path):
    """{abs source path: {"lines": {line: hits}, "branches": {key: taken}}}"""
    data = {}
    cur = None
    with open(path, encoding="utf-8", errors="replace") as f:
        for raw in f:
            line = raw.strip()
            if line.startswith("SF:"):
                cur = data.setdefault(line[3:], {"lines": {}, "branches": {}})
            elif line.startswith("DA:") and cur is not None:
                parts = line[3:].split(",")
                n, hits = int(parts[0]), int(parts[1])
                cur["lines"][n] = cur["lines"].get(n, 0) + hits
            elif line.startswith("BRDA:") and cur is not None:
                parts = line[5:].split(",")
                key = tuple(parts[:3])
                taken = 0 if parts[3] == "-" else int(parts[3])
                cur["branches"][key] = cur["branches"].get(key, 0) + taken
            elif line == "end_of_record":
                cur = None
    return data


def rel(path):
    return os.path.relpath(path, ROOT)


def pct(hit, total):
    return "-" if total == 0 else "%.1f%%" % (100.0 * hit / total)


def cmd_table(args):
    data = read_lcov(args.lcov)
    rows = []
    for path in sorted(data, key=rel):
        d = data[path]
        lh = sum(1 for c in d["lines"].values() if c > 0)
        bh = sum(1 for c in d["branches"].values() if c > 0)
        rows.append((rel(path), lh, len(d["lines"]), bh, len(d["branches"])))
    width = max([len("total")] + [len(r[0]) for r in rows]) + 2
    head = "%-*s %7s %11s %9s %11s" % (width, "file", "lines", "hit/total",
                                       "branches", "hit/total")

    def fmt(name, lh, lt, bh, bt):
        return "%-*s %7s %11s %9s %11s" % (width, name, pct(lh, lt), "%d/%d" % (lh, lt),
                                           pct(bh, bt), "%d/%d" % (bh, bt))

    print(head)
    print("-" * len(head))
    folders = {}
    for r in rows:
        print(fmt(*r))
        f = folders.setdefault(os.path.dirname(r[0]) + "/", [0, 0, 0, 0, 0])
        f[0] += 1
        for i in range(4):
            f[i + 1] += r[i + 1]
    print("-" * len(head))
    total = [0, 0, 0, 0]
    for name in sorted(folders):
        n, lh, lt, bh, bt = folders[name]
        print(fmt("%s (%d files)" % (name, n), lh, lt, bh, bt))
        for i, v in enumerate((lh, lt, bh, bt)):
            total[i] += v
    print("-" * len(head))
    print(fmt("total", *total))
    return 0


# ---- changed lines --------------------------------------------------------

def git(*argv):
    return subprocess.run(["git", "-C", ROOT] + list(argv), check=True,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, errors="replace").stdout


HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")


def changed_lines(base):
    """{relative path: set of line numbers} of the working tree that differ
    from the merge base of BASE and HEAD: committed, staged and unstaged
    changes of the files git knows (as diff-cover sees them)."""
    mb = git("merge-base", base, "HEAD").strip()
    out = git("-c", "diff.noprefix=false", "-c", "core.quotepath=false", "diff",
              "--no-color", "--no-ext-diff", "--src-prefix=a/", "--dst-prefix=b/",
              "-U0", mb, "--")
    result = {}
    cur = None
    for line in out.splitlines():
        if line.startswith("+++ "):
            name = line[4:]
            cur = None if name == "/dev/null" else result.setdefault(name[2:], set())
        elif line.startswith("@@") and cur is not None:
            m = HUNK.match(line)
            if m:
                start, count = int(m.group(1)), int(m.group(2) or "1")
                cur.update(range(start, start + count))
    return mb, result


def cmd_changed(args):
    mb, changed = changed_lines(args.base)
    data = read_lcov(args.lcov)
    entries = []
    files = set()
    for name in sorted(changed):
        d = data.get(os.path.join(ROOT, name))
        if d is None:
            continue
        for n in sorted(changed[name] & set(d["lines"])):
            entries.append({"file": name, "line": n, "hits": d["lines"][n]})
            files.add(name)
    with open(args.out, "w") as f:
        json.dump({"base": args.base, "merge_base": mb,
                   "changed_files": sorted(changed), "lines": entries}, f, indent=1)
    covered = sum(1 for e in entries if e["hits"] > 0)
    print("%d changed files, %d of them measured; %d changed executable lines, %d reached"
          % (len(changed), len(files), len(entries), covered))
    return 0


# ---- per-unit reach -------------------------------------------------------

def executable(path):
    return os.path.isfile(path) and os.access(path, os.X_OK)


def units(cov):
    """(name, argv, expected exit statuses) of every separate run."""
    out = []
    for sub, suffix in (("tests", ""), ("tests-poll", " (poll)")):
        for p in sorted(glob.glob(os.path.join(cov, sub, "test_*"))):
            if "." not in os.path.basename(p) and executable(p):
                out.append((os.path.basename(p) + suffix, [p], None))
    mgsim = os.path.join(cov, "mgsim")
    scns = []
    for dirpath, dirnames, filenames in os.walk(os.path.join(ROOT, "scenarios")):
        dirnames.sort()
        scns += [os.path.join(dirpath, f) for f in filenames if f.endswith(".scn")]
    for p in sorted(scns):
        out.append((rel(p), [mgsim, "run", rel(p)], None))
    for p in sorted(glob.glob(os.path.join(ROOT, "tests", "bad_scenarios", "*.scn"))):
        out.append((rel(p), [mgsim, "run", rel(p)], (2,)))
    for corpus in sorted(glob.glob(os.path.join(ROOT, "fuzz", "corpus", "*"))):
        t = os.path.basename(corpus)
        binary = os.path.join(cov, "fuzz-replay", t)
        if os.path.isdir(corpus) and executable(binary) and os.listdir(corpus):
            out.append(("fuzz corpus " + t, [binary, rel(corpus)], None))
    return out


def gcov_json(paths, cwd):
    """The JSON documents gcov -j -t prints for these .gcda/.gcno files."""
    if not paths:
        return []
    proc = subprocess.run(["gcov", "-j", "-t"] + paths, cwd=cwd,
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                          text=True, errors="replace")
    docs, dec, s, i = [], json.JSONDecoder(), proc.stdout, 0
    while True:
        while i < len(s) and s[i].isspace():
            i += 1
        if i >= len(s):
            return docs
        doc, i = dec.raw_decode(s, i)
        docs.append(doc)


def doc_files(doc):
    cwd = doc.get("current_working_directory", ROOT)
    for f in doc.get("files", []):
        yield rel(os.path.normpath(os.path.join(cwd, f["file"]))), f


def objects_by_source(cov, wanted, scratch):
    """The .gcno files (without extension) whose code includes lines of the
    wanted source files."""
    gcnos = sorted(glob.glob(os.path.join(cov, "**", "*.gcno"), recursive=True))
    hits = set()
    batch = 64
    for i in range(0, len(gcnos), batch):
        for doc in gcov_json(gcnos[i:i + batch], scratch):
            for name, _ in doc_files(doc):
                if name in wanted:
                    hits.add(doc["data_file"][:-len(".gcno")])
    return sorted(hits)


def may_reach(binary, objs):
    """False when the program holds none of these objects: every
    instrumented object carries the path of its .gcda file."""
    try:
        with open(binary, "rb") as f:
            data = f.read()
    except OSError:
        return True
    if b".gcda" not in data:
        return True
    return any((o + ".gcda").encode() in data for o in objs)


def run_unit(unit, objs, wanted, scratch_root, timeout):
    name, argv, expect = unit
    if not may_reach(argv[0], objs):
        return name, "skipped", set(), 0.0
    prefix = tempfile.mkdtemp(dir=scratch_root)
    env = dict(os.environ, GCOV_PREFIX=prefix, GCOV_PREFIX_STRIP="0",
               MG_FUZZ_DIR=os.path.join(ROOT, "fuzz"))
    t0 = time.time()
    status = "ok"
    try:
        # 4 GiB of address space at most (the coverage build has no ASan).
        bounded = ["sh", "-c", 'ulimit -v 4194304 && exec "$@"', "sh"] + argv
        rc = subprocess.run(bounded, cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            timeout=timeout).returncode
        if (expect is None and rc != 0) or (expect is not None and rc not in expect):
            status = "exit %d" % rc
    except subprocess.TimeoutExpired:
        status = "timed out after %ds" % timeout
    gcdas = []
    for o in objs:
        gcda = prefix + o + ".gcda"
        if os.path.exists(gcda):
            link = prefix + o + ".gcno"
            if not os.path.exists(link):
                os.symlink(o + ".gcno", link)
            gcdas.append(gcda)
    reached = set()
    for doc in gcov_json(gcdas, prefix):
        for fname, f in doc_files(doc):
            lines = wanted.get(fname)
            if lines is None:
                continue
            for ln in f["lines"]:
                if ln["count"] > 0 and ln["line_number"] in lines:
                    reached.add((fname, ln["line_number"]))
    shutil.rmtree(prefix, ignore_errors=True)
    return name, status, reached, time.time() - t0


def md_code(text):
    text = text.strip().replace("|", "\\|")
    if len(text) > 70:
        text = text[:67] + "..."
    if not text:
        return ""
    return "`` %s ``" % text if "`" in text else "`%s`" % text


def source_line(cache, name, n):
    if name not in cache:
        try:
            with open(os.path.join(ROOT, name), encoding="utf-8", errors="replace") as f:
                cache[name] = f.read().splitlines()
        except OSError:
            cache[name] = []
    lines = cache[name]
    return lines[n - 1] if 0 < n <= len(lines) else ""


def cmd_reach(args):
    with open(args.changed) as f:
        changed = json.load(f)
    wanted = {}
    for e in changed["lines"]:
        wanted.setdefault(e["file"], set()).add(e["line"])
    if not wanted:
        with open(args.out, "w") as f:
            f.write("# Changed lines since %s and what reaches them\n\nNo changed "
                    "line that coverage measures (engine/, sockiface/, simiface/, tools/mgsim/ "
                    "code).\n" % changed["base"])
        print("No changed line that coverage measures; nothing to trace.")
        return 0
    cov = os.path.abspath(args.cov)
    scratch = tempfile.mkdtemp(prefix="mg-reach-")
    try:
        objs = objects_by_source(cov, set(wanted), scratch)
        todo = units(cov)
        who = {}
        problems = []
        t0 = time.time()
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as ex:
            futs = [ex.submit(run_unit, u, objs, wanted, scratch, args.timeout)
                    for u in todo]
            results = [f.result() for f in futs]
        skipped = sum(1 for r in results if r[1] == "skipped")
        for name, status, reached, _ in results:
            if status == "skipped":
                continue
            if status != "ok":
                problems.append("%s: %s" % (name, status))
            for key in reached:
                who.setdefault(key, []).append(name)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    elapsed = time.time() - t0

    cache = {}
    out = []
    n = len(changed["lines"])
    reached_n = sum(1 for e in changed["lines"] if e["hits"] > 0)
    out.append("# Changed lines since %s and what reaches them" % changed["base"])
    out.append("")
    out.append("Compared with the working tree: merge base `%s`. %d changed "
               "executable lines in %d files, %d reached (%s). Each cmocka test "
               "program, scenario file, malformed scenario and fuzz corpus ran on "
               "its own: %d runs, %d more skipped as their programs hold none of "
               "the changed code (%.0f s)."
               % (changed["merge_base"][:12], n, len(wanted), reached_n,
                  pct(reached_n, n), len(todo) - skipped, skipped, elapsed))
    out.append("")
    if problems:
        out.append("Runs that did not end as expected (what they reached still counts): "
                   + "; ".join(problems) + ".")
        out.append("")
    out.append("| line | hits | source | reached by |")
    out.append("|---|---:|---|---|")
    odd = 0
    for e in changed["lines"]:
        names = who.get((e["file"], e["line"]), [])
        if names:
            shown = ", ".join(names[:NAMES_SHOWN])
            if len(names) > NAMES_SHOWN:
                shown += " +%d more" % (len(names) - NAMES_SHOWN)
        elif e["hits"] > 0:
            shown = "(reached in the full run, by no single run)"
            odd += 1
        else:
            shown = "**not reached**"
        out.append("| %s:%d | %d | %s | %s |" % (
            e["file"], e["line"], e["hits"],
            md_code(source_line(cache, e["file"], e["line"])), shown))
    with open(args.out, "w") as f:
        f.write("\n".join(out) + "\n")

    uncovered = [e for e in changed["lines"] if e["hits"] == 0]
    if uncovered:
        print("Changed lines no test or scenario reaches (%d):" % len(uncovered))
        for e in uncovered[:args.show]:
            print("  %s:%d: %s" % (e["file"], e["line"],
                                  source_line(cache, e["file"], e["line"]).strip()))
        if len(uncovered) > args.show:
            print("  ... %d more in %s" % (len(uncovered) - args.show, rel(args.out)))
    else:
        print("Every changed executable line is reached.")
    for p in problems:
        print("warning: %s" % p)
    if odd:
        print("warning: %d lines reached in the full run but by no single run "
              "(a stale lcov.info?)" % odd)
    print("%d separate runs (%d skipped: none of the changed code in them), %.0f s; "
          "changed line -> runs: %s" % (len(todo) - skipped, skipped, elapsed, rel(args.out)))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("table")
    p.add_argument("lcov")
    p.set_defaults(func=cmd_table)
    p = sub.add_parser("changed")
    p.add_argument("base")
    p.add_argument("lcov")
    p.add_argument("out")
    p.set_defaults(func=cmd_changed)
    p = sub.add_parser("reach")
    p.add_argument("cov")
    p.add_argument("changed")
    p.add_argument("out")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    p.add_argument("--timeout", type=int, default=300)
    p.add_argument("--show", type=int, default=40)
    p.set_defaults(func=cmd_reach)
    args = ap.parse_args()
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
