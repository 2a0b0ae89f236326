package cicheck

import (
	"fmt"
	"io"
	"path"
	"strings"
)

// SummaryLimit is the most a GitHub Actions step may write to
// $GITHUB_STEP_SUMMARY.
const SummaryLimit = 1 << 20

// GitHubOptions tunes RenderGitHub.
type GitHubOptions struct {
	MarkdownOptions
	// SourceRoot is the absolute path of the checked-out repository
	// ($GITHUB_WORKSPACE); ModulePath is its Go module path. They map the
	// file names in profiles (absolute, or module-relative with -trimpath)
	// to repository paths for annotations.
	SourceRoot string
	ModulePath string
	// MaxAnnotations bounds the function annotations (GitHub shows 10 per
	// step and type); zero means 5.
	MaxAnnotations int
}

// RenderGitHub writes the outputs of a GitHub Actions step: workflow
// commands (::error, ::warning, ::notice annotations) to commands, the job
// summary to summary (at most opt.MaxBytes, SummaryLimit when zero) and
// the pull-request comment body, which starts with a hidden marker, to
// comment. Any writer may be nil.
func RenderGitHub(commands, summary, comment io.Writer, r *Report, opt GitHubOptions) error {
	if commands != nil {
		if err := writeAnnotations(commands, r, opt); err != nil {
			return err
		}
	}
	if summary != nil {
		so := opt.MarkdownOptions
		so.Marker = ""
		if so.MaxBytes <= 0 {
			so.MaxBytes = SummaryLimit
		}
		if err := RenderMarkdown(summary, r, so); err != nil {
			return err
		}
	}
	if comment != nil {
		co := opt.MarkdownOptions
		if co.Marker == "" {
			co.Marker = "tally-ci"
		}
		// A comment body may hold 65,536 characters.
		co.MaxBytes = 65536
		if err := RenderMarkdown(comment, r, co); err != nil {
			return err
		}
	}
	return nil
}

func writeAnnotations(w io.Writer, r *Report, opt GitHubOptions) error {
	fileOf := func(fn string) (string, int64) {
		for _, f := range r.Functions {
			if f.Name == fn && f.Source.File != "" {
				if p, ok := RepoPath(f.Source.File, opt.SourceRoot, opt.ModulePath); ok {
					return p, f.Source.Line
				}
			}
		}
		return "", 0
	}
	msg := r.Headline + " " + r.Reason
	var err error
	emit := func(kind, file string, line int64, title, text string) {
		if err != nil {
			return
		}
		props := []string{}
		if file != "" {
			props = append(props, "file="+escapeProperty(file))
			if line > 0 {
				props = append(props, fmt.Sprintf("line=%d", line))
			}
		}
		props = append(props, "title="+escapeProperty(title))
		_, err = fmt.Fprintf(w, "::%s %s::%s\n", kind, strings.Join(props, ","), escapeData(text))
	}
	file, line := fileOf(r.Culprit)
	if file == "" && r.ViaSource.File != "" {
		// The culprit is not the project's code: point at the project's
		// function it was reached from.
		if p, ok := RepoPath(r.ViaSource.File, opt.SourceRoot, opt.ModulePath); ok {
			file, line = p, r.ViaSource.Line
		}
	}
	switch r.Verdict {
	case Fail:
		emit("error", file, line, "Cost regression", msg)
	case Insufficient:
		title := "Tally cost check: too few runs"
		if r.NeedRuns == 0 {
			title = "Tally cost check: nothing compared"
		}
		emit("error", "", 0, title, msg)
	case Warn:
		emit("warning", file, line, "Cost check warning", msg)
	case Pass:
		if r.Total != nil && r.Total.Significant && r.Total.Delta < 0 {
			emit("notice", file, line, "Cost improvement", r.Headline)
		}
	}
	if r.Verdict != Fail && r.Verdict != Warn {
		return err
	}
	// Point at the functions whose own CPU grew significantly.
	max := opt.MaxAnnotations
	if max <= 0 {
		max = 5
	}
	n := 0
	for _, f := range r.Functions {
		if n == max {
			break
		}
		if f.Name == r.Culprit || !f.Self.Significant || f.Self.Delta <= 0 {
			continue
		}
		file, line := fileOf(f.Name)
		text := fmt.Sprintf("%s uses %s more CPU per unit of work (self %s → %s, %s)", f.Name, formatPct(f.Self.Rel),
			formatValue(f.Self.Base.Median, r.Unit), formatValue(f.Self.Head.Median, r.Unit), pText(f.Self.P))
		if f.Self.Base.Median == 0 {
			text = fmt.Sprintf("%s uses CPU it did not use before: self %s per unit of work, %s before (%s)", f.Name,
				formatValue(f.Self.Head.Median, r.Unit), formatValue(0, r.Unit), pText(f.Self.P))
		}
		if f.SelfAnnual != nil {
			text += fmt.Sprintf(", %s/yr", formatSignedMoney(f.SelfAnnual.Amount, autoPlaces(f.SelfAnnual.Amount)))
		}
		emit("warning", file, line, "CPU grew in "+path.Base(f.Name), text)
		n++
	}
	return err
}

// RepoPath maps a file name from a profile to a path relative to the
// repository at root (absolute) whose Go module path is module. It handles
// absolute build paths under root and module-relative paths of -trimpath
// builds.
func RepoPath(file, root, module string) (string, bool) {
	file = path.Clean(strings.ReplaceAll(file, `\`, "/"))
	if root != "" {
		root = path.Clean(strings.ReplaceAll(root, `\`, "/"))
		if rel, ok := strings.CutPrefix(file, root+"/"); ok {
			return rel, true
		}
	}
	if module != "" {
		if rel, ok := strings.CutPrefix(file, module+"/"); ok {
			return rel, true
		}
	}
	return "", false
}

// escapeData escapes an annotation's message as GitHub's toolkit does.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty escapes an annotation's property value.
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
