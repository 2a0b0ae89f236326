import { useEffect, useMemo } from 'preact/hooks'
import type { BillingAccount, Commitment, CommitmentRecommendation, Commitments, Me, Money } from '../api'
import { Chart, axisTooltip, moneyAxis, seriesTable, type Option } from '../charts'
import { Card, Empty, ErrorState, Loading, NotAvailable, PartError, Stat, StaleLink, WindowOptions, useApi, windowLabel } from '../components'
import { day, lastDay, money, num, pct } from '../format'
import { useQueryState } from '../router'
import { kpiChart } from '../commitments'

/** Months until each commitment ends, with what the expiring commitments cost an hour. */
export function ladder(c: Commitments): { month: string; hourly: number; count: number }[] {
  const by = new Map<string, { hourly: number; count: number }>()
  for (const x of c.commitments) {
    const m = x.end.slice(0, 7)
    const e = by.get(m) ?? { hourly: 0, count: 0 }
    e.hourly += num(hourly(x)?.amount)
    e.count++
    by.set(m, e)
  }
  return [...by.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([month, e]) => ({ month, ...e }))
}

/** What a commitment costs an hour: its hourly commitment (Savings Plans), or its fees (Reserved Instances, resource CUDs, whose hourly commitment is zero). */
function hourly(x: Commitment): Money {
  return x.hourlyCost ?? x.hourlyCommitment
}

/** A recommendation's currency: its own, which may differ from the view's (one with no bill yet has none). */
function recCurrency(r: CommitmentRecommendation, fallback: string): string {
  return r.hourlyCommitment?.currency || r.monthlySavings?.currency || r.currency || fallback
}

/**
 * Why a recommendation's savings range is narrow, when it is (P10 to P90
 * within a cent, or 1% of the median): a commitment saves on a forecast path
 * its discount on the hours usage uses it, less the hours it goes unused, so
 * its savings vary only as its utilization does, which the recommender
 * expects (the mean over its paths) to be r.utilization.
 */
function narrowRange(r: CommitmentRecommendation): string | null {
  const [lo, mid, hi] = [r.monthlySavings.p10, r.monthlySavings.p50, r.monthlySavings.p90].map(num)
  if (r.utilization == null || hi - lo > Math.max(0.01, Math.abs(mid) / 100)) return null
  const used = `the forecast expects this commitment to be used ${pct(r.utilization, 2)} of its hours, over its paths`
  return r.utilization >= 0.99
    ? `P10 to P90 is narrow: ${used}. Usage stays above it nearly all the time, so the savings barely vary from path to path.`
    : `P10 to P90 is narrow: ${used}, and the paths hardly differ over the term, so the savings barely vary.`
}

/** The billing account picker: shown when there is more than one account (their bills may be in different currencies). */
function AccountPicker({ accounts, value, set }: { accounts: BillingAccount[]; value: string; set: (account: string) => void }) {
  if (accounts.length < 2 && value === '') return null
  return (
    <label>
      Billing account
      <select name="account" value={value} onChange={(e) => set(e.currentTarget.value)}>
        <option value="">All accounts</option>
        {/* A link's account none of the listed is (mistyped, or gone): shown as the view's, not as All accounts. */}
        {value !== '' && !accounts.some((a) => a.id === value) && <option value={value}>{value}</option>}
        {accounts.map((a) => (
          <option key={a.id} value={a.id}>
            {a.name && a.name !== a.id ? `${a.name} (${a.provider} ${a.id})` : `${a.provider} ${a.id}`}
          </option>
        ))}
      </select>
    </label>
  )
}

/** The windows offered: the bill's ratios need weeks to mean much, and the status answers at most three years. */
const windowPresets = ['7d', '30d', '90d', '180d', '365d']

/**
 * Says which window the ratios are of: "Utilization, coverage and effective
 * savings rate of the last 90 days, 2026-08-15 to 2026-11-12 (UTC)".
 */
function WindowSaid({ value, window }: { value: string; window?: { start: string; end: string } }) {
  const days = /^(\d+)d$/.exec(value)
  const range = window ? `${day(window.start)} to ${lastDay(window.end)}` : windowLabel(value)
  return (
    <p class="hint" data-window>
      Utilization, coverage and effective savings rate of {days ? `the last ${days[1]} days, ${range}` : range} (UTC); the lock-in is of the
      commitments in force now.
    </p>
  )
}

