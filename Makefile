# Tally. `make demo` and `make test` work on a fresh Debian/Ubuntu machine:
# they install what is missing (apt-get as root or with sudo), then run.

GO      ?= go
BIN     := bin
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/tallyhq/tally.Version=$(VERSION)

.PHONY: all build demo test vet deps generate check-generate fuzz clean bench-agent bench-ingest

all: build

deps:
	@scripts/install-deps.sh

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/tally ./cmd/tally

demo: deps build
	$(BIN)/tally demo

vet:
	$(GO) vet ./...

test: deps vet check-generate
	$(GO) test ./...

clean:
	rm -rf $(BIN)

# eBPF: bpf2go (a go.mod tool) compiles bpf/*.bpf.c with clang for amd64 and
# arm64; the generated Go and .o files are committed.
generate:
	$(GO) generate ./bpf/

# check-generate regenerates into a scratch copy of bpf/ and fails when the
# committed files differ (run by `make test`).
check-generate:
	@scripts/check-generate.sh

# bench-agent: the agent's CPU (% of machine), peak RSS, BPF run time and
# dropped samples at 19 and 99 Hz on a fully busy machine (root; ~3.5 min).
bench-agent:
	TALLY_BENCH_AGENT=1 $(GO) test ./node-agent/ -run TestBenchAgent -v -count=1 -timeout 15m

# bench-ingest: p50/p95 of POST /api/v1/ingest/agent with 100 concurrent
# agents against the embedded PostgreSQL, and GET /healthz as the baseline.
bench-ingest:
	TALLY_BENCH_INGEST=1 $(GO) test ./web/ -run TestBenchIngest -v -count=1 -timeout 15m
