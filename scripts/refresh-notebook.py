#!/usr/bin/env python3
"""Re-records the output of every ```console block of the given notebooks-cli/*.md files.

Usage: python3 scripts/refresh-notebook.py notebooks-cli/NAME.md [...]
Runs each `$ strata ...` line with the debug build (.build/debug/strata) from the package root and
writes the new output under it. Review the diff before committing: NotebookTests replays these.
"""
import os, shlex, subprocess, sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
binary = os.path.join(root, ".build", "debug", "strata")
for path in sys.argv[1:]:
    lines = open(path, encoding="utf-8").read().split("\n")
    out, i = [], 0
    while i < len(lines):
        line = lines[i]
        out.append(line)
        if line == "```console" and i + 1 < len(lines) and lines[i + 1].startswith("$ "):
            command = lines[i + 1]
            out.append(command)
            words = shlex.split(command[2:])
            result = subprocess.run([binary] + words[1:], cwd=root, capture_output=True, text=True)
            if result.returncode != 0:
                sys.exit(f"{path}: `{command}` failed: {result.stderr}")
            text = result.stdout
            out.extend(text[:-1].split("\n") if text.endswith("\n") else ([text] if text else []))
            i += 2
            while i < len(lines) and lines[i] != "```":
                i += 1
            continue
        i += 1
    open(path, "w", encoding="utf-8").write("\n".join(out))
