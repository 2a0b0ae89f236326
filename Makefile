# Tally. `make demo` and `make test` work on a fresh Debian/Ubuntu machine:
# they install what is missing (apt-get as root or with sudo), then run.

GO      ?= go
BIN     := bin
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/tallyhq/tally.Version=$(VERSION)

.PHONY: all build demo test vet deps generate check-generate fuzz clean bench-forecast bench-forecast-daily bench-forecast-short bench-demo bench-ingest bench-agent bench-agent-ingest

all: build

deps:
	@scripts/install-deps.sh

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/tally ./cmd/tally
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/tally-agent ./node-agent

demo: deps ui-if-node build
	$(BIN)/tally demo

vet:
	$(GO) vet ./...

test: deps vet check-generate ui-deps
	cd $(UI) && npm test
	$(GO) test -timeout 30m ./...

# Demo generator: a 90-day organization, median of 3 runs, against a baseline
# (copying the generated tree) measured in the same run. DEMO_BENCH_DAYS=N
# for another window.
bench-demo:
	$(GO) test ./demo -run '^$$' -bench '^BenchmarkGenerate$$' -benchtime 3x -count 1 -timeout 30m
# Ingest throughput: tally ingest vs a plain psql \copy of the same rows, same run.
# BENCH_INGEST_FLAGS="-rows 2000000 -runs 3 -big-gb 5" for the 5 GB memory check.
BENCH_INGEST_FLAGS ?= -rows 2000000 -runs 3
bench-ingest: deps build
	$(GO) run ./ingest/internal/benchingest -tally $(BIN)/tally $(BENCH_INGEST_FLAGS)


clean:
	rm -rf $(BIN)

# Offline price catalog: pricing sync aws --offline's load of the shipped
# snapshot into a fresh catalog (decode, sync, sync again unchanged), median of
# BENCH_PRICING_RUNS runs, and its ratio to a plain COPY of the same rows
# measured in the same run.
BENCH_PRICING_RUNS ?= 3
.PHONY: bench-pricing
bench-pricing:
	@mkdir -p $(BIN)
	$(GO) test ./cmd/tally -run '^$$' -bench '^BenchmarkPricingSyncOffline$$' -benchtime 1x -count $(BENCH_PRICING_RUNS) -timeout 30m | tee $(BIN)/bench-pricing.txt | grep '^Benchmark'
	@for m in decode-s sync-s resync-s copy-s sync/copy; do \
	  grep '^BenchmarkPricingSyncOffline' $(BIN)/bench-pricing.txt | awk -v m=$$m '{for (i = 3; i < NF; i++) if ($$(i+1) == m) print $$i}' | sort -g | \
	  awk -v m=$$m '{x[NR]=$$1} END {printf "median %-9s %8.3f\n", m, (NR % 2) ? x[(NR+1)/2] : (x[NR/2] + x[NR/2+1]) / 2}'; \
	done

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

# Daily spend is what the dashboard and the weekly report forecast: the
# synthetic hourly series summed per day, 30 days ahead (or M4_DAILY_DIR=…).
bench-forecast-daily: build
	@set -e; dir=$${M4_DAILY_DIR:-}; tmp=; \
	if [ -z "$$dir" ]; then tmp=$$(mktemp -d); dir=$$tmp; \
		$(BIN)/tally forecast synth --frequency daily --out $$dir --series 414 --horizon 30 --seed 1; fi; \
	$(BIN)/tally --log-level warn forecast eval --train $$dir/Daily-train.csv --test $$dir/Daily-test.csv \
		--horizon 30 --season 7 --model all; rc=$$?; [ -z "$$tmp" ] || rm -rf $$tmp; exit $$rc

# A new organization's few months of bills (60–120 days of the daily suite),
# forecast 90 days ahead, as the dashboard does.
bench-forecast-short: build
	@set -e; dir=$$(mktemp -d); \
	$(BIN)/tally forecast synth --frequency daily --out $$dir --series 414 --horizon 90 --min-length 60 --max-length 120 --seed 1; \
	$(BIN)/tally --log-level warn forecast eval --train $$dir/Daily-train.csv --test $$dir/Daily-test.csv \
		--horizon 90 --season 7 --model all; rc=$$?; rm -rf $$dir; exit $$rc

# 1,000 nodes and 20,000 containers; prints figures and baselines.
bench-attribution:
	TALLY_BENCH=attribution $(GO) test -run TestBenchAttribution -v -count=1 -timeout 90m ./attribution/ | grep -v '^=== \|^--- \|fleet.go'
