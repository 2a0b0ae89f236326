# Tally. `make demo` and `make test` work on a fresh Debian/Ubuntu machine:
# they install what is missing (apt-get as root or with sudo), then run.

GO      ?= go
BIN     := bin
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/tallyhq/tally.Version=$(VERSION)

.PHONY: all build demo test vet deps generate check-generate fuzz clean

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
