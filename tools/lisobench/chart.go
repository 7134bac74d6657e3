package main

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// serverColors tell the servers apart in the chart.
var serverColors = map[string]string{"lisod": "#e8590c", "baseline": "#ffc078", "net/http": "#1971c2", "nginx": "#2f9e44", "lighttpd": "#9c36b5", "ceiling": "#adb5bd"}

// Chart geometry, in SVG user units (pixels).
const (
	chartWidth = 900
	barLeft    = 90  // bars start here; server names sit left of it
	barMax     = 680 // the longest bar of a scenario
	barHeight  = 16
	barGap     = 4
	labelSpace = 22 // above each scenario's bars, for its title
	groupGap   = 14
	chartTop   = 56 // title and subtitle
)

// chart draws the rows as an SVG bar chart: one group per scenario, one
// bar per server measured in it, each scenario scaled to its largest
// value (the units differ between scenarios), the number printed at the
// end of each bar. A row whose unit is lower-is-better says so in its
// title. It is written by hand with fmt: the picture is simple, and the
// project takes no dependency for it.
func chart(r *report, rows []row) string {
	type bar struct {
		k *serverKind
		v float64
	}
	type group struct {
		rw   row
		bars []bar
	}
	var groups []group
	height := chartTop + 10
	for _, rw := range rows {
		if rw.informative() { // a count or a share, not a measure of speed
			continue
		}
		g := group{rw: rw}
		for i, k := range r.servers {
			if k.measures(rw.sc.runID()) {
				g.bars = append(g.bars, bar{k, rw.values[i]})
			}
		}
		groups = append(groups, g)
		height += labelSpace + len(g.bars)*(barHeight+barGap) + groupGap
	}

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n",
		chartWidth, height, chartWidth, height)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#ffffff"/>`+"\n", chartWidth, height)
	title := "lisod beside its peers and the ceiling, each on one core"
	if r.cfg.smoke {
		title += " (smoke run: the numbers mean nothing)"
	}
	fmt.Fprintf(&b, `<text x="10" y="22" font-size="16" font-weight="bold">%s</text>`+"\n", esc(title))
	fmt.Fprintf(&b, `<text x="10" y="42" fill="#555555">%s</text>`+"\n",
		esc(fmt.Sprintf("%s, %s; medians of %d round(s) of %v; bars relative to the largest value of each scenario",
			r.mach.date.UTC().Format("2006-01-02"), r.mach.cpu, r.cfg.rounds, r.cfg.duration)))

	y := chartTop
	for _, g := range groups {
		fmt.Fprintf(&b, `<text x="10" y="%d" font-weight="bold">%s</text>`+"\n", y+15, esc(g.rw.label))
		y += labelSpace
		top := 0.0
		for _, br := range g.bars {
			if !math.IsNaN(br.v) && br.v > top {
				top = br.v
			}
		}
		for _, br := range g.bars {
			fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", barLeft-6, y+barHeight-4, esc(br.k.name))
			text := "n/a" // the table's footnotes say why
			if !math.IsNaN(br.v) {
				text = formatValue(g.rw.sc.unit, br.v)
			}
			w := 0
			if !math.IsNaN(br.v) && br.v > 0 && top > 0 {
				w = max(1, int(math.Round(br.v/top*barMax)))
				fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s"/>`+"\n", barLeft, y, w, barHeight, color(br.k.name))
			}
			fmt.Fprintf(&b, `<text x="%d" y="%d">%s</text>`+"\n", barLeft+w+5, y+barHeight-4, esc(text))
			y += barHeight + barGap
		}
		y += groupGap
	}
	b.WriteString("</svg>\n")
	return b.String()
}

// color returns a server's bar color.
func color(name string) string {
	if c, ok := serverColors[name]; ok {
		return c
	}
	return "#868e96"
}

// esc escapes text for SVG (XML) character data and attributes.
func esc(s string) string { return html.EscapeString(s) }
