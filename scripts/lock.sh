#!/bin/sh
# Regenerates the lock files from pyproject.toml, every package at its newest allowed version:  sh scripts/lock.sh
# (a new dependency in pyproject.toml needs this too; tests/test_lock.py fails until it is run).
set -eu
cd "$(dirname "$0")/.."
tools="$(mktemp -d)"
trap 'rm -rf "$tools"' EXIT
python3 -m venv "$tools" && "$tools/bin/pip" install -q uv
for extra in "" dev; do
    out="requirements${extra:+-$extra}.txt"
    "$tools/bin/uv" pip compile pyproject.toml --upgrade --universal --python-version 3.11 -q \
        ${extra:+--extra "$extra"} --custom-compile-command "sh scripts/lock.sh" -o "$out"
done
