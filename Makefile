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

# tally ci (cicheck): benchmark with a same-run baseline (parsing the profiles
# with pprof) and the ratio diff/parse; fuzz its parsers.
.PHONY: bench-cicheck fuzz-cicheck
bench-cicheck:
	@mkdir -p $(BIN)
	$(GO) test -run '^$$' -bench DiffProfiles -benchtime 3x -count 6 ./cicheck | tee $(BIN)/bench-cicheck.txt
	$(GO) run golang.org/x/perf/cmd/benchstat $(BIN)/bench-cicheck.txt

FUZZTIME ?= 30s
fuzz: fuzz-cicheck
fuzz-cicheck:
	for f in FuzzReadProfile FuzzReadBench FuzzParseThreshold FuzzParseCalls; do \
		$(GO) test ./cicheck -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) || exit 1; done
	$(GO) test ./cmd/tally -run '^$$' -fuzz '^FuzzDecodeCostRate$$' -fuzztime $(FUZZTIME)
