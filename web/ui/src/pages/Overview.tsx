import { useMemo } from 'preact/hooks'
import type { Allocations, DataStatus, Forecast, Me } from '../api'
import { Chart, axisTooltip, moneyAxis, palette, type ChartTable, type Option } from '../charts'
import { Card, DataNotices, Empty, ErrorState, EstimateFootnote, EstimateMark, Loading, PartError, Stat, estimateMark, useApi } from '../components'
import { completeDays, day, money, num, pct, signedMoney } from '../format'
import { Link } from '../router'
import { ReconciliationCard } from './Reconciliation'
import { quote } from './Allocations'

const IDLE = '__idle__'
const UNALLOCATED = '__unallocated__'

function dailyTotals(a?: Allocations): number[] {
  if (!a) return []
  const n = Math.max(0, ...a.groups.map((g) => g.steps?.length ?? 0))
  const out = new Array(n).fill(0)
  for (const g of a.groups) g.steps?.forEach((s, i) => (out[i] += num(s.totalCost)))
  return out
}

/** Per step, whether a group's cost in it includes estimates. */
function estimatedSteps(a?: Allocations): boolean[] {
  if (!a) return []
  const n = Math.max(0, ...a.groups.map((g) => g.steps?.length ?? 0))
  const out = new Array(n).fill(false)
  for (const g of a.groups) g.steps?.forEach((s, i) => (out[i] ||= !!s.estimated))
  return out
}

function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0)
}

export interface Mover {
  name: string
  last: number
  prior: number
  delta: number
  /** The last 7 steps include estimates. */
  estimated: boolean
  /** The window of the last 7 steps ("START,END"), which last is of. */
  window: string
}

/** Week-over-week change per group: the last 7 steps against the 7 before. */
export function movers(a: Allocations): Mover[] {
  const out: Mover[] = []
  for (const g of a.groups) {
    const s = (g.steps ?? []).map((x) => num(x.totalCost))
    if (s.length < 14) continue
    const last = sum(s.slice(-7))
    const prior = sum(s.slice(-14, -7))
    const week = (g.steps ?? []).slice(-7)
    const estimated = week.some((x) => x.estimated)
    out.push({ name: g.name, last, prior, delta: last - prior, estimated, window: week[0].start + ',' + week[6].end })
  }
  return out.sort((x, y) => Math.abs(y.delta) - Math.abs(x.delta)).slice(0, 6)
}

/**
 * The Allocations view of the Overview's spend: its days (win) with idle
 * apart, as the Overview counts them, so both show the same total; the
 * Allocations page's "30d" ends now, on days with no cost yet.
 */
function spendLink(win: string): string {
  return '/allocations?' + new URLSearchParams({ window: win, idle: 'separate' }).toString()
}

/** The Allocations view of a mover's workloads, over the days its last 7 days are of. */
function moverLink(m: Mover): string {
  const q = new URLSearchParams({ aggregate: 'controller', filter: 'namespace:' + quote(m.name), window: m.window })
  return '/allocations?' + q.toString()
}

export interface Anomaly {
  name: string
  day: string
  cost: number
  expected: number
  /** The day's cost includes estimates. */
  estimated: boolean
}

/** Days of the last week more than 3 standard deviations above the 14 days before them. */
export function anomalies(a: Allocations): Anomaly[] {
  const out: Anomaly[] = []
  for (const g of a.groups) {
    const steps = g.steps ?? []
    const s = steps.map((x) => num(x.totalCost))
    const first = s.findIndex((x) => x !== 0) // days before the data starts are no history
    if (first < 0) continue
    for (let i = Math.max(first + 7, s.length - 7); i < s.length; i++) {
      const hist = s.slice(Math.max(first, i - 14), i)
      const mean = sum(hist) / hist.length
      const sd = Math.sqrt(sum(hist.map((x) => (x - mean) ** 2)) / hist.length)
      if (s[i] > mean + 3 * Math.max(sd, mean * 0.05) && s[i] - mean > 0.25) {
        out.push({ name: g.name, day: day(steps[i].start), cost: s[i], expected: mean, estimated: !!steps[i].estimated })
      }
    }
  }
  return out.sort((x, y) => y.cost - y.expected - (x.cost - x.expected))
}

/**
 * The charges billed for a month at once that the forecasts fc include,
 * added up: a month's, and those of the month their history ends in not
 * billed yet for its days before them. null when none include any.
 */
export function periodOf(fc: Forecast[]): { perMonth: number; month: string; pending: number } | null {
  let out: { perMonth: number; month: string; pending: number } | null = null
  for (const f of fc) {
    const p = f.params?.periodCharges
    if (!p || p.perMonth === 0) continue
    out ??= { perMonth: 0, month: p.month, pending: 0 }
    out.perMonth += p.perMonth
    if (p.month === out.month) out.pending += p.pending
  }
  return out
}

