package report

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"slices"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Image is a PNG the HTML shows inline, referenced by its Content-ID.
type Image struct {
	ContentID string `json:"contentId"` // without angle brackets, e.g. trend@tally
	Name      string `json:"name"`      // file name, e.g. trend.png
	Alt       string `json:"alt"`
	PNG       []byte `json:"png"`
	Width     int    `json:"width"` // CSS pixels to show it at
	Height    int    `json:"height"`
}

// Chart colors (a palette that stays readable for color-blind readers).
var (
	colorActual   = color.RGBA{R: 0x1f, G: 0x4e, B: 0x9c, A: 0xff}
	colorWeek     = color.RGBA{R: 0xee, G: 0xf2, B: 0xf8, A: 0xff}
	colorForecast = color.RGBA{R: 0xd9, G: 0x6c, B: 0x06, A: 0xff}
	colorBand     = color.RGBA{R: 0xfb, G: 0xe3, B: 0xc8, A: 0xff}
	colorBudget   = color.RGBA{R: 0xb0, G: 0x1c, B: 0x2e, A: 0xff}
	colorUsage    = color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}
	colorPrice    = color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff}
	colorCoverage = color.RGBA{R: 0x94, G: 0x67, B: 0xbd, A: 0xff}
	colorText     = color.RGBA{R: 0x33, G: 0x33, B: 0x33, A: 0xff}
	colorGrid     = color.RGBA{R: 0xe4, G: 0xe4, B: 0xe4, A: 0xff}
)

// chart sizes: drawn at twice the CSS size for sharp screens.
const (
	chartWidth  = 600
	chartDPI    = 192
	pointsPerPx = 72.0 / 96
)

func renderPNG(p *plot.Plot, wPx, hPx int) ([]byte, error) {
	c := vgimg.NewWith(vgimg.UseWH(vg.Length(float64(wPx)*pointsPerPx), vg.Length(float64(hPx)*pointsPerPx)), vgimg.UseDPI(chartDPI))
	p.Draw(draw.New(c))
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("encode chart: %w", err)
	}
	return buf.Bytes(), nil
}

func newPlot() *plot.Plot {
	p := plot.New()
	p.BackgroundColor = color.White
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Color = colorText
		a.Tick.Color = colorText
		a.Tick.Label.Color = colorText
		a.Tick.Label.Font.Size = 8
		a.Label.TextStyle.Font.Size = 8
	}
	p.Legend.TextStyle.Font.Size = 8
	p.Legend.TextStyle.Color = colorText
	for _, f := range []*font.Font{&p.Title.TextStyle.Font, &p.X.Label.TextStyle.Font, &p.Y.Label.TextStyle.Font,
		&p.X.Tick.Label.Font, &p.Y.Tick.Label.Font, &p.Legend.TextStyle.Font} {
		f.Variant = "Sans"
	}
	return p
}

// moneyTicks labels a money axis like "$1.2k".
type moneyTicks struct{ cur string }

func (t moneyTicks) Ticks(min, max float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(min, max)
	for i := range ticks {
		if ticks[i].Label != "" {
			ticks[i].Label = compactMoney(ticks[i].Value, t.cur)
		}
	}
	return ticks
}

// trendLines returns the trend chart's lines, x in days from the first of
// r.Daily: the daily spend through the month to date's last day (the eight
// weeks, then the days billed after the week that the month counts), and
// the forecast's mean and 80% band (a closed polygon) from there to month
// end, both empty without a forecast.
func trendLines(r *Report) (actual, mean, band plotter.XYs) {
	xOf := func(t time.Time) float64 { return float64(t.Sub(r.Daily[0].Day) / day) }
	for _, d := range slices.Concat(r.Daily, r.Month.Later) {
		actual = append(actual, plotter.XY{X: xOf(d.Day), Y: d.Cost.Float64()})
	}
	f := r.Month.Forecast
	if f == nil || len(f.Points) == 0 {
		return actual, nil, nil
	}
	last := actual[len(actual)-1]
	mean, band = plotter.XYs{last}, plotter.XYs{last}
	for _, pt := range f.Points {
		band = append(band, plotter.XY{X: xOf(pt.T), Y: pt.Hi80})
		mean = append(mean, plotter.XY{X: xOf(pt.T), Y: pt.Mean})
	}
	for i := len(f.Points) - 1; i >= 0; i-- {
		band = append(band, plotter.XY{X: xOf(f.Points[i].T), Y: math.Max(f.Points[i].Lo80, 0)})
	}
	return actual, mean, band
}

