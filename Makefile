# Tally. `make demo` and `make test` work on a fresh Debian/Ubuntu machine:
# they install what is missing (apt-get as root or with sudo), then run.

GO      ?= go
BIN     := bin
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/tallyhq/tally.Version=$(VERSION)

.PHONY: all build demo test vet deps generate check-generate fuzz clean bench-forecast

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

# Forecast accuracy and speed: every model side by side with seasonal naive
# and Naive2 (OWA is the ratio to Naive2 measured in the same run) on the
# synthetic hourly suite (414 series, H=48, M=24), or on the M4 hourly files
# when M4_HOURLY_DIR holds Hourly-train.csv and Hourly-test.csv.
bench-forecast: build
	@set -e; dir=$${M4_HOURLY_DIR:-}; tmp=; \
	if [ -z "$$dir" ]; then tmp=$$(mktemp -d); dir=$$tmp; \
		$(BIN)/tally forecast synth --out $$dir --series 414 --horizon 48 --seed 1; fi; \
	$(BIN)/tally --log-level warn forecast eval --train $$dir/Hourly-train.csv --test $$dir/Hourly-test.csv \
		--horizon 48 --season 24 --model all; rc=$$?; [ -z "$$tmp" ] || rm -rf $$tmp; exit $$rc
