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

test: deps vet
	$(GO) test ./...

clean:
	rm -rf $(BIN)

# 1,000 nodes and 20,000 containers; prints figures and baselines.
bench-attribution:
	TALLY_BENCH=attribution $(GO) test -run TestBenchAttribution -v -count=1 -timeout 90m ./attribution/ | grep -v '^=== \|^--- \|fleet.go'