// TrendChart draws daily spend over the eight weeks with the report week
// shaded (and on through the days billed after it that the month to date
// counts), and the forecast to month end with its 80% band (the accounts'
// bands added, named so) and the daily budget when there are.
func TrendChart(r *Report) (Image, error) {
	p := newPlot()
	p.Y.Tick.Marker = moneyTicks{string(r.Currency)}
	p.Y.Min = 0
	n := len(r.Daily)
	if n == 0 {
		return Image{}, fmt.Errorf("trend chart: no days")
	}
	grid := plotter.NewGrid()
	grid.Vertical.Color = nil
	grid.Horizontal.Color = colorGrid
	p.Add(grid)
	p.Add(&span{from: float64(n-7) - 0.5, to: float64(n-1) + 0.5, color: colorWeek})
	xOf := func(t time.Time) float64 { return float64(t.Sub(r.Daily[0].Day) / day) }
	actual, mean, band := trendLines(r)
	end := actual[len(actual)-1].X
	if len(mean) > 0 {
		poly, err := plotter.NewPolygon(band)
		if err != nil {
			return Image{}, err
		}
		poly.Color, poly.LineStyle.Width = colorBand, 0
		p.Add(poly)
		ml, err := plotter.NewLine(mean)
		if err != nil {
			return Image{}, err
		}
		ml.Color, ml.Width, ml.Dashes = colorForecast, vg.Points(1.5), []vg.Length{vg.Points(4), vg.Points(2)}
		p.Add(ml)
		p.Legend.Add("forecast ("+r.Month.Forecast.band()+")", ml, poly)
		end = mean[len(mean)-1].X
	}
	line, err := plotter.NewLine(actual)
	if err != nil {
		return Image{}, err
	}
	line.Color, line.Width = colorActual, vg.Points(1.5)
	line.FillColor = color.NRGBA{R: 0x1f, G: 0x4e, B: 0x9c, A: 0x20}
	p.Add(line)
	p.Legend.Add("daily amortized spend", line)
	top := 0.0 // the highest value drawn: spend, forecast and budget
	if !r.Month.Budget.IsZero() {
		first := r.Month.Month
		days := float64(first.AddDate(0, 1, 0).Sub(first) / day)
		per := r.Month.Budget.Float64() / days
		bl, err := plotter.NewLine(plotter.XYs{{X: xOf(first), Y: per}, {X: math.Max(end, xOf(first)+days-1), Y: per}})
		if err != nil {
			return Image{}, err
		}
		bl.Color, bl.Width, bl.Dashes = colorBudget, vg.Points(1), []vg.Length{vg.Points(2), vg.Points(2)}
		p.Add(bl)
		p.Legend.Add("daily budget", bl)
		top = per
	}
	for _, a := range actual {
		top = math.Max(top, a.Y)
	}
	if f := r.Month.Forecast; f != nil {
		for _, pt := range f.Points {
			top = math.Max(top, pt.Hi80)
		}
	}
	if top > 0 {
		p.Y.Max = top * 1.3 // room for the legend
	}
	p.X.Min, p.X.Max = -0.5, end+0.5
	var ticks plot.ConstantTicks
	for x := 0.0; x <= end; x++ {
		t := r.Daily[0].Day.Add(time.Duration(x) * day)
		if t.Weekday() == time.Monday {
			ticks = append(ticks, plot.Tick{Value: x, Label: t.Format("Jan 2")})
		}
	}
	p.X.Tick.Marker = ticks
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.XOffs = vg.Points(4)
	const h = 230
	png, err := renderPNG(p, chartWidth, h)
	if err != nil {
		return Image{}, err
	}
	alt := "Daily amortized spend over eight weeks, the report week shaded"
	if len(mean) > 0 {
		alt += ", with the forecast to month end and its " + r.Month.Forecast.band()
	}
	return Image{ContentID: "trend@tally", Name: "spend-trend.png", PNG: png, Width: chartWidth, Height: h, Alt: alt}, nil
}

