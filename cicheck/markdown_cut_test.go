package cicheck_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/tallyhq/tally/cicheck"
)

// A comment too long for its limit is cut; the cut must not leave a name's
// code span open, or what the name holds after the cut point's opening
// backticks is markdown again. A culprit function whose name alone passes
// the limit (the pull request writes its profiles) puts it in the headline,
// which even top 0 keeps.
func TestMarkdownCutKeepsNamesInert(t *testing.T) {
	hostile := "main.f <img src=https://evil.example/x.png> [click](https://evil.example) @org/admins " + strings.Repeat("A", 70_000)
	pr := profileReport(t)
	pr.Headline = strings.ReplaceAll(pr.Headline, pr.Culprit, hostile)
	pr.Culprit = hostile
	if !strings.Contains(pr.Headline, hostile) {
		t.Fatalf("the culprit is not in the headline %q", pr.Headline[:200])
	}
	var comment bytes.Buffer
	if err := cicheck.RenderGitHub(nil, nil, &comment, pr, cicheck.GitHubOptions{}); err != nil {
		t.Fatal(err)
	}
	out := comment.String()
	if len(out) > 65536 {
		t.Fatalf("comment of %d bytes, over GitHub's 65,536", len(out))
	}
	if !strings.HasSuffix(out, "(cut to fit the size limit)\n") {
		t.Fatalf("not cut: ends %q", out[len(out)-80:])
	}
	text, _ := splitCodeSpans(out)
	for _, bad := range []string{"<img", "[click](", "@org"} {
		if i := strings.Index(text, bad); i >= 0 {
			t.Errorf("the cut comment has %q outside any code span: ...%s...", bad, text[max(i-40, 0):min(i+60, len(text))])
		}
	}
}
