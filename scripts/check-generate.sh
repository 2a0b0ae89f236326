#!/usr/bin/env bash
# Fails when the committed bpf2go output in bpf/ is stale: regenerates into a
# scratch copy of the package (same relative layout, so BTF paths match) and
# compares.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v clang >/dev/null; then
  if [ "${CI:-}" = true ]; then echo "check-generate: clang is missing (CI=true)" >&2; exit 1; fi
  echo "check-generate: skipped, clang is not installed (scripts/install-deps.sh installs it)" >&2
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bpf"
cp bpf/*.c bpf/*.h bpf/doc.go "$tmp/bpf/"
cp go.mod go.sum "$tmp/"
(cd "$tmp/bpf" && GOFLAGS=-mod=mod go generate . >/dev/null)
stale=0
for f in bpf/*_bpfel.go bpf/*_bpfel.o; do
  if ! cmp -s "$f" "$tmp/$f"; then echo "check-generate: $f is stale: run make generate" >&2; stale=1; fi
done
for f in "$tmp"/bpf/*_bpfel.*; do
  [ -e "bpf/$(basename "$f")" ] || { echo "check-generate: bpf/$(basename "$f") is missing: run make generate" >&2; stale=1; }
done
exit $stale
