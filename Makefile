# Tally. `make demo` and `make test` work on a fresh Debian/Ubuntu machine:
# they install what is missing (apt-get as root or with sudo), then run.

GO      ?= go
BIN     := bin
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/tallyhq/tally.Version=$(VERSION)

.PHONY: all build demo test vet deps generate check-generate fuzz clean bench-demo

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

# Demo generator: a 90-day organization, median of 3 runs, against a baseline
# (copying the generated tree) measured in the same run. DEMO_BENCH_DAYS=N
# for another window.
bench-demo:
	$(GO) test ./demo -run '^$$' -bench '^BenchmarkGenerate$$' -benchtime 3x -count 1 -timeout 30m

clean:
	rm -rf $(BIN)
