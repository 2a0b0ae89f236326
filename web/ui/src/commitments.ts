// The Commitments page's charts, apart from the page so they can be tested.
import type { ApiError, BillingAccount, Commitment, CommitmentKPI } from './api'
import { axisTooltip, palette, type Option } from './charts'
import { day, pct } from './format'

/**
 * The chart of the ratios over time. A single day's ratios (a first bill)
 * are points: a line of one point draws nothing.
 */
export function kpiChart(kpis: CommitmentKPI[]): Option {
  const showSymbol = kpis.length === 1
  return {
    color: palette,
    grid: { left: 50, right: 20, top: 40, bottom: 30 },
    legend: { top: 0 },
    tooltip: { trigger: 'axis', formatter: axisTooltip((v) => pct(v)) },
    xAxis: { type: 'category', data: kpis.map((k) => day(k.t)) },
    yAxis: { type: 'value', min: 0, max: 1, axisLabel: { formatter: (v: number) => pct(v, 0) } },
    series: [
      { name: 'Utilization', type: 'line', showSymbol, data: kpis.map((k) => k.utilization) },
      { name: 'Coverage', type: 'line', showSymbol, data: kpis.map((k) => k.coverage) },
      { name: 'Effective savings rate', type: 'line', showSymbol, data: kpis.map((k) => k.esr) },
    ],
  }
}

/**
 * What the page says when the view of all accounts failed because their
 * bills are in several currencies, which cannot be added up: the API's
 * message tells its users to add ?account=ID to the URL, the page points at
 * its account picker and names the currencies, from the accounts listed.
 * null for any other view or error (and when the accounts listed bill in one
 * currency: the commitments' currency is then the mismatch, which the API's
 * message says).
 */
export function pickOneAccount(error: ApiError | undefined, account: string, accounts: BillingAccount[]): string | null {
  if (account !== '' || error?.status !== 400 || !error.message.includes('currency mismatch')) return null
  const currencies = [...new Set(accounts.map((a) => a.currency ?? '').filter(Boolean))].sort()
  if (currencies.length < 2) return null
  const named = currencies.slice(0, -1).join(', ') + ' and ' + currencies[currencies.length - 1]
  return `These accounts bill in ${named}: pick one account in the Billing account menu above.`
}

/**
 * A commitment's end as the Commitments table shows it. Where the bill does
 * not date its term (a GCP CUD, a FOCUS commitment), its start is its first
 * charge in the stored bill and its end a term later: the term may have
 * started earlier, so it ends by then, and the title says why. An expired
 * one's end is its last charge, a fact.
 */
export function endLabel(x: Commitment): { text: string; title?: string } {
  if (!x.startEstimated || x.state === 'expired') {
    return { text: day(x.end) }
  }
  return {
    text: `≤ ${day(x.end)} (est.)`,
    title: `The bill does not date this term: it is reckoned from the first charge in the stored bill, ${day(x.start)}, which the term may predate.`,
  }
}
