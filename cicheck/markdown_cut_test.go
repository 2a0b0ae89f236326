package cicheck_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/tallyhq/tally/cicheck"
)

// A comment too long for its limit was cut at a byte, and a culprit
// function whose name alone passed the limit (the pull request writes its
// profiles) was in the headline, which even top 0 keeps: the cut left the
// name's code span open, and the <img>, link and mention in the name were
// markdown again. A name is now shown to 500 characters, so that comment
// fits; and a cut falls after a whole line, so no code span is left open.
func TestMarkdownCutKeepsNamesInert(t *testing.T) {
	hostile := "main.f <img src=https://evil.example/x.png> [click](https://evil.example) @org/admins " + strings.Repeat("A", 70_000)
	pr := profileReport(t)
	pr.Headline = strings.ReplaceAll(pr.Headline, pr.Culprit, hostile)
	pr.Culprit = hostile
	if !strings.Contains(pr.Headline, hostile) {
		t.Fatalf("the culprit is not in the headline %q", pr.Headline[:200])
	}
	inert := func(what, out string) {
		t.Helper()
		text, _ := splitCodeSpans(out)
		for _, bad := range []string{"<img", "[click](", "@org"} {
			if i := strings.Index(text, bad); i >= 0 {
				t.Errorf("%s has %q outside any code span: ...%s...", what, bad, text[max(i-40, 0):min(i+60, len(text))])
			}
		}
	}
	var comment bytes.Buffer
	if err := cicheck.RenderGitHub(nil, nil, &comment, pr, cicheck.GitHubOptions{}); err != nil {
		t.Fatal(err)
	}
	out := comment.String()
	if len(out) > 65536 || !strings.Contains(out, "main.f <img") || !strings.Contains(out, strings.Repeat("A", 400)+"…") {
		t.Errorf("comment of %d bytes (GitHub takes 65,536): want the culprit's name shown to 500 characters", len(out))
	}
	inert("the comment", out)
	for _, limit := range []int{200, 300, 450, 700} {
		var cut bytes.Buffer
		if err := cicheck.RenderMarkdown(&cut, pr, cicheck.MarkdownOptions{MaxBytes: limit}); err != nil {
			t.Fatal(err)
		}
		if cut.Len() > limit || !strings.HasSuffix(cut.String(), "(cut to fit the size limit)\n") {
			t.Fatalf("limit %d: %d bytes, ends %q", limit, cut.Len(), cut.String()[max(cut.Len()-60, 0):])
		}
		inert(fmt.Sprintf("the comment cut to %d bytes", limit), cut.String())
	}
}