// MoversChart draws the largest workload changes as bars split into usage,
// price and commitment coverage (increases right, decreases left).
func MoversChart(r *Report, movers []Mover) (Image, error) {
	if len(movers) == 0 {
		return Image{}, fmt.Errorf("movers chart: no movers")
	}
	p := newPlot()
	p.X.Tick.Marker = moneyTicks{string(r.Currency)}
	names := make([]string, len(movers))
	seg := &segments{}
	for i, m := range movers {
		y := float64(len(movers) - 1 - i) // largest on top
		names[len(movers)-1-i] = shorten(m.Name, 34)
		seg.bars = append(seg.bars, bar{y: y, parts: [3]float64{m.Usage.Float64(), m.Price.Float64(), m.Coverage.Float64()},
			net: m.Delta.Float64()})
	}
	grid := plotter.NewGrid()
	grid.Horizontal.Color = nil
	grid.Vertical.Color = colorGrid
	p.Add(grid, seg)
	p.NominalY(names...)
	for i, c := range []color.Color{colorUsage, colorPrice, colorCoverage} {
		p.Legend.Add([]string{"usage", "price", "commitment coverage"}[i], swatch{c})
	}
	p.Legend.Add("net change", netMark{})
	p.Legend.Top, p.Legend.Left = false, false // bottom right, where the smallest bars leave room
	h := 70 + 34*len(movers)
	png, err := renderPNG(p, chartWidth, h)
	if err != nil {
		return Image{}, err
	}
	return Image{ContentID: "movers@tally", Name: "top-movers.png", PNG: png, Width: chartWidth, Height: h,
		Alt: "Week-over-week change of the top workloads, split into usage, price and commitment coverage"}, nil
}

func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// span shades [from, to] over the whole height.
type span struct {
	from, to float64
	color    color.Color
}

func (s *span) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	x0, x1 := trX(s.from), trX(s.to)
	c.FillPolygon(s.color, c.ClipPolygonXY([]vg.Point{{X: x0, Y: c.Min.Y}, {X: x1, Y: c.Min.Y}, {X: x1, Y: c.Max.Y}, {X: x0, Y: c.Max.Y}}))
}

// bar is one mover: its three parts and the net change.
type bar struct {
	y     float64
	parts [3]float64
	net   float64
}

// segments draws horizontal stacked bars whose positive parts stack right of
// zero and negative parts left of it, with a mark at the net change.
type segments struct{ bars []bar }

var partColors = [3]color.Color{colorUsage, colorPrice, colorCoverage}

func (s *segments) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	half := vg.Points(9)
	for _, b := range s.bars {
		y := trY(b.y)
		pos, neg := 0.0, 0.0
		for i, v := range b.parts {
			var from, to float64
			if v >= 0 {
				from, to = pos, pos+v
				pos = to
			} else {
				from, to = neg+v, neg
				neg = from
			}
			x0, x1 := trX(from), trX(to)
			if x1-x0 < vg.Points(0.5) {
				continue
			}
			c.FillPolygon(partColors[i], c.ClipPolygonXY([]vg.Point{{X: x0, Y: y - half}, {X: x1, Y: y - half}, {X: x1, Y: y + half}, {X: x0, Y: y + half}}))
		}
		x := trX(b.net)
		c.StrokeLine2(draw.LineStyle{Color: color.Black, Width: vg.Points(2)}, x, y-half-vg.Points(2), x, y+half+vg.Points(2))
	}
	zero := trX(0)
	c.StrokeLine2(draw.LineStyle{Color: colorText, Width: vg.Points(0.75)}, zero, c.Min.Y, zero, c.Max.Y)
}

func (s *segments) DataRange() (xmin, xmax, ymin, ymax float64) {
	ymin, ymax = -0.5, float64(len(s.bars))-0.5
	for _, b := range s.bars {
		pos, neg := 0.0, 0.0
		for _, v := range b.parts {
			if v >= 0 {
				pos += v
			} else {
				neg += v
			}
		}
		xmin, xmax = math.Min(xmin, math.Min(neg, b.net)), math.Max(xmax, math.Max(pos, b.net))
	}
	pad := (xmax - xmin) * 0.05
	if pad == 0 {
		pad = 1
	}
	return xmin - pad, xmax + pad, ymin, ymax
}

type swatch struct{ color color.Color }

func (s swatch) Thumbnail(c *draw.Canvas) {
	c.FillPolygon(s.color, []vg.Point{{X: c.Min.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Max.Y}, {X: c.Min.X, Y: c.Max.Y}})
}

type netMark struct{}

func (netMark) Thumbnail(c *draw.Canvas) {
	x := (c.Min.X + c.Max.X) / 2
	c.StrokeLine2(draw.LineStyle{Color: color.Black, Width: vg.Points(2)}, x, c.Min.Y, x, c.Max.Y)
}
