// ECharts, tree-shaken to the charts the dashboard draws. Tooltips are built
// as DOM nodes with textContent: names from clusters and bills are never
// parsed as HTML, and no inline style attribute meets the CSP.
import * as echarts from 'echarts/core'
import { BarChart, LineChart } from 'echarts/charts'
import { DataZoomComponent, GridComponent, LegendComponent, MarkPointComponent, TooltipComponent } from 'echarts/components'
import { CanvasRenderer } from 'echarts/renderers'
import { useEffect, useRef } from 'preact/hooks'

echarts.use([LineChart, BarChart, GridComponent, TooltipComponent, LegendComponent, DataZoomComponent, MarkPointComponent, CanvasRenderer])

export type Option = echarts.EChartsCoreOption

export function Chart({ option, height = 320, label }: { option: Option; height?: number; label: string }) {
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
  return <div class="chart" ref={el} style={{ height: height + 'px' }} role="img" aria-label={label} />
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

export const palette = ['#1f6feb', '#2da44e', '#bf8700', '#cf222e', '#8250df', '#0a7ea4', '#d4a72c', '#6e7781', '#e16f24', '#3fb950', '#a475f9']
