// Command gensnapshot derives Tally's offline AWS price snapshot
// (ingest/pricing/snapshot/aws.csv.gz) from data that Go modules ship, read
// from the module cache (`go mod download`), so air-gapped builds and the
// demo have prices without calling AWS:
//
//   - on-demand Linux rates: github.com/aws/karpenter-provider-aws,
//     pkg/providers/pricing/zz_generated.pricing_aws.go (Karpenter's
//     generated fallback price table, with its generation date);
//   - instance shapes (vCPU, memory, GPUs), rates for regions Karpenter's
//     table lacks, average spot prices, standard Reserved Instance rates
//     (no, partial and all upfront; 1 and 3 years), and all of Windows', Red Hat Enterprise Linux's,
//     SUSE Linux's and SQL Server's on Windows, Linux and Red Hat (licences
//     included), and Ubuntu Pro's on-demand rates:
//     github.com/cristim/ec2-instances-info, data/instances.json.
//
// Run it with `go generate ./ingest/pricing` (see snapshot.go). The module
// versions are the source recorded in every row.
package main

import (
	"archive/zip"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"log"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

func main() {
	karpenter := flag.String("karpenter", "github.com/aws/karpenter-provider-aws@v1.15.1", "module@version of the Karpenter AWS provider")
	instances := flag.String("instances", "github.com/cristim/ec2-instances-info@v0.0.0-20250528091325-32acf84f42eb", "module@version of ec2-instances-info")
	regions := flag.String("regions", "us-east-1,us-east-2,us-west-2,eu-west-1,eu-central-1", "regions to include")
	out := flag.String("out", "snapshot/aws.csv.gz", "output file (gzipped CSV)")
	flag.Parse()
	log.SetFlags(0)
	if err := run(*karpenter, *instances, strings.Split(*regions, ","), *out); err != nil {
		log.Fatalf("gensnapshot: %v", err)
	}
}

// moduleZip downloads mod@version into the module cache and returns its zip.
func moduleZip(mod string) (string, error) {
	out, err := exec.Command("go", "mod", "download", "-json", mod).Output()
	var info struct{ Zip, Error string }
	if jerr := json.Unmarshal(out, &info); jerr != nil {
		return "", fmt.Errorf("go mod download %s: %v %v", mod, err, jerr)
	}
	// A module may ask for a newer toolchain than this one; its zip is still there.
	if info.Zip == "" {
		return "", fmt.Errorf("go mod download %s: %s", mod, info.Error)
	}
	if _, err := os.Stat(info.Zip); err != nil {
		return "", fmt.Errorf("go mod download %s: %s", mod, info.Error)
	}
	return info.Zip, nil
}

func readZipFile(zipPath, suffix string) ([]byte, error) {
	z, err := zip.OpenReader(zipPath)
	if err != nil {
		return nil, err
	}
	defer z.Close()
	for _, f := range z.File {
		if strings.HasSuffix(f.Name, suffix) {
			r, err := f.Open()
			if err != nil {
				return nil, err
			}
			defer r.Close()
			return io.ReadAll(r)
		}
	}
	return nil, fmt.Errorf("%s: no file %s", zipPath, suffix)
}

var generatedAt = regexp.MustCompile(`generated at (\d{4}-\d{2}-\d{2})T`)

// karpenterPrices parses the generated Go map literal region → type → $/h.
func karpenterPrices(src []byte) (map[string]map[string]string, time.Time, error) {
	var date time.Time
	if m := generatedAt.FindSubmatch(src); m != nil {
		date, _ = time.Parse(time.DateOnly, string(m[1]))
	}
	f, err := parser.ParseFile(token.NewFileSet(), "pricing.go", src, 0)
	if err != nil {
		return nil, date, err
	}
	prices := map[string]map[string]string{}
	ast.Inspect(f, func(n ast.Node) bool {
		vs, ok := n.(*ast.ValueSpec)
		if !ok || len(vs.Names) != 1 || vs.Names[0].Name != "InitialOnDemandPricesAWS" || len(vs.Values) != 1 {
			return true
		}
		outer, _ := vs.Values[0].(*ast.CompositeLit)
		for _, e := range outer.Elts {
			kv := e.(*ast.KeyValueExpr)
			region, _ := strconv.Unquote(kv.Key.(*ast.BasicLit).Value)
			inner, _ := kv.Value.(*ast.CompositeLit)
			prices[region] = map[string]string{}
			for _, e2 := range inner.Elts {
				kv2 := e2.(*ast.KeyValueExpr)
				it, _ := strconv.Unquote(kv2.Key.(*ast.BasicLit).Value)
				prices[region][it] = kv2.Value.(*ast.BasicLit).Value
			}
		}
		return false
	})
	if len(prices) == 0 {
		return nil, date, fmt.Errorf("no InitialOnDemandPricesAWS map found")
	}
	return prices, date, nil
}

type instance struct {
	Type    string                                `json:"instance_type"`
	VCPU    float64                               `json:"vCPU"`
	Memory  float64                               `json:"memory"` // GiB
	GPU     float64                               `json:"GPU"`
	Pricing map[string]map[string]json.RawMessage `json:"pricing"` // region → operating system key (or other) → rates
}

// rates are one operating system's rates in a region.
type rates struct {
	OnDemand string            `json:"ondemand"`
	SpotAvg  string            `json:"spot_avg"`
	Reserved map[string]string `json:"reserved"`
}

// operatingSystems are the snapshot's operating systems: instances.json's
// key for each, and the name the prices table gives it (as `tally pricing
// sync aws --os` does). Windows, Red Hat, SUSE, Ubuntu Pro and SQL Server
// are licence included; instances.json's "ubuntu" is Ubuntu Pro, the one
// Ubuntu EC2 charges for, on demand only; its SQL keys are SQL Server
// Standard (mswinSQL, linuxSQL, rhelSQL), Web and Enterprise.
var operatingSystems = []struct{ key, name string }{{"linux", "linux"}, {"mswin", "windows"}, {"rhel", "rhel"}, {"sles", "suse"}, {"ubuntu", "ubuntu-pro"},
	{"mswinSQL", "windows-sql-std"}, {"mswinSQLWeb", "windows-sql-web"}, {"mswinSQLEnterprise", "windows-sql-ent"},
	{"linuxSQL", "linux-sql-std"}, {"linuxSQLWeb", "linux-sql-web"}, {"linuxSQLEnterprise", "linux-sql-ent"},
	{"rhelSQL", "rhel-sql-std"}, {"rhelSQLWeb", "rhel-sql-web"}, {"rhelSQLEnterprise", "rhel-sql-ent"}}

// reservedOptions are the standard Reserved Instance terms the snapshot
// holds: instances.json's key for each and the purchase option `tally
// pricing sync aws` stores it under. The data's partial and all upfront
// rates are effective hourly prices, the upfront fee over the term's hours
// plus the hourly rate, as the sync's are.
var reservedOptions = []struct{ key, option string }{
	{"yrTerm1Standard.noUpfront", "reserved-1y-no-upfront"},
	{"yrTerm1Standard.partialUpfront", "reserved-1y-partial-upfront"},
	{"yrTerm1Standard.allUpfront", "reserved-1y-all-upfront"},
	{"yrTerm3Standard.noUpfront", "reserved-3y-no-upfront"},
	{"yrTerm3Standard.partialUpfront", "reserved-3y-partial-upfront"},
	{"yrTerm3Standard.allUpfront", "reserved-3y-all-upfront"},
}

func versionDate(mod string) time.Time {
	// A pseudo-version v0.0.0-20250528091325-32acf84f42eb carries its date.
	if m := regexp.MustCompile(`-(\d{8})\d{6}-`).FindStringSubmatch(mod); m != nil {
		t, _ := time.Parse("20060102", m[1])
		return t
	}
	return time.Time{}
}

func run(karpMod, instMod string, regions []string, out string) error {
	kz, err := moduleZip(karpMod)
	if err != nil {
		return err
	}
	src, err := readZipFile(kz, "pkg/providers/pricing/zz_generated.pricing_aws.go")
	if err != nil {
		return err
	}
	od, kDate, err := karpenterPrices(src)
	if err != nil {
		return err
	}
	iz, err := moduleZip(instMod)
	if err != nil {
		return err
	}
	raw, err := readZipFile(iz, "data/instances.json")
	if err != nil {
		return err
	}
	var insts []instance
	if err := json.Unmarshal(raw, &insts); err != nil {
		return fmt.Errorf("instances.json: %w", err)
	}
	sort.Slice(insts, func(i, j int) bool { return insts[i].Type < insts[j].Type })
	iDate := versionDate(instMod)
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	z, _ := gzip.NewWriterLevel(f, gzip.BestCompression)
	w := csv.NewWriter(z)
	w.Write([]string{"provider", "region", "instance_type", "purchase_option", "operating_system", "currency", "hourly_price",
		"vcpus", "memory_bytes", "gpus", "effective_from", "source"})
	n := 0
	for _, region := range regions {
		for _, sys := range operatingSystems {
			for _, in := range insts {
				raw, ok := in.Pricing[region][sys.key]
				if !ok || in.VCPU == 0 {
					continue
				}
				var p rates
				if err := json.Unmarshal(raw, &p); err != nil {
					return fmt.Errorf("instances.json: %s in %s, %s: %w", in.Type, region, sys.key, err)
				}
				mem := strconv.FormatInt(int64(in.Memory*(1<<30)), 10)
				row := func(option, price string, date time.Time, source string) {
					if price == "" || price == "0" {
						return
					}
					if _, err := strconv.ParseFloat(price, 64); err != nil {
						return
					}
					w.Write([]string{"aws", region, in.Type, option, sys.name, "USD", price, strconv.FormatFloat(in.VCPU, 'f', -1, 64), mem,
						strconv.Itoa(int(in.GPU)), date.Format(time.DateOnly), "snapshot:" + source})
					n++
				}
				if k, ok := od[region][in.Type]; ok && sys.key == "linux" { // Karpenter's table is Linux's
					row("on-demand", k, kDate, karpMod)
				} else {
					row("on-demand", p.OnDemand, iDate, instMod)
				}
				row("spot", p.SpotAvg, iDate, instMod)
				for _, r := range reservedOptions {
					row(r.option, p.Reserved[r.key], iDate, instMod)
				}
			}
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	if err := z.Close(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	log.Printf("wrote %d prices for %d regions to %s (on-demand from %s of %s, the rest from %s of %s)",
		n, len(regions), out, karpMod, kDate.Format(time.DateOnly), instMod, iDate.Format(time.DateOnly))
	return nil
}
