package awscur

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/ingest"
)

// S3Options configure access to S3. Credentials come from the default
// chain (environment, shared config, IAM role).
type S3Options struct {
	Region   string // default: from the environment/config, else us-east-1
	Endpoint string // an S3-compatible endpoint (path-style addressing), e.g. http://127.0.0.1:9000
	TempDir  string // where S3 objects are downloaded; default os.TempDir()
}

// NewS3Client returns an S3 client for opt.
func NewS3Client(ctx context.Context, opt S3Options) (*s3.Client, error) {
	var loads []func(*config.LoadOptions) error
	if opt.Region != "" {
		loads = append(loads, config.WithRegion(opt.Region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, loads...)
	if err != nil {
		return nil, fmt.Errorf("load AWS config: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		if opt.Endpoint != "" {
			o.BaseEndpoint = aws.String(opt.Endpoint)
			o.UsePathStyle = true
		}
	}), nil
}

// Selector picks the data files to ingest from a listing of object keys
// (or relative file names); read loads one of them. Select is CUR's.
type Selector func(names []string, read func(name string) ([]byte, error)) ([]string, error)

// Locate turns PATH or s3://bucket/prefix arguments into the CUR data files
// to ingest (see Select). S3 objects are downloaded to a temporary
// directory, which cleanup removes. Files are local paths named as given.
//
// Each file's Report is the report folder it is part of (see ReportOf), so
// that ingest.Run finds two reports holding the same charges. A file in
// no layout ReportOf knows (a copy, a renamed folder) is of the report of
// its folder: the parts of one report are delivered side by side, so they
// are never compared with each other, while a copy of another report in
// another folder is.
func Locate(ctx context.Context, args []string, opt S3Options) (files []ingest.File, cleanup func(), err error) {
	files, cleanup, err = LocateWith(ctx, args, opt, Finder{Select: Select, Local: LocalFiles, What: "CUR data files (.parquet, .csv, .csv.gz)"})
	nameReports(files, folderOf)
	return files, cleanup, err
}

// NameExports sets each file's Report to the export it is part of, for a
// source delivered as exports side by side (FOCUS), so that ingest.Run
// finds two exports holding the same charges: the export folder of an AWS
// Data Export (<prefix>/<export> of <prefix>/<export>/data/BILLING_PERIOD=…/)
// or of a layout with period folders (see ReportOf: Azure's FOCUS exports
// keep <export>/<YYYYMMDD-YYYYMMDD>/<run>/), else the file's folder without
// its trailing date folders (2025/03/01, 2025-03-01, 20250301,
// year=2025/month=3/day=1), since exporters such as OCI's FOCUS reports
// (…/FOCUS Reports/2025/03/01/) deliver one export's days in folders of
// their own, which add up.
func NameExports(files []ingest.File) {
	nameReports(files, func(name string) string {
		dir := folderOf(name)
		for {
			base := dir[strings.LastIndex(dir, "/")+1:]
			if base == "" || base == dir || !isDateFolder(base) {
				return dir
			}
			dir = folderOf(dir)
		}
	})
}

// nameReports sets each file's Report to ReportOf its name (made absolute
// and "/"-separated, for a local file), else to what other gives.
func nameReports(files []ingest.File, other func(name string) string) {
	for i, f := range files {
		name := f.Name
		if !strings.HasPrefix(name, "s3://") {
			if abs, err := filepath.Abs(name); err == nil {
				name = filepath.ToSlash(abs)
			}
		}
		if files[i].Report = ReportOf(name); files[i].Report == "" {
			files[i].Report = other(name)
		}
	}
}

// dateFolder matches a folder named by a date or a part of one: 2025, 03,
// 2025-03, 2025-03-01, 20250301, or a Hive partition of one (year=2025,
// month=3, day=1, dt=2025-03-01, date=…, hour=…).
var dateFolder = regexp.MustCompile(`^(?i:(year|month|day|date|dt|hour|billing_date|invoice_month)=)?\d{1,4}(-?\d{2}){0,2}$`)

// isDateFolder reports whether a folder's name is a date's (dateFolder).
func isDateFolder(name string) bool { return dateFolder.MatchString(name) }

// folderOf is the folder of a "/"-separated name: s3://bills of
// s3://bills/cur.csv, "/" of /cur.csv, "" of cur.csv.
func folderOf(name string) string {
	i := strings.LastIndex(name, "/")
	if i <= 0 {
		return name[:i+1]
	}
	return name[:i]
}

// Finder is how a bill source picks its data files: Select among S3 keys,
// Local under a local path; What names them in the error for none.
type Finder struct {
	Select Selector
	Local  func(path string) ([]ingest.File, error)
	What   string
}

// LocateWith turns PATH or s3://bucket/prefix arguments into the data files
// f picks: S3 objects are downloaded to temporary directories, which
// cleanup removes. None at all is an EInvalid error.
func LocateWith(ctx context.Context, args []string, opt S3Options, f Finder) (files []ingest.File, cleanup func(), err error) {
	var urls, local []string
	for _, arg := range args {
		if strings.HasPrefix(arg, "s3://") {
			urls = append(urls, arg)
		} else {
			local = append(local, arg)
		}
	}
	files, cleanup, err = LocateS3(ctx, urls, opt, f.Select)
	if err != nil {
		return nil, cleanup, err
	}
	for _, arg := range local {
		fs, err := f.Local(arg)
		if err != nil {
			cleanup()
			return nil, cleanup, err
		}
		files = append(files, fs...)
	}
	if len(files) == 0 {
		cleanup()
		return nil, cleanup, tally.Errorf(tally.EInvalid, "no %s in %s", f.What, strings.Join(args, " "))
	}
	return files, cleanup, nil
}

// LocateS3 downloads the objects sel picks under each s3://bucket/prefix
// URL (see FetchS3) into temporary directories, which cleanup removes.
func LocateS3(ctx context.Context, urls []string, opt S3Options, sel Selector) (files []ingest.File, cleanup func(), err error) {
	var dirs []string
	cleanup = func() {
		for _, d := range dirs {
			os.RemoveAll(d)
		}
	}
	if len(urls) == 0 {
		return nil, cleanup, nil
	}
	defer func() {
		if err != nil {
			cleanup()
		}
	}()
	client, err := NewS3Client(ctx, opt)
	if err != nil {
		return nil, cleanup, err
	}
	for _, u := range urls {
		dir, err := os.MkdirTemp(opt.TempDir, "tally-s3-")
		if err != nil {
			return nil, cleanup, err
		}
		dirs = append(dirs, dir)
		fs, err := FetchS3(ctx, client, u, dir, sel)
		if err != nil {
			return nil, cleanup, err
		}
		files = append(files, fs...)
	}
	return files, cleanup, nil
}

// LocalFiles lists the data files of a local file or directory tree, as
// Select picks them.
func LocalFiles(root string) ([]ingest.File, error) { return LocalFilesWith(root, Select) }

// LocalFilesWith lists the files of a local file or directory tree that sel
// picks, given their names relative to root ("/"-separated, as S3 keys are
// to a prefix).
func LocalFilesWith(root string, sel Selector) ([]ingest.File, error) {
	st, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("list input files: %w", err)
	}
	if !st.IsDir() {
		return []ingest.File{{Name: root, Path: root}}, nil
	}
	// Names are relative to root, as S3 keys are to a prefix; when root is
	// itself a billing period's folder, they start with its name, so that
	// Select sees the period manifest in its period folder.
	prefix := ""
	if abs, err := filepath.Abs(root); err == nil && IsPeriodDir(filepath.Base(abs)) {
		prefix = filepath.Base(abs) + "/"
	}
	var names []string
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(root, p)
			names = append(names, prefix+filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	local := func(n string) string { return filepath.Join(root, filepath.FromSlash(strings.TrimPrefix(n, prefix))) }
	picked, err := sel(names, func(n string) ([]byte, error) { return os.ReadFile(local(n)) })
	if err != nil {
		return nil, fmt.Errorf("%s: %w", root, err)
	}
	files := make([]ingest.File, len(picked))
	for i, n := range picked {
		p := local(n)
		files[i] = ingest.File{Name: p, Path: p}
	}
	return files, nil
}

// FetchS3 lists s3://bucket/prefix, picks the data files with sel (Select
// when nil) and downloads them into dir, streaming each to disk.
//
// The prefix is a directory, as a local path is: s3://bills/focus lists
// the keys under focus/, not focusbackup/…, unless it names an object
// exactly, which is then the one file (whatever sel would say of it).
func FetchS3(ctx context.Context, client *s3.Client, url, dir string, sel Selector) ([]ingest.File, error) {
	if sel == nil {
		sel = Select
	}
	bucket, prefix, _ := strings.Cut(strings.TrimPrefix(url, "s3://"), "/")
	if bucket == "" {
		return nil, tally.Errorf(tally.EInvalid, "%s: want s3://bucket/prefix", url)
	}
	exact := false
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		// Keys are listed in byte order, so an object named exactly prefix
		// comes first among those starting with it.
		out, err := client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix), MaxKeys: aws.Int32(1)})
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", url, err)
		}
		exact = len(out.Contents) > 0 && aws.ToString(out.Contents[0].Key) == prefix
		if !exact {
			prefix += "/"
		}
	}
	var keys []string
	if exact {
		keys = []string{prefix}
	} else {
		p := s3.NewListObjectsV2Paginator(client, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("list %s: %w", url, err)
			}
			for _, o := range page.Contents {
				if k := aws.ToString(o.Key); !strings.HasSuffix(k, "/") { // not a folder marker
					keys = append(keys, k)
				}
			}
		}
	}
	get := func(key string) (io.ReadCloser, error) {
		out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
		if err != nil {
			return nil, fmt.Errorf("get s3://%s/%s: %w", bucket, key, err)
		}
		return out.Body, nil
	}
	if !exact {
		var err error
		if keys, err = sel(keys, func(key string) ([]byte, error) {
			body, err := get(key)
			if err != nil {
				return nil, err
			}
			defer body.Close()
			return io.ReadAll(io.LimitReader(body, 64<<20))
		}); err != nil {
			return nil, fmt.Errorf("%s: %w", url, err)
		}
	}
	files := make([]ingest.File, 0, len(keys))
	for i, key := range keys {
		local := filepath.Join(dir, fmt.Sprintf("%05d-%s", i, filepath.Base(key)))
		if err := download(get, key, local); err != nil {
			return nil, err
		}
		files = append(files, ingest.File{Name: "s3://" + bucket + "/" + key, Path: local})
	}
	return files, nil
}

func download(get func(string) (io.ReadCloser, error), key, local string) (err error) {
	body, err := get(key)
	if err != nil {
		return err
	}
	defer body.Close()
	f, err := os.Create(local)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	if _, err := io.Copy(f, body); err != nil {
		return fmt.Errorf("download %s: %w", key, err)
	}
	return nil
}
