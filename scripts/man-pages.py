#!/usr/bin/env python3
"""Man pages for every `strata` command, generated from the command tree itself.

Usage: man-pages.py STRATA GENERATE_MANUAL OUT_DIR DATE

STRATA is a built `strata` binary, GENERATE_MANUAL swift-argument-parser's own `generate-manual`
tool (the program behind its `generate-manual` plugin; scripts/package.sh builds it with
`swift build --product generate-manual`), DATE the pages' date (yyyy-mm-dd). Writes
OUT_DIR/strata.1.gz, OUT_DIR/strata-fit.1.gz, OUT_DIR/strata-fit-ols.1.gz, ... (gzip -9n, so the
same tree gives the same bytes).

Why not the plugin alone: the plugin builds every product again in its own configuration (a
second release build) and names pages `strata.fit.1`. Its tool is run here directly, on the
`--experimental-dump-help` JSON of the packaged binary, in two passes:
  1. `--multi-page`: one page per command, leaf commands with their options;
  2. every command that has subcommands (`strata fit`, `strata plot`, ...) gets, instead of a page
     that lists only `--help`, the single-page manual of its subtree, so `man strata-fit` shows the
     options of `strata fit ols|logit|...`.
Pages are then named as git and Debian name them (`strata-fit.1`, `.Xr strata-fit-ols 1`).
"""
import gzip
import json
import os
import re
import stat
import subprocess
import sys
import tempfile


def page_name(node):
    return "-".join((node.get("superCommands") or []) + [node["commandName"]])


def nodes_with_subcommands(node):
    if node.get("subcommands"):
        yield node
        for child in node["subcommands"]:
            yield from nodes_with_subcommands(child)


def run_generate_manual(tool, json_text, out_dir, date, multi_page, work):
    """Runs generate-manual on a stand-in executable that prints `json_text` for --experimental-dump-help."""
    dump = os.path.join(work, "help.json")
    with open(dump, "w", encoding="utf-8") as f:
        f.write(json_text)
    fake = os.path.join(work, "strata-help-dump")
    with open(fake, "w", encoding="utf-8") as f:
        f.write('#!/bin/sh\nexec cat "%s"\n' % dump)
    os.chmod(fake, stat.S_IRWXU)
    args = [tool, fake, "--date", date, "--output-directory", out_dir]
    if multi_page:
        args.append("--multi-page")
    subprocess.run(args, check=True)


def rename_references(text):
    # `.Dt STRATA.FIT 1` -> `.Dt STRATA-FIT 1`; `.Xr strata.fit.ols 1` -> `.Xr strata-fit-ols 1`.
    text = re.sub(r"^(\.Dt )(\S+)", lambda m: m.group(1) + m.group(2).replace(".", "-"), text, flags=re.M)
    text = re.sub(r"^(\.Xr )(strata\S*)", lambda m: m.group(1) + m.group(2).replace(".", "-"), text, flags=re.M)
    return text


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    strata, tool, out_dir, date = sys.argv[1:]
    dump = subprocess.run([strata, "--experimental-dump-help"], check=True, capture_output=True, text=True).stdout
    info = json.loads(dump)
    os.makedirs(out_dir, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="strata-man-") as work:
        raw = os.path.join(work, "pages")
        os.mkdir(raw)
        run_generate_manual(tool, dump, raw, date, True, work)
        for node in nodes_with_subcommands(info["command"]):
            if not node.get("superCommands"):
                continue  # strata.1 stays the overview with its SEE ALSO list
            subtree = dict(info, command=node)
            single = os.path.join(work, "single")
            os.makedirs(single, exist_ok=True)
            run_generate_manual(tool, json.dumps(subtree), single, date, False, work)
            generated = os.listdir(single)
            if len(generated) != 1:
                sys.exit("man-pages.py: expected one page for %s, got %s" % (page_name(node), generated))
            os.replace(os.path.join(single, generated[0]), os.path.join(raw, generated[0]))
        count = 0
        for name in sorted(os.listdir(raw)):
            if not name.endswith(".1"):
                continue
            with open(os.path.join(raw, name), encoding="utf-8") as f:
                text = rename_references(f.read())
            target = os.path.join(out_dir, name[: -len(".1")].replace(".", "-") + ".1.gz")
            with open(target, "wb") as f:
                with gzip.GzipFile(filename="", mode="wb", fileobj=f, compresslevel=9, mtime=0) as z:
                    z.write(text.encode("utf-8"))
            count += 1
    print("man-pages.py: %d pages in %s" % (count, out_dir), file=sys.stderr)


if __name__ == "__main__":
    main()
