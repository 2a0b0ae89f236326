// Command tally-agent is Tally's node agent. On every node (a DaemonSet) it
// samples every CPU with eBPF, symbolizes the stacks, attributes them to
// pods and containers, reads each container's exact CPU and memory from
// cgroup counters and ships one pprof profile plus a usage record per
// container per interval to the backend (POST /api/v1/ingest/agent).
//
// This file is the only one of the agent that reads flags and environment.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/alecthomas/kong"
	"k8s.io/client-go/kubernetes"
)

type cli struct {
	Server       string        `env:"TALLY_SERVER" placeholder:"URL" help:"Backend base URL, e.g. https://tally.example.com (required unless --once)."`
	TokenFile    string        `name:"token-file" env:"TALLY_TOKEN_FILE" placeholder:"FILE" help:"File holding the agent's bearer token (re-read at every upload)."`
	Cluster      string        `env:"TALLY_CLUSTER" placeholder:"NAME" help:"Cluster id put in batches (the backend takes it from the token)."`
	NodeName     string        `name:"node-name" env:"NODE_NAME" placeholder:"NAME" help:"This node's Kubernetes name (default: the host name)."`
	Frequency    int           `default:"19" env:"TALLY_FREQUENCY" help:"Samples per second per CPU, 1–999."`
	Interval     time.Duration `default:"10s" env:"TALLY_INTERVAL" help:"Drain and ship interval."`
	BufferBytes  int64         `name:"buffer-bytes" default:"67108864" env:"TALLY_BUFFER_BYTES" help:"Bound of the upload buffer while the backend is away (memory and disk)."`
	BufferMemory int64         `name:"buffer-memory" default:"8388608" env:"TALLY_BUFFER_MEMORY" help:"Part of the buffer kept in memory; the rest spills to --buffer-dir."`
	BufferDir    string        `name:"buffer-dir" default:"/var/lib/tally-agent/buffer" env:"TALLY_BUFFER_DIR" help:"Directory for spilled batches (empty: memory only)."`
	MetricsAddr  string        `name:"metrics-addr" default:":9464" env:"TALLY_METRICS_ADDR" help:"Address of the Prometheus /metrics endpoint (empty: off)."`
	Pprof        bool          `env:"TALLY_PPROF" help:"Also serve Go's /debug/pprof/ on --metrics-addr (to profile the agent itself)."`
	Proc         string        `default:"/proc" env:"TALLY_PROC" help:"The host's procfs (hostPID)."`
	Kubeconfig   string        `env:"KUBECONFIG" placeholder:"FILE" help:"Kubeconfig outside a cluster (default: in-cluster config, else no pod names)."`
	MemoryLimit  int64         `name:"memory-limit" default:"50331648" env:"TALLY_MEMORY_LIMIT" help:"Go runtime soft memory limit in bytes (0: none)."`
	GCPercent    int           `name:"gc-percent" default:"50" env:"TALLY_GC_PERCENT" help:"Go GC target: heap growth over the live heap, in percent (Go's default is 100)."`
	Once         bool          `help:"Profile for --duration, write pprof files to --out and exit."`
	Duration     time.Duration `default:"10s" help:"How long --once profiles."`
	Out          string        `placeholder:"DIR" help:"Directory --once writes to."`
	LogLevel     string        `name:"log-level" env:"TALLY_LOG_LEVEL" enum:"debug,info,warn,error" default:"info" help:"Log level: ${enum}."`
}

func main() {
	c, code, done := parse(os.Args[1:], os.Stdout, os.Stderr)
	if done {
		os.Exit(code)
	}
	var lv slog.Level
	_ = lv.UnmarshalText([]byte(c.LogLevel))
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: lv}))
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, c.config(), log, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "tally-agent: %v\n", err)
		os.Exit(1)
	}
}

// exitUsage is the exit code of a bad command line, as tally's.
const exitUsage = 2

// exitCode is what kong's Exit hook panics with, so that --help returns
// from parse.
type exitCode int

// parse reads the command line. done is set when there is nothing to run:
// after --help (code 0), or a bad flag, said on stderr (code exitUsage;
// kong's own exit code for it is 80).
func parse(args []string, stdout, stderr io.Writer) (c cli, code int, done bool) {
	defer func() {
		if r := recover(); r != nil {
			ec, ok := r.(exitCode)
			if !ok {
				panic(r)
			}
			code, done = int(ec), true
		}
	}()
	parser, err := kong.New(&c, kong.Name("tally-agent"),
		kong.Description("Tally's node agent: eBPF CPU profiles and exact cgroup usage per container, shipped to the Tally backend."),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true}),
		kong.Writers(stdout, stderr),
		kong.Exit(func(code int) { panic(exitCode(code)) }))
	if err == nil {
		_, err = parser.Parse(args)
	}
	if err == nil {
		// Values kong cannot check: refused here, exit 2, before anything
		// is loaded (run checks them again for its other callers).
		err = c.config().check()
	}
	if err != nil {
		fmt.Fprintf(stderr, "tally-agent: %v\nRun 'tally-agent --help' for usage.\n", err)
		return c, exitUsage, true
	}
	return c, 0, false
}

// config is the command line as run takes it.
func (c cli) config() config {
	node := c.NodeName
	if node == "" {
		node, _ = os.Hostname()
	}
	return config{
		server: c.Server, tokenFile: c.TokenFile, cluster: c.Cluster, node: node, frequency: c.Frequency,
		interval: c.Interval, bufferBytes: c.BufferBytes, bufferMemory: c.BufferMemory, bufferDir: c.BufferDir,
		metricsAddr: c.MetricsAddr, pprof: c.Pprof, proc: c.Proc, kubeconfig: c.Kubeconfig, memoryLimit: c.MemoryLimit, gcPercent: c.GCPercent,
		once: c.Once, duration: c.Duration, out: c.Out, inCluster: os.Getenv("KUBERNETES_SERVICE_HOST") != "",
	}
}

// config is the parsed command line, handed to run.
type config struct {
	server, tokenFile, cluster, node string
	frequency                        int
	interval                         time.Duration
	bufferBytes, bufferMemory        int64
	bufferDir, metricsAddr, proc     string
	pprof                            bool
	kubeconfig                       string
	inCluster                        bool
	memoryLimit                      int64
	gcPercent                        int
	once                             bool
	duration                         time.Duration
	out                              string
	// client, when set, is the Kubernetes API run uses instead of the one
	// kubeconfig or inCluster configure (tests: a fake clientset).
	client kubernetes.Interface
}
