package main

// TestBrowser is the course's last step seen as a student sees it: a real
// browser (headless Chromium, driven through WebDriver) opens the demo
// site and flaskr on lisod over HTTPS, trusting only lisod's own key.
//
// It needs the Debian packages chromium, chromium-driver and
// python3-flask; without them it skips, except in CI (CI=true), where it
// fails. With -update-screenshots it also writes the screenshots the docs
// show:
//
//	go test ./checkpoint3 -run Browser -update-screenshots

import (
	"errors"
	"fmt"
	"image/color"
	"net"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"liso/shared/certs"
)

// browserCheck is one thing the test looks at in the page: a JavaScript
// function body, and what it must return (as a string).
type browserCheck struct {
	what string
	js   string
	want string
}

// browserText is a check's JavaScript for the trimmed text of the first
// element matching a CSS selector.
func browserText(selector string) string {
	return fmt.Sprintf("const e = document.querySelector(%q); return e ? e.textContent.trim() : 'no %s';", selector, selector)
}

// browserStyle is a check's JavaScript for the computed value of a CSS
// property of the first element matching a selector.
func browserStyle(selector, property string) string {
	return fmt.Sprintf("const e = document.querySelector(%q); return e ? getComputedStyle(e).%s : 'no %s';", selector, property, selector)
}

// browserOverHTTPS is true only for a page that came over HTTPS: a page
// the browser refused shows as an error page instead.
var browserOverHTTPS = browserCheck{"scheme", "return location.protocol", "https:"}

// refusedChecks prove Chromium refused the page for its certificate: it
// shows its error page, naming the error, instead.
var refusedChecks = []browserCheck{
	{"scheme", "return location.protocol", "chrome-error:"},
	{"error named", "return document.body.innerText.includes('ERR_CERT_AUTHORITY_INVALID')", "true"},
	{"title", "return document.title === 'Liso in Go'", "false"},
}

// demoChecks prove the demo site's page, stylesheet and image arrived: the
// stylesheet's colour is applied, and the image has its natural size.
var demoChecks = []browserCheck{
	browserOverHTTPS,
	{"title", "return document.title", "Liso in Go"},
	{"heading", browserText("h1"), "Liso in Go"},
	{"stylesheet applied (h1 color #c41230)", browserStyle("h1", "color"), "rgb(196, 18, 48)"},
	{"image decoded", "const img = document.querySelector('header img'); return img && img.complete && img.naturalWidth + 'x' + img.naturalHeight", "96x96"},
	{"subresources fetched", "return performance.getEntriesByType('resource').filter(e => e.initiatorType !== 'other')" +
		".map(e => e.initiatorType + ' ' + new URL(e.name).pathname).sort().join(', ')", "img /images/liso.png, link /style.css"},
}

// browserStep is one step of a visit: open a page or fill in a form and
// click, then look at the page that results.
type browserStep struct {
	name   string
	open   string      // a path to load first, or ""
	fill   [][2]string // CSS selector and the text typed into it
	click  string      // CSS selector of what to click next, or ""
	checks []browserCheck
}

// flaskrPost is the post the visit publishes; the "<" and ">" show the
// page escapes it, and the browser shows it as typed.
const flaskrPost, flaskrPostBody = "Hello from <Liso>", "Served by lisod through CGI, seen in Chromium."

// flaskrVisit is a student's first visit: the empty blog, the login link,
// the login form (a POST answered with a 302 and a session cookie, which
// the browser follows and keeps), and a new post published through the
// form and seen on the blog.
var flaskrVisit = []browserStep{
	{name: "the empty blog", open: "/cgi/", checks: []browserCheck{
		browserOverHTTPS,
		{"title", "return document.title", "Flaskr on Liso"},
		{"stylesheet applied (body background #eee)", browserStyle("body", "backgroundColor"), "rgb(238, 238, 238)"},
		{"posts", browserText(".posts"), "No posts yet."},
		{"navigation", browserText(".metanav"), "log in"},
	}},
	{name: "the login link", click: ".metanav a", checks: []browserCheck{
		browserOverHTTPS,
		{"path", "return location.pathname", "/cgi/login"},
		{"heading", browserText("h2"), "Log in"},
	}},
	{name: "logging in", fill: [][2]string{{"input[name=username]", "admin"}, {"input[name=password]", "default"}},
		click: "input[type=submit]", checks: []browserCheck{
			browserOverHTTPS,
			{"redirected to", "return location.pathname", "/cgi/"},
			{"flash", browserText(".flash"), "You were logged in"},
			{"navigation", browserText(".metanav"), "log out"},
			{"post form", "return document.querySelectorAll('form.add-post').length", "1"},
		}},
	{name: "publishing a post", fill: [][2]string{{"input[name=title]", flaskrPost}, {"textarea[name=body]", flaskrPostBody}},
		click: "form.add-post input[type=submit]", checks: []browserCheck{
			browserOverHTTPS,
			{"redirected to", "return location.pathname", "/cgi/"},
			{"flash", browserText(".flash"), "Your post is published."},
			{"posts", "return document.querySelectorAll('.posts li').length", "1"},
			{"title", browserText(".posts li h2"), flaskrPost},
			{"body", browserText(".posts li .post-body"), flaskrPostBody},
		}},
}

