import { useEffect, useMemo } from 'preact/hooks'
import type { BillingAccount, Commitment, CommitmentRecommendation, Commitments, Me, Money } from '../api'
import { Chart, axisTooltip, moneyAxis, seriesTable, type Option } from '../charts'
import {
  Card,
  type Column,
  Empty,
  ErrorState,
  Loading,
  NotAvailable,
  PartError,
  SortTable,
  Stat,
  StaleLink,
  WindowOptions,
  useApi,
  windowLabel,
} from '../components'
import { day, lastDay, money, num, pct } from '../format'
import { useQueryState } from '../router'
import { endLabel, kpiChart, pickOneAccount } from '../commitments'
import { moneyUnit } from '../table'

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

/**
 * Says that all accounts together cannot be shown (said: pickOneAccount's
 * words), with a button that takes the keyboard to the account picker and
 * opens it.
 */
function PickOneAccount({ said }: { said: string }) {
  const choose = () => {
    const select = document.querySelector<HTMLSelectElement>('[data-page=commitments] select[name=account]')
    select?.focus()
    try {
      select?.showPicker()
    } catch {
      // A browser that cannot open it from here: the picker has the focus.
    }
  }
  return (
    <div class="state error" role="alert" data-state="pick-account">
      <h3>All accounts cannot be added up</h3>
      <p>{said}</p>
      <button onClick={choose}>Choose an account</button>
    </div>
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

/** The commitments table's columns; the CSV's amounts are an hour's, in the commitment's currency. */
function commitmentColumns(rows: Commitment[], cur: string): Column<Commitment>[] {
  const currency = (x: Commitment) => hourly(x)?.currency || cur
  return [
    {
      key: 'id',
      label: 'Commitment',
      value: (x) => x.id,
      render: (x) => <code>{x.id}</code>,
      csv: [
        { label: 'Commitment', value: (x) => x.id },
        { label: 'Billing account', value: (x) => x.billingAccountId },
      ],
    },
    {
      key: 'kind',
      label: 'Kind',
      value: (x) => x.kind,
      render: (x) => (
        <>
          {x.kind}
          {x.inferred && (
            <span class="hint" title={x.inferred}>
              {' '}
              (inferred)
            </span>
          )}
        </>
      ),
      csv: [
        { label: 'Kind', value: (x) => x.kind },
        { label: 'Inferred', value: (x) => x.inferred ?? '' },
      ],
    },
    {
      key: 'term',
      label: 'Term',
      value: (x) => x.termMonths,
      render: (x) => `${x.termMonths} months`,
      csv: [
        { label: 'Term (months)', value: (x) => x.termMonths },
        { label: 'Payment option', value: (x) => x.paymentOption },
      ],
    },
    {
      key: 'end',
      label: 'Ends',
      value: (x) => x.end,
      render: (x) => {
        const l = endLabel(x)
        return l.title ? <span title={l.title}>{l.text}</span> : l.text
      },
      csv: [
        { label: 'Starts (UTC day)', value: (x) => day(x.start) },
        { label: 'Ends (UTC day)', value: (x) => day(x.end) },
        { label: 'Start estimated', value: (x) => (x.startEstimated ? 'yes' : 'no') },
      ],
    },
    {
      key: 'hourly',
      label: 'Hourly',
      numeric: true,
      value: (x) => num(hourly(x)?.amount),
      render: (x) => money(hourly(x)?.amount, currency(x), 3),
      csv: [
        { label: `Hourly cost (${moneyUnit(rows.map(currency), 'per hour')})`, value: (x) => hourly(x)?.amount ?? '' },
        { label: 'Currency', value: currency },
      ],
    },
  ]
}

/** The recommendations table's columns: the commitment an hour, its savings a month (P10, P50, P90), in its own currency. */
function recommendationColumns(rows: CommitmentRecommendation[], cur: string): Column<CommitmentRecommendation>[] {
  const currency = (r: CommitmentRecommendation) => recCurrency(r, cur)
  const perMonth = moneyUnit(rows.map(currency), 'per month')
  const savings = (p: 'p10' | 'p50' | 'p90', label: string): Column<CommitmentRecommendation> => ({
    key: p,
    label,
    numeric: true,
    value: (r) => num(r.monthlySavings[p]),
    render: (r) => (p === 'p50' ? <b>{money(r.monthlySavings[p], currency(r))}</b> : money(r.monthlySavings[p], currency(r))),
    csv: [{ label: `Savings ${p.toUpperCase()} (${perMonth})`, value: (r) => r.monthlySavings[p] }],
  })
  return [
    { key: 'kind', label: 'Buy', value: (r) => r.kind, csv: [{ label: 'Buy', value: (r) => r.kind }] },
    {
      key: 'pool',
      label: 'Pool',
      value: (r) => r.target,
      render: (r) => <code>{r.target}</code>,
      csv: [{ label: 'Pool (account/provider/kind/region/family)', value: (r) => r.target }],
    },
    {
      key: 'term',
      label: 'Term',
      value: (r) => r.termMonths,
      render: (r) => `${r.termMonths} months, ${r.paymentOption}`,
      csv: [
        { label: 'Term (months)', value: (r) => r.termMonths },
        { label: 'Payment option', value: (r) => r.paymentOption },
      ],
    },
    {
      key: 'hourly',
      label: 'Hourly commitment',
      numeric: true,
      value: (r) => num(r.hourlyCommitment.amount),
      render: (r) => `${money(r.hourlyCommitment.amount, currency(r), 3)}/h`,
      csv: [
        { label: `Hourly commitment (${moneyUnit(rows.map(currency), 'per hour')})`, value: (r) => r.hourlyCommitment.amount },
        { label: 'Currency', value: currency },
      ],
    },
    savings('p10', 'Savings / month P10'),
    savings('p50', 'P50'),
    savings('p90', 'P90'),
    {
      key: 'why',
      label: 'Why',
      value: (r) => r.explanation ?? '',
      render: (r) => {
        const narrow = narrowRange(r)
        return (
          <>
            {r.explanation}
            {narrow && (
              <p class="hint" data-hint="narrow-range">
                {narrow}
              </p>
            )}
          </>
        )
      },
      csv: [{ label: 'Why', value: (r) => r.explanation ?? '' }],
    },
  ]
}

export function CommitmentsPage(_: { me: Me }) {
  // ?id= (the weekly report links a recommendation by its target) marks that one.
  const [s, set] = useQueryState({ account: '', id: '', window: '90d', sort: 'p50', dir: 'desc', csort: 'end', cdir: 'asc' })
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
  if (data.error) {
    const pick = pickOneAccount(data.error, s.account, accounts.data?.accounts ?? [])
    return (
      <div class="page" data-page="commitments">
        <h1>Commitments</h1>
        {picker}
        {pick ? <PickOneAccount said={pick} /> : <ErrorState error={data.error} retry={data.reload} what="commitments" />}
      </div>
    )
  }
  const c = data.data!
  const v = view!
  const commitmentCols = commitmentColumns(c.commitments, v.cur)
  const recCols = recommendationColumns(c.recommendations ?? [], v.cur)
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
            <SortTable
              label="Commitments"
              rows={c.commitments}
              columns={commitmentCols}
              sort={s.csort}
              dir={s.cdir}
              onSort={(csort, cdir) => set({ csort, cdir }, true)}
              rowKey={(x) => x.id}
              csv={{ file: 'tally-commitments.csv', what: 'the commitments' }}
            />
          </>
        )}
      </Card>
      <Card title="Recommendations">
        {(c.recommendations ?? []).length === 0 ? (
          <p class="hint">No purchase recommended now.</p>
        ) : (
          <>
            <SortTable
              label="Commitment recommendations"
              rows={c.recommendations}
              columns={recCols}
              sort={s.sort}
              dir={s.dir}
              onSort={(sort, dir) => set({ sort, dir }, true)}
              rowKey={(r) => String(r.id)}
              linked={(r) => r.target === s.id}
              csv={{ file: 'tally-commitment-recommendations.csv', what: 'the recommendations' }}
            />
          </>
        )}
      </Card>
    </div>
  )
}