/** "November" for "2026-11". */
function monthName(ym: string): string {
  const d = new Date(ym + '-01T00:00:00Z')
  return isNaN(d.getTime()) ? ym : d.toLocaleString('en', { month: 'long', timeZone: 'UTC' })
}

/** The billing account a spend forecast is of ("spend/account/<escaped id>"). */
function forecastAccount(f: Forecast): string {
  const id = f.scope.split('/').slice(2).join('/')
  try {
    return decodeURIComponent(id)
  } catch {
    return id
  }
}

export interface OtherCurrency {
  currency: string
  accounts: string[]
  /** The mean daily spend forecast over the next days (days of them). */
  perDay: number
  days: number
}

/**
 * Splits the accounts' spend forecasts by currency: those of cur (the
 * chart's), to draw, and the others, which cannot be added to them. A
 * forecast that does not say its currency is taken to be in cur.
 */
export function byCurrency(fs: Forecast[], cur: string, after: Set<string>): { same: Forecast[]; others: OtherCurrency[] } {
  const same: Forecast[] = []
  const others = new Map<string, Forecast[]>()
  for (const f of fs) {
    const c = f.params?.currency
    if (!c || c === cur) same.push(f)
    else others.set(c, [...(others.get(c) ?? []), f])
  }
  return {
    same,
    others: [...others.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([currency, list]) => {
        let total = 0
        let days = 0
        for (const f of list) {
          const pts = f.points.filter((p) => !after.has(day(p.t))).slice(0, 14)
          total += sum(pts.map((p) => p.mean))
          days = Math.max(days, pts.length)
        }
        return { currency, accounts: list.map(forecastAccount).sort(), perDay: days ? total / days : 0, days }
      }),
  }
}

