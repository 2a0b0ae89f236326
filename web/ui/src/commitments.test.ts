import * as echarts from 'echarts/core'
import { LineChart } from 'echarts/charts'
import { GridComponent, LegendComponent } from 'echarts/components'
import { SVGRenderer } from 'echarts/renderers'
import { describe, expect, it } from 'vitest'
import { ApiError, type Commitment } from './api'
import { endLabel, kpiChart, pickOneAccount } from './commitments'

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

describe('endLabel', () => {
  const c = (over: Partial<Commitment>): Commitment => ({
    billingAccountId: 'billing-1', id: 'commitments/1', provider: 'gcp', kind: 'GCP CUD', termMonths: 12,
    start: '2026-03-04T00:00:00Z', end: '2027-03-04T00:00:00Z', paymentOption: 'No Upfront',
    hourlyCommitment: { amount: '1', currency: 'USD' }, quantity: 0, upfrontFee: { amount: '0', currency: 'USD' },
    recurringHourlyFee: { amount: '1', currency: 'USD' }, state: 'active', ...over,
  })
  it('marks an end reckoned from an estimated start, and says why', () => {
    const l = endLabel(c({ startEstimated: true }))
    expect(l.text).toBe('≤ 2027-03-04 (est.)')
    expect(l.title).toContain('first charge in the stored bill, 2026-03-04')
  })
  it('gives a dated term, or an expired commitment (its last charge), as it is', () => {
    expect(endLabel(c({}))).toEqual({ text: '2027-03-04' })
    expect(endLabel(c({ startEstimated: true, state: 'expired' }))).toEqual({ text: '2027-03-04' })
  })
})
