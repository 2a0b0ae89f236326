import * as echarts from 'echarts/core'
import { LineChart } from 'echarts/charts'
import { GridComponent, LegendComponent } from 'echarts/components'
import { SVGRenderer } from 'echarts/renderers'
import { describe, expect, it } from 'vitest'
import { ApiError } from './api'
import { kpiChart, pickOneAccount } from './commitments'

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

describe('pickOneAccount', () => {
  const accounts = [
    { id: '111', provider: 'aws', name: '', currency: 'USD' },
    { id: '222', provider: 'aws', name: '', currency: 'EUR' },
  ]
  // The API's text, for API users: the dashboard has a picker, not a URL to edit.
  const mismatch = new ApiError(
    400,
    'invalid',
    'commitment status: currency mismatch: bills in EUR and USD, which cannot be added up; select one billing account with ?account=ID (--account on the command line)',
  )

  it("points All accounts' currency mismatch at the picker, naming the currencies", () => {
    expect(pickOneAccount(mismatch, '', accounts)).toBe('These accounts bill in EUR and USD: pick one account in the Billing account menu above.')
    const three = [...accounts, { id: '333', provider: 'gcp', name: '', currency: 'GBP' }, { id: '444', provider: 'aws', name: '', currency: 'USD' }]
    expect(pickOneAccount(mismatch, '', three)).toBe('These accounts bill in EUR, GBP and USD: pick one account in the Billing account menu above.')
  })

  it('leaves other views and errors to the API', () => {
    expect(pickOneAccount(mismatch, '111', accounts)).toBeNull() // one account chosen
    expect(pickOneAccount(new ApiError(400, 'invalid', 'window "x": want today, …'), '', accounts)).toBeNull()
    expect(pickOneAccount(new ApiError(500, 'internal', 'currency mismatch'), '', accounts)).toBeNull()
    expect(pickOneAccount(undefined, '', accounts)).toBeNull()
    // Bills in one currency (the mismatch is the commitments'), or accounts not known: the API's text says it.
    expect(pickOneAccount(mismatch, '', [accounts[0], { ...accounts[1], currency: 'USD' }])).toBeNull()
    expect(pickOneAccount(mismatch, '', [])).toBeNull()
  })
})