// browserShot is a screenshot the test takes: it must show a colour of
// the page's stylesheet over at least minPixels pixels, which a blank or
// unstyled page would not.
type browserShot struct {
	file      string // in docs/images
	colour    color.NRGBA
	what      string
	minPixels int
}

var (
	// The 4-pixel rule under the header (640 px wide) and the heading.
	demoShot = browserShot{file: "demo-site.png", colour: color.NRGBA{0xc4, 0x12, 0x30, 0xff}, what: "#c41230", minPixels: 2000}
	// The blue of the flash message's box.
	flaskrShot = browserShot{file: "flaskr.png", colour: color.NRGBA{0xce, 0xe5, 0xf5, 0xff}, what: "#cee5f5", minPixels: 5000}
)

func TestBrowser(t *testing.T) {
	browserNeed(t)
	script := browserFlaskr(t)
	f := startForeground(t, "--http-port", "0", "--https-port", "0", "--cgi-script", script)
	_, port, _ := net.SplitHostPort(f.https)
	site := "https://localhost:" + port
	spki := browserSPKI(t, certs.ServerCertPath(f.home))
	d := wdStart(t, browserChromedriver)

	t.Run("unknown key refused", func(t *testing.T) {
		// The same browser trusting another key must refuse lisod's
		// certificate: the trust the other subtests rely on comes from
		// the SPKI list alone.
		b := d.newSession(t, browserChromium, browserArgs(d.profile(t), browserOtherSPKI(t)))
		err := b.open(site + "/")
		var wdErr *wdError
		if errors.As(err, &wdErr) && wdErr.Code == "insecure certificate" {
			return // WebDriver's own way to say it; Chromium shows an error page instead
		}
		if err != nil {
			t.Fatalf("opening %s/ trusting another key: %v; want a certificate error", site, err)
		}
		browserLook(t, b, "the demo site trusting another key", refusedChecks)
	})

	b := d.newSession(t, browserChromium, browserArgs(d.profile(t), spki))
	b.resize(t, browserWidth, browserHeight)
	t.Run("demo site", func(t *testing.T) {
		if err := b.open(site + "/"); err != nil {
			t.Fatalf("opening %s/: %v", site, err)
		}
		browserLook(t, b, "the demo site", demoChecks)
		// lisod's access log shows the browser's requests, over HTTPS.
		for _, path := range []string{"/", "/style.css", "/images/liso.png"} {
			browserLogged(t, f, path)
		}
		browserScreenshot(t, b, demoShot)
	})
	t.Run("flaskr", func(t *testing.T) {
		for _, step := range flaskrVisit {
			browserDo(t, b, site, step)
			browserLook(t, b, step.name, step.checks)
		}
		browserScreenshot(t, b, flaskrShot)
	})
}

// browserDo performs a step's actions, and waits for the page they lead
// to.
func browserDo(t *testing.T, b *wdSession, site string, step browserStep) {
	t.Helper()
	if step.open != "" {
		if err := b.open(site + step.open); err != nil {
			t.Fatalf("%s: opening %s: %v", step.name, step.open, err)
		}
	}
	for _, field := range step.fill {
		b.typeInto(t, field[0], field[1])
	}
	if step.click == "" {
		return
	}
	// Mark the page, click, and wait for a page without the mark: the
	// next page, even when its address is the same.
	b.eval(t, "window.lisoOldPage = true; return ''")
	b.click(t, step.click)
	deadline := time.Now().Add(wdGuard)
	for b.eval(t, "return document.readyState === 'complete' && !window.lisoOldPage") != "true" {
		if time.Now().After(deadline) {
			t.Fatalf("%s: clicking %s led to no new page within %v", step.name, step.click, wdGuard)
		}
		time.Sleep(20 * time.Millisecond) // polling an observable condition, bounded above
	}
}

// browserLook runs the checks on the page the browser shows.
func browserLook(t *testing.T, b *wdSession, page string, checks []browserCheck) {
	t.Helper()
	want, got := map[string]string{}, map[string]string{}
	for _, c := range checks {
		want[c.what], got[c.what] = c.want, b.eval(t, c.js)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s in Chromium (-want +got):\n%s", page, diff)
	}
}