export function CommitmentsPage(_: { me: Me }) {
  // ?id= (the weekly report links a recommendation by its target) marks that one.
  const [s, set] = useQueryState({ account: '', id: '', window: '90d' })
  const accounts = useApi<{ accounts: BillingAccount[] }>('/api/v1/commitments/accounts')
  const data = useApi<Commitments>(
    '/api/v1/commitments?window=' + encodeURIComponent(s.window) + (s.account ? '&account=' + encodeURIComponent(s.account) : ''),
  )
  const linked = s.id !== '' && (data.data?.recommendations ?? []).some((r) => r.target === s.id)
  useEffect(() => {
    if (linked) document.querySelector('tr[data-linked]')?.scrollIntoView({ block: 'center' })
  }, [linked])
  const picker = (
    <>
      <form class="controls" onSubmit={(e) => e.preventDefault()} aria-label="Commitments view">
        <label>
          Window
          <select name="window" value={s.window} onChange={(e) => set({ window: e.currentTarget.value })}>
            <WindowOptions presets={windowPresets} value={s.window} />
          </select>
        </label>
        <AccountPicker accounts={accounts.data?.accounts ?? []} value={s.account} set={(account) => set({ account })} />
      </form>
      {accounts.error && !accounts.error.notAvailable && (
        <PartError error={accounts.error} what="the billing accounts to choose from" state="accounts-error" retry={accounts.reload}>
          {s.account ? `; the page shows account ${s.account}, the link's.` : '; the page shows all accounts together.'}
        </PartError>
      )}
    </>
  )
  const view = useMemo(() => {
    const c = data.data
    if (!c) return null
    // The view's currency: its bill's, else its commitments' (a view with no
    // bill in the window has none).
    const cur = c.currency || c.commitments.map((x) => hourly(x).currency).find(Boolean) || 'USD'
    const kpis = c.kpis ?? []
    const lad = ladder(c)
    const ladderChart: Option = {
      color: ['#bf8700'],
      grid: { left: 72, right: 20, top: 20, bottom: 30 },
      tooltip: { trigger: 'axis', formatter: axisTooltip((v) => money(v, cur) + '/h') },
      xAxis: { type: 'category', data: lad.map((l) => l.month) },
      // The commitments' hourly amounts, not their whole terms'.
      yAxis: moneyAxis(cur, '/h'),
      series: [{ name: 'Hourly commitment expiring', type: 'bar', data: lad.map((l) => l.hourly) }],
    }
    // A server before billInWindow sent "current" only with a bill.
    const billed = c.current?.billInWindow ?? kpis.length > 0
    return { cur, kpiChart: kpiChart(kpis), ladderChart, lad, billed }
  }, [data.data])

  if (data.loading && !data.data) return <Loading what="commitments" />
  // A 404 with an account selected is that account unknown (the API names
  // it), not a server without commitments.
  if (data.error?.notAvailable && !(s.account && data.error.status === 404))
    return (
      <div class="page" data-page="commitments">
        <h1>Commitments</h1>
        <NotAvailable what="Commitment analytics">
          <p>
            This server does not serve <code>/api/v1/commitments</code> yet. Once commitments are tracked, this page shows coverage,
            utilization and effective savings rate over time, the expiry ladder, and purchase recommendations with their P10–P90 savings.
            Meanwhile: <code>tally commitments status</code>.
          </p>
        </NotAvailable>
      </div>
    )
  if (data.error)
    return (
      <div class="page" data-page="commitments">
        <h1>Commitments</h1>
        {picker}
        <ErrorState error={data.error} retry={data.reload} what="commitments" />
      </div>
    )
  const c = data.data!
  const v = view!
  return (
    <div class="page" data-page="commitments">
      <h1>Commitments</h1>
      {picker}
      {s.id !== '' && !linked && <StaleLink target={s.id} />}
      <WindowSaid value={s.window} window={c.window} />
      {c.current && (
        <div class="stats">
          {/* The ratios are the bill's; the lock-in is of the commitments in force, bill or not. */}
          <Stat label="Utilization" value={pct(c.current.utilization)} hint={v.billed ? 'used ÷ committed' : 'no bill in this window'} />
          <Stat
            label="Coverage"
            value={pct(c.current.coverage)}
            hint={v.billed ? 'covered ÷ eligible on-demand-equivalent spend' : 'no bill in this window'}
          />
          <Stat
            label="Effective savings rate"
            value={pct(c.current.esr)}
            hint={v.billed ? '1 − amortized ÷ on-demand equivalent' : 'no bill in this window'}
          />
          <Stat label="Lock-in" value={c.current.lockInMonths.toFixed(1) + ' months'} hint="commitment-weighted remaining term" />
        </div>
      )}
      {(c.kpis ?? []).length > 0 ? (
        <Card title="Utilization, coverage and ESR over time">
          <Chart option={v.kpiChart} label="Commitment KPIs over time" table={seriesTable(v.kpiChart, 'Day (UTC)', (x) => pct(x))} />
        </Card>
      ) : (
        <Empty title="No commitment history yet">
          <p>KPIs appear once billing with Savings Plan or Reserved Instance lines is ingested.</p>
        </Empty>
      )}
      <Card title="Expiry ladder">
        {v.lad.length === 0 ? (
          <p class="hint">No active commitments.</p>
        ) : (
          <>
            <Chart
              option={v.ladderChart}
              height={220}
              label="Hourly commitment expiring per month"
              table={seriesTable(v.ladderChart, 'Month', (x) => money(x, v.cur) + '/h')}
            />
            <table class="grid" aria-label="Commitments">
              <thead>
                <tr>
                  <th>Commitment</th>
                  <th>Kind</th>
                  <th>Term</th>
                  <th>Ends</th>
                  <th class="num">Hourly</th>
                </tr>
              </thead>
              <tbody>
                {c.commitments.map((x) => (
                  <tr key={x.id}>
                    <td>
                      <code>{x.id}</code>
                    </td>
                    <td>
                      {x.kind}
                      {x.inferred && (
                        <span class="hint" title={x.inferred}>
                          {' '}
                          (inferred)
                        </span>
                      )}
                    </td>
                    <td>{x.termMonths} months</td>
                    <td>{day(x.end)}</td>
                    <td class="num">{money(hourly(x)?.amount, hourly(x)?.currency || v.cur, 3)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </Card>
      <Card title="Recommendations">
        {(c.recommendations ?? []).length === 0 ? (
          <p class="hint">No purchase recommended now.</p>
        ) : (
          <table class="grid" aria-label="Commitment recommendations">
            <thead>
              <tr>
                <th>Buy</th>
                <th>Pool</th>
                <th>Term</th>
                <th class="num">Hourly commitment</th>
                <th class="num">Savings / month P10</th>
                <th class="num">P50</th>
                <th class="num">P90</th>
                <th>Why</th>
              </tr>
            </thead>
            <tbody>
              {c.recommendations.map((r) => {
                const rc = recCurrency(r, v.cur)
                const narrow = narrowRange(r)
                return (
                  <tr key={String(r.id)} data-linked={r.target === s.id || undefined} class={r.target === s.id ? 'selected' : ''}>
                    <td>{r.kind}</td>
                    <td>
                      <code>{r.target}</code>
                    </td>
                    <td>
                      {r.termMonths} months, {r.paymentOption}
                    </td>
                    <td class="num">{money(r.hourlyCommitment.amount, rc, 3)}/h</td>
                    <td class="num">{money(r.monthlySavings.p10, rc)}</td>
                    <td class="num">
                      <b>{money(r.monthlySavings.p50, rc)}</b>
                    </td>
                    <td class="num">{money(r.monthlySavings.p90, rc)}</td>
                    <td>
                      {r.explanation}
                      {narrow && (
                        <p class="hint" data-hint="narrow-range">
                          {narrow}
                        </p>
                      )}
                    </td>
                  </tr>
                )
              })}
            </tbody>
          </table>
        )}
      </Card>
    </div>
  )
}
