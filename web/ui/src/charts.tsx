// ECharts, tree-shaken to the charts the dashboard draws. Tooltips are built
// as DOM nodes with textContent: names from clusters and bills are never
// parsed as HTML, and no inline style attribute meets the CSP.
import * as echarts from 'echarts/core'
import { BarChart, LineChart } from 'echarts/charts'
import { DataZoomComponent, GridComponent, LegendComponent, MarkPointComponent, TooltipComponent } from 'echarts/components'
import { CanvasRenderer } from 'echarts/renderers'
import { useEffect, useRef } from 'preact/hooks'
import { axisDecimals, money } from './format'

echarts.use([LineChart, BarChart, GridComponent, TooltipComponent, LegendComponent, DataZoomComponent, MarkPointComponent, CanvasRenderer])

export type Option = echarts.EChartsCoreOption

/**
 * A chart's numbers as a table: a header row, then one row per point of the
 * x axis (its label first). Screen readers read it; the canvas they cannot.
 */
export interface ChartTable {
  head: string[]
  rows: string[][]
}

/**
 * The table of a chart of category x axis: one column per series (those
 * whose tooltip is not hidden, e.g. a stacked band's invisible base), each
 * value formatted by fmt, '–' where a series has none.
 */
export function seriesTable(option: Option, xName: string, fmt: (v: number) => string): ChartTable {
  const xAxis = (Array.isArray(option.xAxis) ? option.xAxis[0] : option.xAxis) as { data?: unknown[] } | undefined
  const series = ((Array.isArray(option.series) ? option.series : [option.series]) as any[]).filter((s) => s && s.tooltip?.show !== false)
  const x = xAxis?.data ?? []
  return {
    head: [xName, ...series.map((s) => String(s.name))],
    rows: x.map((label, i) => [
      String(label),
      ...series.map((s) => {
        const v = s.data?.[i]
        return v === null || v === undefined || v === '-' ? '–' : fmt(Number(Array.isArray(v) ? v[1] : v))
      }),
    ]),
  }
}

/**
 * An ECharts chart on a canvas, with its label and its numbers as a visually
 * hidden table (table), so that what the chart shows is also text.
 */
export function Chart({ option, height = 320, label, table }: { option: Option; height?: number; label: string; table: ChartTable }) {
  const el = useRef<HTMLDivElement>(null)
  const chart = useRef<echarts.ECharts | null>(null)
  useEffect(() => {
    if (!el.current) return
    const c = echarts.init(el.current, undefined, { renderer: 'canvas' })
    chart.current = c
    const resize = () => c.resize()
    window.addEventListener('resize', resize)
    return () => {
      window.removeEventListener('resize', resize)
      c.dispose()
    }
  }, [])
  useEffect(() => {
    chart.current?.setOption(option, { notMerge: true })
  }, [option])
  return (
    <>
      <div class="chart" ref={el} style={{ height: height + 'px' }} role="img" aria-label={label} />
      {/* Hidden in a box of its own: a table is never narrower than its
          columns, and one hidden itself made narrow screens scroll sideways. */}
      <div class="sr-only">
        <table data-chart-table>
          <caption>{label}</caption>
          <thead>
            <tr>
              {table.head.map((h, i) => (
                <th key={i} scope="col">
                  {h}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {table.rows.map((r, i) => (
              <tr key={i}>
                <th scope="row">{r[0]}</th>
                {r.slice(1).map((c, j) => (
                  <td key={j}>{c}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  )
}

/**
 * A tooltip formatter for axis tooltips: one line per series, as text.
 * value, when given, shows a series' point its own way (e.g. a band as
 * its range rather than its stacked height); undefined falls back to fmt.
 */
export function axisTooltip(fmt: (v: number) => string, value?: (seriesName: string, dataIndex: number) => string | undefined) {
  return (params: any) => {
    const list = Array.isArray(params) ? params : [params]
    const box = document.createElement('div')
    if (list.length) {
      const head = document.createElement('div')
      head.className = 'tt-head'
      head.textContent = String(list[0].axisValueLabel ?? list[0].name ?? '')
      box.appendChild(head)
    }
    for (const p of list) {
      const v = Array.isArray(p.value) ? p.value[1] : p.value
      if (v === undefined || v === null || v === '-') continue
      const row = document.createElement('div')
      row.className = 'tt-row'
      const dot = document.createElement('span')
      dot.className = 'tt-dot'
      dot.style.backgroundColor = typeof p.color === 'string' ? p.color : '#888'
      const name = document.createElement('span')
      name.textContent = String(p.seriesName)
      const val = document.createElement('b')
      val.textContent = value?.(String(p.seriesName), p.dataIndex) ?? fmt(Number(v))
      row.append(dot, name, val)
      box.appendChild(row)
    }
    return box
  }
}

/**
 * A value axis of money whose labels carry the decimals its ticks need to
 * read apart (see axisDecimals): "$0.20 $0.40 $0.60" under a dollar, where
 * whole units read "$0 $0 $1", and "$0 $5,000 $10,000" for large amounts;
 * unit follows each ("/h": "$0.20/h").
 */
export function moneyAxis(currency: string, unit = '') {
  let decimals = 0
  return {
    type: 'value' as const,
    // ECharts passes max the data's extent (stacked, as drawn) before it
    // picks the ticks; returning nothing leaves the axis's maximum its own.
    max: (extent: { min: number; max: number }) => {
      decimals = axisDecimals(extent.min, extent.max)
      return undefined
    },
    axisLabel: { formatter: (v: number) => money(v, currency, decimals) + unit },
  }
}

export const palette = ['#1f6feb', '#2da44e', '#bf8700', '#cf222e', '#8250df', '#0a7ea4', '#d4a72c', '#6e7781', '#e16f24', '#3fb950', '#a475f9']
