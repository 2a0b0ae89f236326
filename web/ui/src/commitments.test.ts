import * as echarts from 'echarts/core'
import { LineChart } from 'echarts/charts'
import { GridComponent, LegendComponent } from 'echarts/components'
import { SVGRenderer } from 'echarts/renderers'
import { describe, expect, it } from 'vitest'
import { kpiChart } from './commitments'

echarts.use([SVGRenderer, LineChart, GridComponent, LegendComponent])

/** The points (symbols) the KPI chart of n days draws for its series, not its legend's. */
function points(n: number): number {
  const kpis = Array.from({ length: n }, (_, i) => ({ t: new Date(Date.UTC(2026, 10, 1 + i)).toISOString(), utilization: 0.9, coverage: 0.6, esr: 0.3 }))
  const chart = echarts.init(null, undefined, { renderer: 'svg', ssr: true, width: 600, height: 300 })
  chart.setOption({ ...kpiChart(kpis), animation: false, tooltip: undefined })
  const svg = chart.renderToSVGString()
  chart.dispose()
  return [...svg.matchAll(/<path [^>]*ecmeta_ssr_type="chart"[^>]*>/g)].length
}

describe('kpiChart', () => {
  it('draws the ratios of a single day (a first bill) as points: a line of one point draws nothing', () => {
    expect(points(1)).toBe(3)
  })
  it('draws days as lines, without a point on each', () => {
    expect(points(30)).toBe(0)
  })
})