# Right-sizing: the backtest of Tally against the VPA and KRR baselines on the
# bundled traces (side by side, by pattern, with the target verdict), then the
# cost of one recommendation (median of 5 runs) and its ratio to VPA's.
.PHONY: bench-rightsizing rightsizing-testdata
bench-rightsizing:
	$(GO) run ./cmd/tally --log-level warn rightsize backtest --trace rightsizing/testdata/traces.csv.gz --patterns
	$(GO) test -run '^$$' -bench BenchmarkRecommend -count 5 ./rightsizing | tee /tmp/tally-bench-rightsizing.txt | grep '^Benchmark'
	@for s in tally-balanced vpa krr; do \
	  grep "^BenchmarkRecommend/$$s-" /tmp/tally-bench-rightsizing.txt | awk '{print $$3}' | sort -n | \
	  awk -v s=$$s '{x[NR]=$$1} END {m = (NR % 2) ? x[(NR+1)/2] : (x[NR/2] + x[NR/2+1]) / 2; printf "%s %.0f\n", s, m}'; \
	done | awk '{m[$$1]=$$2; printf "median %-16s %10.0f ns/op (14 days × 3 replicas)\n", $$1, $$2} \
	  END {printf "ratio tally-balanced/vpa %.2f, krr/vpa %.2f\n", m["tally-balanced"]/m["vpa"], m["krr"]/m["vpa"]}'

# Regenerate the bundled trace set with the committed generator (seed 1).
rightsizing-testdata:
	$(GO) run ./cmd/tally rightsize generate --seed 1 -o rightsizing/testdata/traces.csv.gz

# tally ci (cicheck): benchmark with a same-run baseline (parsing the profiles
# with pprof) and the ratio diff/parse; fuzz its parsers.
.PHONY: bench-cicheck
bench-cicheck:
	@mkdir -p $(BIN)
	$(GO) test -run '^$$' -bench DiffProfiles -benchtime 3x -count 6 ./cicheck | tee $(BIN)/bench-cicheck.txt
	$(GO) run golang.org/x/perf/cmd/benchstat $(BIN)/bench-cicheck.txt

# Weekly report: fuzz its parsers; refresh its golden files (after checking the diff).
.PHONY: report-golden bench-report
bench-report:
	TALLY_BENCH=report $(GO) test -run TestBenchReport -v -count=1 -timeout 30m ./report/ | grep -v '^=== \|^--- '

report-golden:
	$(GO) test ./report -run TestWeeklyReport -update

# Dashboard (web/ui). Its built assets (web/ui/dist) are committed and
# embedded, so `go build` alone gives the whole dashboard. `make ui` rebuilds
# them from the sources with the locked dependencies; `make check-ui` fails
# when the committed build is not what the sources produce.
.PHONY: ui ui-deps ui-if-node check-ui bench-dashboard
UI := web/ui
ui-deps: $(UI)/node_modules/.package-lock.json
$(UI)/node_modules/.package-lock.json: $(UI)/package-lock.json
	cd $(UI) && npm ci --no-audit --no-fund
	@touch $@
ui: ui-deps
	cd $(UI) && npm run build
# make demo rebuilds the dashboard when Node.js can run Vite 7 (>= 20.19);
# otherwise it uses the committed build.
ui-if-node:
	@if node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>22||a===22&&b>=12||a===20&&b>=19?0:1)' 2>/dev/null; then \
		$(MAKE) ui; else echo "make demo: Node.js >= 20.19 not found; using the committed dashboard build (web/ui/dist)"; fi
check-ui: ui
	git diff --exit-code --stat -- $(UI)/dist || (echo "web/ui/dist is stale: run make ui and commit it" >&2; exit 1)
	@test -z "$$(git status --porcelain -- $(UI)/dist)" || (git status --short -- $(UI)/dist; echo "web/ui/dist has untracked files: run make ui and commit it" >&2; exit 1)

# The dashboard's API latency (p50/p95 of every call behind a page, 60 runs
# each, ratio to an authenticated no-op) and first load in chromium, on a
# 90-day organization. Screenshots: make test (TestDashboardInBrowser) writes
# them to test-output/.
bench-dashboard: ui-deps
	TALLY_BENCH=dashboard $(GO) test -run 'TestBenchDashboard' -v -count=1 -timeout 60m ./web/ | grep -v '^=== \|^--- '

