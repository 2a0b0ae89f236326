package report_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally/report"
)

// TestReportFitsAPhone: the report read on a phone, 375 px wide, fits the
// screen. Its page was 640 px wide whatever the screen, and a Go function
// name or an ARN in a recommendation, one word of 60 characters and more,
// widened it again: the demo's report scrolled sideways to 656 px on a
// phone. Chromium lays the page out as narrow as it goes (375 px asked,
// 500 px given by headless chromium's smallest window), and a script
// writes the page's width and the screen's into its title.
func TestReportFitsAPhone(t *testing.T) {
	chromium := findChromium(t)
	org := build(t, weeklyDB(t), weeklyConfig(t), "org")
	org.Functions[0].Function = "github.com/acme/checkout/internal/pricing.(*Calculator).applyDiscounts"
	org.Functions[0].Workload = "checkout-long-namespace-name/checkout-api-with-a-long-deployment-name"
	org.Rightsizing.Items[0].Explanation += "; covered by Compute Savings Plan arn:aws:savingsplans::412345678901:savingsplan/ba0957ba-eaa4-4119-8436-f6105908ef31"
	page, err := report.PreviewHTML(org)
	if err != nil {
		t.Fatal(err)
	}
	const probe = `<script>document.title = "width=" + document.documentElement.scrollWidth + "/" + window.innerWidth;</script></body>`
	html := strings.Replace(string(page), "</body>", probe, 1)
	path := filepath.Join(t.TempDir(), "phone.html")
	if err := os.WriteFile(path, []byte(html), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-dev-shm-usage", "--hide-scrollbars", "--user-data-dir="+t.TempDir(), "--window-size=375,800",
		"--dump-dom", "file://"+path).Output()
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	m := regexp.MustCompile(`<title>width=(\d+)/(\d+)</title>`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("chromium's page has no width title:\n%.2000s", out)
	}
	w, _ := strconv.Atoi(string(m[1]))
	screen, _ := strconv.Atoi(string(m[2]))
	if w > screen {
		t.Errorf("the report is %d px wide on a %d px screen: it scrolls sideways", w, screen)
	}
}
