import * as echarts from 'echarts/core'
import { SVGRenderer } from 'echarts/renderers'
import { describe, expect, it } from 'vitest'
import { moneyAxis } from './charts'

echarts.use([SVGRenderer])

/** The labels ECharts draws on a money axis of two stacked series, top one summing to max. */
function axisLabels(max: number): string[] {
  const chart = echarts.init(null, undefined, { renderer: 'svg', ssr: true, width: 400, height: 300 })
  chart.setOption({
    animation: false,
    xAxis: { type: 'category', data: ['a', 'b'] },
    yAxis: moneyAxis('USD'),
    series: [
      { type: 'line', stack: 'cost', data: [max / 4, max / 2] },
      { type: 'line', stack: 'cost', data: [max / 8, max / 2] },
    ],
  })
  const svg = chart.renderToSVGString()
  chart.dispose()
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]).filter((t) => t.startsWith('$'))
}

describe('moneyAxis', () => {
  it('labels amounts under a dollar in cents', () => {
    expect(axisLabels(1)).toEqual(['$0.00', '$0.20', '$0.40', '$0.60', '$0.80', '$1.00'])
  })

  it('labels large amounts in whole units', () => {
    expect(axisLabels(20000)).toEqual(['$0', '$5,000', '$10,000', '$15,000', '$20,000'])
  })

  const maxima = [-3, -2, -1, 0, 1, 2, 3, 4, 5].flatMap((e) => [1, 1.2, 1.5, 2, 2.5, 3, 3.5, 4, 5, 6, 7, 7.4, 7.5, 8, 9.9].map((m) => m * 10 ** e))
  it.each([0, ...maxima])('ticks of an axis to %f read apart, with as many decimals each', (max) => {
    const labels = axisLabels(max)
    expect(labels.length).toBeGreaterThan(2)
    expect(new Set(labels).size).toBe(labels.length)
    expect(new Set(labels.map((l) => l.split('.')[1]?.length ?? 0)).size).toBe(1)
  })
})
