#!/usr/bin/env python3
"""Writes the licences of every crate the binary is built from into one text file (for the
install bundle): each crate's name, version, licence expression and source, then the licence
files the crate ships (LICENSE*, COPYING*, NOTICE*, …), from `cargo metadata`'s resolved graph
of normal dependencies of the cnn-workbench package (build- and dev-only crates are not in it).

usage: scripts/licenses.py OUT.txt
"""
import json
import pathlib
import subprocess
import sys

LICENCE_FILE_PREFIXES = ("license", "licence", "copying", "notice", "copyright", "unlicense")


def shipped_packages(meta):
    """The packages reachable from the root over normal (not build, not dev) dependencies."""
    packages = {p["id"]: p for p in meta["packages"]}
    nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
    root = meta["resolve"]["root"]
    seen, todo = set(), [root]
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        for dep in nodes[pid]["deps"]:
            if any(k["kind"] is None for k in dep["dep_kinds"]):
                todo.append(dep["pkg"])
    workspace = set(meta["workspace_members"])
    return sorted(
        (packages[p] for p in seen if p not in workspace),
        key=lambda p: (p["name"], p["version"]),
    )


def licence_files(package):
    folder = pathlib.Path(package["manifest_path"]).parent
    named = package.get("license_file")
    files = [folder / named] if named else []
    files += sorted(
        f
        for f in folder.iterdir()
        if f.is_file() and f.name.lower().startswith(LICENCE_FILE_PREFIXES)
    )
    return list(dict.fromkeys(files))


def main():
    out = pathlib.Path(sys.argv[1])
    meta = json.loads(
        subprocess.check_output(
            [
                "cargo",
                "metadata",
                "--format-version",
                "1",
                "--locked",
                "--filter-platform",
                "x86_64-unknown-linux-gnu",
            ]
        )
    )
    packages = shipped_packages(meta)
    parts = [
        "Third-party Rust crates in cnn-workbench\n"
        f"{len(packages)} crates, each with its licence expression and the licence files it "
        "ships.\nThe standard texts of MIT and Apache-2.0 are in LICENSE-MIT and "
        "LICENSE-APACHE beside this file.\n"
    ]
    without = 0
    for p in packages:
        head = f"{p['name']} {p['version']} — {p.get('license') or 'see its licence file'}"
        source = p.get("repository") or p.get("homepage") or ""
        parts.append("=" * 78 + f"\n{head}\n{source}\n")
        files = licence_files(p)
        if not files:
            without += 1
            parts.append("(no licence file in the crate; its licence expression is above)\n")
        for f in files:
            text = f.read_text(encoding="utf-8", errors="replace")
            parts.append(f"--- {f.name} ---\n{text.rstrip()}\n")
    out.write_text("\n".join(parts), encoding="utf-8")
    print(f"licences: {len(packages)} crates ({without} without a licence file) -> {out}")


if __name__ == "__main__":
    main()