export function Overview(_: { me: Me }) {
  const status = useApi<DataStatus>('/api/v1/status')
  const win = status.data || status.error ? completeDays(status.data?.lastCostedHour, 30) : null
  const amortized = useApi<Allocations>(win && `/api/v1/allocations?window=${win}&step=1d&aggregate=namespace&idle=separate`)
  const billed = useApi<Allocations>(win && `/api/v1/allocations?window=${win}&step=1d&aggregate=cluster&idle=separate&basis=billed`)
  const forecast = useApi<{ forecasts: Forecast[] }>('/api/v1/forecasts?scope=spend/account/*')

  const view = useMemo(() => {
    const a = amortized.data
    if (!a) return null
    const cur = a.currency || 'USD'
    const total = num(a.totalCost)
    const idle = num(a.groups.find((g) => g.name === IDLE)?.total.totalCost)
    const unalloc = num(a.groups.find((g) => g.name === UNALLOCATED)?.total.totalCost)
    const am = dailyTotals(a)
    const bi = dailyTotals(billed.data)
    // Days whose costs include node-hours priced from the catalog: their
    // numbers and points are marked.
    const amEst = estimatedSteps(a)
    const biEst = estimatedSteps(billed.data)
    const estimated = a.groups.some((g) => g.total.estimated)
    const days = (a.groups.find((g) => g.steps?.length)?.steps ?? []).map((s) => day(s.start))
    // Forecasts are per billing account. Those billed in another currency
    // than the chart's cannot be added to it: they are listed below it.
    // Means add up; 80% bounds do not (the sum of the accounts' 10th
    // percentiles is not the 10th percentile of their total), so with
    // several accounts the band is the accounts' ranges added, and named so.
    const split = byCurrency(
      (forecast.data?.forecasts ?? []).filter((f) => f.granularity === 'day'),
      cur,
      new Set(days),
    )
    const fc = split.same
    const accounts = fc.length
    const bandName = accounts > 1 ? "Accounts' 80% ranges, added" : 'Forecast 80%'
    const fcByDay = new Map<string, { mean: number; lo80: number; hi80: number }>()
    for (const f of fc) {
      for (const p of f.points) {
        const d = day(p.t)
        const acc = fcByDay.get(d) ?? { mean: 0, lo80: 0, hi80: 0 }
        acc.mean += p.mean
        acc.lo80 += p.lo80
        acc.hi80 += p.hi80
        fcByDay.set(d, acc)
      }
    }
    const fDays = [...fcByDay.keys()].filter((d) => !days.includes(d)).sort().slice(0, 14)
    const x = [...days, ...fDays]
    const pad = (xs: number[]) => [...xs, ...fDays.map(() => null)]
    const fcSeries = (k: 'mean' | 'lo80' | 'hi80') => x.map((d) => (fcByDay.has(d) && !days.includes(d) ? fcByDay.get(d)![k] : null))
    const lo = fcSeries('lo80')
    const hi = fcSeries('hi80')
    const option: Option = {
      color: palette,
      grid: { left: 60, right: 20, top: 40, bottom: 40 },
      legend: { top: 0, data: ['Amortized', 'Billed', 'Forecast', bandName] },
      // The band is drawn stacked (its low, then its height); its tooltip
      // shows the range, not the height.
      tooltip: {
        trigger: 'axis',
        formatter: axisTooltip(
          (v) => money(v, cur),
          (name, i) => {
            if (name === bandName && lo[i] !== null && hi[i] !== null) return `${money(lo[i]!, cur)} – ${money(hi[i]!, cur)}`
            if (name === 'Amortized' && amEst[i]) return `${money(am[i], cur)} ${estimateMark}`
            if (name === 'Billed' && biEst[i]) return `${money(bi[i], cur)} ${estimateMark}`
            return undefined
          },
        ),
      },
      xAxis: { type: 'category', data: x, name: 'UTC', nameGap: 8, nameTextStyle: { color: '#57606a' } },
      yAxis: moneyAxis(cur),
      series: [
        {
          name: 'Amortized',
          type: 'line',
          data: pad(am),
          showSymbol: false,
          lineStyle: { width: 2 },
          // The days with estimates: their points, marked.
          markPoint: {
            silent: true,
            symbol: 'circle',
            symbolSize: 6,
            label: { position: 'top', formatter: estimateMark, color: '#57606a', fontSize: 14 },
            data: am.flatMap((v, i) => (amEst[i] ? [{ coord: [days[i], v] }] : [])),
          },
        },
        { name: 'Billed', type: 'line', data: pad(bi), showSymbol: false, lineStyle: { width: 1.5, type: 'dotted' } },
        { name: 'Forecast', type: 'line', data: fcSeries('mean'), showSymbol: false, lineStyle: { type: 'dashed' }, color: '#8250df' },
        { name: 'band-low', type: 'line', data: lo, stack: 'band', showSymbol: false, lineStyle: { opacity: 0 }, tooltip: { show: false } },
        {
          name: bandName,
          type: 'line',
          data: hi.map((h, i) => (h === null || lo[i] === null ? null : h - (lo[i] as number))),
          stack: 'band',
          showSymbol: false,
          lineStyle: { opacity: 0 },
          areaStyle: { color: 'rgba(130,80,223,0.18)' },
          color: 'rgba(130,80,223,0.4)',
        },
      ],
    }
    const mean = fcSeries('mean')
    const cell = (v: number | null | undefined, est = false) => (v === null || v === undefined ? '–' : money(v, cur) + (est ? ' ' + estimateMark : ''))
    const table: ChartTable = {
      head: ['Day (UTC)', 'Amortized', 'Billed', 'Forecast', bandName],
      rows: x.map((d, i) => [
        d,
        cell(i < am.length ? am[i] : null, amEst[i]),
        cell(i < bi.length ? bi[i] : null, biEst[i]),
        cell(mean[i]),
        lo[i] === null || hi[i] === null ? '–' : `${money(lo[i]!, cur)} – ${money(hi[i]!, cur)}`,
      ]),
    }
    return {
      cur,
      estimated,
      total,
      idle,
      unalloc,
      option,
      table,
      movers: movers(a),
      anomalies: anomalies(a),
      hasForecast: fDays.length > 0,
      accounts,
      period: periodOf(fc),
      others: split.others,
    }
  }, [amortized.data, billed.data, forecast.data])

  return (
    <div class="page" data-page="overview">
      <h1>Overview</h1>
      <DataNotices status={status.data} />
      {status.error && (
        <PartError error={status.error} what="what data Tally has (/api/v1/status)" state="status-error" retry={status.reload}>
          . The last 30 days below end now, not at the last day with costs: their last days may show no cost yet, as bills arrive a day or two
          late.
        </PartError>
      )}
      {(!win || (amortized.loading && !amortized.data)) && !amortized.error && <Loading what="spend" />}
      {amortized.error && <ErrorState error={amortized.error} retry={amortized.reload} what="spend" />}
      {view && amortized.data!.groups.length === 0 && (
        <Empty title="No costs in the last 30 days">
          <p>
            Once a bill is ingested and attributed, spend shows here. Try <code>tally ingest focus PATH</code> then <code>tally attribute</code>.
          </p>
        </Empty>
      )}
      {view && amortized.data!.groups.length > 0 && (
        <>
          <div class="stats">
            <Stat
              label="Spend, last 30 days (amortized)"
              value={
                <>
                  {money(view.total, view.cur)}
                  <EstimateMark estimated={view.estimated} />
                </>
              }
              hint={
                <Link href={spendLink(win!)} data-link="spend" title="What these 30 days cost, by namespace, in Allocations">
                  by namespace ›
                </Link>
              }
            />
            <Stat label="Idle share" value={pct(view.total ? view.idle / view.total : 0)} hint="node capacity no container used or requested" />
            <Stat
              label="Unallocated share"
              value={pct(view.total ? view.unalloc / view.total : 0)}
              hint="billed costs no tag or label assigns to an owner"
            />
          </div>
          <EstimateFootnote shown={view.estimated} />
          <Card title="Spend per day (UTC): amortized vs billed, with forecast" estimated={view.estimated}>
            <Chart option={view.option} table={view.table} label="Daily spend per UTC day, amortized and billed, with the forecast band" />
            {view.hasForecast && view.accounts > 1 && (
              <p class="hint" data-state="forecast-band-sum">
                The forecast adds up {view.accounts} billing accounts' forecasts. Its shaded range adds up their 80% ranges, which is not an 80%
                range of their total: that is usually narrower, as accounts seldom all spend high (or low) on the same day.
              </p>
            )}
            {view.hasForecast && view.period && (
              <p class="hint" data-state="forecast-period-charges">
                The forecast includes the charges billed for a month at once (support, tax, reservation fees), about{' '}
                {money(view.period.perMonth, view.cur)} a month, spread over the month's days as the amortized line spreads them.
                {view.period.pending > 0 && (
                  <>
                    {' '}
                    Of {monthName(view.period.month)}'s, {money(view.period.pending, view.cur)} for its days to date is not billed yet: those days
                    show less than they will once the invoice comes.
                  </>
                )}
              </p>
            )}
            {view.others.map((o) => (
              <p class="hint" data-state="forecast-other-currency" key={o.currency}>
                Not in this chart, which is in {view.cur}: the spend forecast of{' '}
                {o.accounts.length === 1 ? 'billing account ' + o.accounts[0] : 'billing accounts ' + o.accounts.join(', ')}, billed in {o.currency}
                {o.days > 0 && (
                  <>
                    , about {money(o.perDay, o.currency)} a day over the next {o.days} days
                  </>
                )}
                .
              </p>
            ))}
            {billed.error && (
              <PartError error={billed.error} what="the billed spend" state="billed-error" retry={billed.reload}>
                ; the Billed column shows – for every day.
              </PartError>
            )}
            {forecast.error && !forecast.error.notAvailable && (
              <PartError error={forecast.error} what="the spend forecast" state="forecast-error" retry={forecast.reload} />
            )}
            {!view.hasForecast && view.others.length === 0 && !(forecast.error && !forecast.error.notAvailable) && !forecast.loading && (
              <p class="hint" data-state="no-forecast">
                No spend forecast yet: <code>tally forecast run</code> makes one for each billing account from its bill, and{' '}
                <code>tally serve</code> runs it every day.
              </p>
            )}
          </Card>
          <div class="two">
            <Card title="Top movers, week over week" id="movers">
              {view.movers.length === 0 ? (
                <p class="hint">Needs 14 days of history.</p>
              ) : (
                <table class="grid" aria-label="Top movers">
                  <thead>
                    <tr>
                      <th>Namespace</th>
                      <th class="num">Last 7 days</th>
                      <th class="num">Change</th>
                    </tr>
                  </thead>
                  <tbody>
                    {view.movers.map((m) => (
                      <tr key={m.name}>
                        <td>
                          {m.name.startsWith('__') ? (
                            <span class="reserved">{m.name}</span>
                          ) : (
                            <Link href={moverLink(m)}>{m.name}</Link>
                          )}
                        </td>
                        <td class="num">
                          {money(m.last, view.cur)}
                          <EstimateMark estimated={m.estimated} />
                        </td>
                        <td class={'num ' + (m.delta > 0 ? 'up' : 'down')}>
                          {signedMoney(m.delta, view.cur)} ({m.prior ? pct(m.delta / m.prior) : m.last ? 'new' : '–'})
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </Card>
            <Card title="Anomalies" id="anomalies">
              {view.anomalies.length === 0 ? (
                <p class="hint">No day in the last week was more than 3σ above its namespace's previous 14 days.</p>
              ) : (
                <ul class="anomalies">
                  {view.anomalies.map((a) => (
                    <li key={a.name + a.day}>
                      <b>{a.name}</b> on {a.day}: {money(a.cost, view.cur)}
                      <EstimateMark estimated={a.estimated} />, expected about {money(a.expected, view.cur)} (
                      {signedMoney(a.cost - a.expected, view.cur)})
                    </li>
                  ))}
                </ul>
              )}
            </Card>
          </div>
        </>
      )}
      {/* Does it add up to the bill: once the status says which months have costs. */}
      {win && <ReconciliationCard lastCostedHour={status.data?.lastCostedHour} />}
    </div>
  )
}