# Commitments: the walk-forward backtest of every strategy (none, lookback
# 7/30/60 days, static quantile, quarterly, Tally, hindsight) on the bundled
# scenarios, side by side, with the target verdict (regret is against the
# hindsight optimum computed in the same run).
.PHONY: bench-commitments commitments-testdata
bench-commitments: build
	$(BIN)/tally --log-level warn commitments backtest --usage commitments/testdata/scenarios.csv.gz --sweep 0.95,0.97,0.99
# Regenerate the bundled scenarios (a test checks they are the generator's output).
commitments-testdata: build
	$(BIN)/tally commitments generate --seed 1 --out commitments/testdata/scenarios.csv.gz

# Every parser's fuzz target, FUZZTIME each (go test fuzzes one target at a time).
# FUZZMINIMIZETIME caps the minimization of each new input (go test's default
# is 60s) in runs, not time. go test's minimizer tries about n²/2 cuts of an
# n-byte input (20 minutes for a 1.6 KB Parquet file at a millisecond a run),
# and a minimization that runs out of time has its worker stopped and
# restarted and its runs left uncounted. With 2s FuzzParquetFile ran 910
# inputs in 60 s (a new worker every 2 s), with 1000x 64,917; FuzzParseCSV
# (awscur) 14,853 against 75,026.
FUZZTIME ?= 60s
FUZZMINIMIZETIME ?= 1000x
FUZZ_TARGETS := \
	.:FuzzParseMoney .:FuzzParseWindow \
	./attribution:FuzzParseFilter ./attribution:FuzzParseStep \
	./cicheck:FuzzParseCalls ./cicheck:FuzzParseThreshold ./cicheck:FuzzReadBench ./cicheck:FuzzReadProfile \
	./cmd/tally:FuzzDecodeCostRate \
	./commitments:FuzzReadUsage ./commitments:FuzzReadPlan \
	./demo:FuzzBQTime ./demo:FuzzLoad \
	./forecast:FuzzReadWide \
	./ingest:FuzzParquetFile \
	./ingest/awscur:FuzzParseCSV ./ingest/awscur:FuzzParseManifest ./ingest/awscur:FuzzParseParquet \
	./ingest/focus:FuzzParseCSV \
	./node-agent/cgroups:FuzzParsePath ./node-agent/cgroups:FuzzParseMountinfo ./node-agent/podmeta:FuzzPodScheduling ./node-agent/profiler:FuzzParseCPUList \
	./node-agent/symbolize:FuzzParseMaps ./node-agent/symbolize:FuzzParseKallsyms ./node-agent/symbolize:FuzzParsePerfMap ./node-agent/symbolize:FuzzGoTable ./node-agent/symbolize:FuzzELFSymbols ./node-agent/symbolize:FuzzDebugLink \
	./ingest/gcpbilling:FuzzParseCSV ./ingest/gcpbilling:FuzzParseNDJSON ./ingest/gcpbilling:FuzzDecodeRow ./ingest/gcpbilling:FuzzPlain \
	./ingest/pricing:FuzzParsePriceListProduct ./ingest/pricing:FuzzParseSnapshot ./ingest/pricing:FuzzClassifyGCPSku \
	./postgres:FuzzNumeric \
	./report:FuzzParseConfig ./report:FuzzParseWeek \
	./rightsizing:FuzzReadTrace \
	./web:FuzzDecodeAgentBatch ./web:FuzzQueryWindow
.PHONY: fuzz
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "fuzz $$pkg $$name ($(FUZZTIME))"; \
		$(GO) test $$pkg -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME); \
	done
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

# bench-agent-ingest: p50/p95 of POST /api/v1/ingest/agent with 100 concurrent
# agents against the embedded PostgreSQL, and GET /healthz as the baseline.
# 100 agents at the agent's real rate (one batch per 10 s each), where the
# target (p95 ≤ 50 ms) is set; BENCH_AGENT_PERIOD=1s is a 10× stress. The
# appended function samples are compacted each minute meanwhile, as tally
# serve does, and the compaction's time is printed.
BENCH_AGENT_PERIOD ?= 10s
BENCH_AGENT_SECONDS ?= 60
bench-agent-ingest:
	TALLY_BENCH_INGEST=1 TALLY_BENCH_PERIOD=$(BENCH_AGENT_PERIOD) TALLY_BENCH_SECONDS=$(BENCH_AGENT_SECONDS) $(GO) test ./web/ -run TestBenchIngest -v -count=1 -timeout 15m
