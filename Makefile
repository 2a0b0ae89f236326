# Tally. `make demo` and `make test` work on a fresh Debian/Ubuntu machine:
# they install what is missing (apt-get as root or with sudo), then run.

GO      ?= go
BIN     := bin
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/tallyhq/tally.Version=$(VERSION)

.PHONY: all build demo test vet deps generate check-generate fuzz clean bench-ingest

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

# Ingest throughput: tally ingest vs a plain psql \copy of the same rows, same run.
# BENCH_INGEST_FLAGS="-rows 2000000 -runs 3 -big-gb 5" for the 5 GB memory check.
BENCH_INGEST_FLAGS ?= -rows 2000000 -runs 3
bench-ingest: deps build
	$(GO) run ./ingest/internal/benchingest -tally $(BIN)/tally $(BENCH_INGEST_FLAGS)

# Every fuzz target, FUZZTIME each (go test runs one target at a time).
FUZZTIME ?= 60s
FUZZ_TARGETS := \
	./ingest/focus:FuzzParseCSV \
	./ingest/awscur:FuzzParseCSV \
	./ingest/awscur:FuzzParseParquet \
	./ingest/awscur:FuzzParseManifest \
	./ingest/gcpbilling:FuzzParseNDJSON \
	./ingest/gcpbilling:FuzzParseCSV \
	./ingest/pricing:FuzzParseSnapshot \
	./ingest/pricing:FuzzParsePriceListProduct \
	./postgres:FuzzNumeric
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "fuzz $$pkg $$name ($(FUZZTIME))"; \
		$(GO) test $$pkg -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME); \
	done

clean:
	rm -rf $(BIN)
