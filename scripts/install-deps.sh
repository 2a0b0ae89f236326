#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages Tally's build, tests and demo need, if
# missing. As root (or with sudo) it runs apt-get; otherwise it prints the
# exact command and fails.
#
# Usage: scripts/install-deps.sh [test|demo]
set -euo pipefail

purpose=${1:-test}
missing=()

have() { command -v "$1" >/dev/null 2>&1; }
need_pkg() { missing+=("$1"); }

# PostgreSQL server binaries (initdb, postgres), on PATH or in Debian's layout.
if ! have initdb && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  need_pkg postgresql
fi
have psql || need_pkg postgresql-client
# A real Prometheus scrapes /metrics in the tests; the dashboard's browser
# tests run playwright-core (npm, from web/ui's lockfile) on Debian's chromium,
# which also renders the weekly report email for its visual check.
if [ "$purpose" = test ]; then
  have prometheus || need_pkg prometheus
  [ -x /usr/bin/chromium ] || need_pkg chromium
  fc-list 2>/dev/null | grep -qi liberation || need_pkg fonts-liberation
fi
# Node.js and npm: the browser tests, and rebuilding the dashboard (Vite 7
# needs Node >= 20.19; with an older Node `make demo` uses the committed build).
have node || need_pkg nodejs
have npm || need_pkg npm

# eBPF: clang compiles bpf/ (make generate, check-generate), libbpf-dev has
# its headers, llvm-strip trims the objects, bpftool dumps vmlinux.h; gcc
# builds the C workload of the agent's integration tests.
have clang || need_pkg clang
have llvm-strip || need_pkg llvm
[ -e /usr/include/bpf/bpf_helpers.h ] || need_pkg libbpf-dev
have bpftool || need_pkg bpftool
have gcc || need_pkg gcc
have strip || need_pkg binutils

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  echo "install-deps ($purpose): installing ${missing[*]}" >&2
  sh -c "$cmd"
elif have sudo && sudo -n true 2>/dev/null; then
  echo "install-deps ($purpose): installing ${missing[*]} with sudo" >&2
  sudo sh -c "$cmd"
else
  echo "install-deps ($purpose): missing Debian packages: ${missing[*]}" >&2
  echo "run as root:  $cmd" >&2
  exit 1
fi
