package main

// This file holds browser_test.go's helpers: the packages it needs,
// Chromium's arguments and the key it trusts, flaskr's copy, and the
// checks on lisod's log and on screenshots.

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var updateScreenshots = flag.Bool("update-screenshots", false, "write the browser test's screenshots to docs/images")

// What the test runs, and the Debian package each comes from.
const (
	browserChromium     = "/usr/bin/chromium"     // chromium
	browserChromedriver = "/usr/bin/chromedriver" // chromium-driver
	browserPython       = "/usr/bin/python3"      // python3-flask, for flaskr
)

// The viewport's size, and so the screenshots'.
const browserWidth, browserHeight = 1000, 700

// browserNeed skips the test when a package it needs is missing, unless
// this is CI, where a missing package is a failure.
func browserNeed(t *testing.T) {
	t.Helper()
	var missing []string
	for _, need := range []struct{ path, pkg string }{
		{browserChromium, "chromium"},
		{browserChromedriver, "chromium-driver"},
	} {
		if _, err := exec.LookPath(need.path); err != nil {
			missing = append(missing, need.pkg)
		}
	}
	if err := exec.Command(browserPython, "-c", "import flask").Run(); err != nil {
		missing = append(missing, "python3-flask")
	}
	if len(missing) == 0 {
		return
	}
	msg := fmt.Sprintf("the browser test needs these Debian packages: %s (sudo apt-get install %s)",
		strings.Join(missing, ", "), strings.Join(missing, " "))
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// browserArgs are Chromium's arguments: headless, a fresh profile, no
// traffic of its own (background updates and sync would try the network),
// and trust in the one server key whose SPKI hash is given.
func browserArgs(profile, spki string) []string {
	return []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + profile,
		"--force-device-scale-factor=1", "--hide-scrollbars",
		// Chromium accepts a certificate it cannot verify when the key
		// in it is one of these (base64 SHA-256 of the
		// SubjectPublicKeyInfo); nothing else is trusted beyond its
		// usual roots, which lisod's development CA is not one of.
		"--ignore-certificate-errors-spki-list=" + spki,
	}
}

// browserSPKI is the base64 SHA-256 hash of the public key in the PEM
// certificate file, the form Chromium's SPKI list takes.
func browserSPKI(t *testing.T, certFile string) string {
	t.Helper()
	data, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		t.Fatalf("%s holds no PEM block", certFile)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return browserHash(cert.RawSubjectPublicKeyInfo)
}

func browserHash(spki []byte) string {
	sum := sha256.Sum256(spki)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// browserOtherSPKI is the SPKI hash of a new key, one lisod does not have.
func browserOtherSPKI(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return browserHash(der)
}

// browserFlaskr copies examples/flaskr into a new folder with an empty
// "instance" folder beside the script, so that the test has a database of
// its own (see examples/flaskr/README.md), and returns the script's path.
func browserFlaskr(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("../examples/flaskr")); err != nil {
		t.Fatal(err)
	}
	// A data folder left in the example by a manual run is not ours.
	if err := os.RemoveAll(filepath.Join(dir, "instance")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "instance"), 0o700); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(dir, "flaskr.cgi")
	return script
}

// browserLogged waits for lisod's access log (its stderr) to show a GET
// of path from Chromium over HTTPS; the log line is written once the
// answer is sent, which may be after the browser has it.
func browserLogged(t *testing.T, f *foreground, path string) {
	t.Helper()
	line := regexp.MustCompile(`"GET ` + regexp.QuoteMeta(path) + ` HTTP/1\.1" 200 \d+ "[^"]*" "[^"]*HeadlessChrome/[^"]*" https\n`)
	deadline := time.Now().Add(wdGuard)
	for !line.MatchString(f.Stderr()) {
		if time.Now().After(deadline) {
			t.Errorf("lisod's log shows no GET %s from Chromium over HTTPS; log:\n%s", path, f.Stderr())
			return
		}
		time.Sleep(10 * time.Millisecond) // polling an observable condition, bounded above
	}
}

// browserScreenshot takes a screenshot, checks it has the window's size
// and shows the page's colour, and writes it to docs/images with
// -update-screenshots.
func browserScreenshot(t *testing.T, b *wdSession, shot browserShot) {
	t.Helper()
	data := b.screenshot(t)
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("screenshot for %s: %v", shot.file, err)
	}
	if got, want := img.Bounds().Size(), image.Pt(browserWidth, browserHeight); got != want {
		t.Errorf("screenshot for %s is %v; want %v", shot.file, got, want)
	}
	if n := browserCount(img, shot.colour); n < shot.minPixels {
		t.Errorf("screenshot for %s has %d pixels of %s; want at least %d", shot.file, n, shot.what, shot.minPixels)
	}
	if !*updateScreenshots {
		return
	}
	dir := filepath.Join("..", "docs", "images")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, shot.file), data, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s (%d bytes)", filepath.Join(dir, shot.file), len(data))
}

// browserCount counts the pixels of img that are exactly c.
func browserCount(img image.Image, c color.NRGBA) int {
	n := 0
	r := img.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if color.NRGBAModel.Convert(img.At(x, y)) == c {
				n++
			}
		}
	}
	return n
}
