import type { ComponentChildren } from 'preact'
import { useMemo } from 'preact/hooks'
import { apartNote, apartRows, costSeries, countedRows, totalsLabel } from '../allocations'
import type { Allocations, DataStatus, Group, Me, ProfiledWorkloads } from '../api'
import { Chart, axisTooltip, moneyAxis, palette, seriesTable, type Option } from '../charts'
import { Card, DataNotices, ErrorState, EstimateFootnote, EstimateMark, Loading, NoCosts, SortTable, WindowOptions, type Column, useApi } from '../components'
import { day, lastDay, money, num, pct, sumDecimals } from '../format'
import { Link, useQueryState } from '../router'

/** Where a click on a row leads: the next finer dimension. */
const drill: Record<string, string> = {
  cluster: 'namespace',
  namespace: 'controller',
  controller: 'pod',
  pod: 'container',
  team: 'namespace',
  department: 'namespace',
  environment: 'namespace',
  owner: 'namespace',
  product: 'namespace',
}
const dimLabels: Record<string, string> = {
  cluster: 'Cluster',
  namespace: 'Namespace',
  controller: 'Workload',
  pod: 'Pod',
  container: 'Container',
  label: 'Label',
  // OpenCost's alias fields: the labels tally serve --team-label etc. name.
  team: 'Team',
  department: 'Department',
  environment: 'Environment',
  owner: 'Owner',
  product: 'Product',
}

/** Quotes a filter value in OpenCost's filter syntax. */
export function quote(v: string): string {
  return '"' + v.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"'
}

/** A clause of a filter: its dimension and values as the server reads them, and its text as written. */
export interface Clause {
  /** "cluster", "namespace", …, "label[team]"; "" when the clause cannot be read. */
  dim: string
  values: string[]
  text: string
}

/**
 * Splits a filter into its clauses the way the server does
 * (attribution.ParseFilter): at each "+" outside quotes and parentheses;
 * each clause a dimension, a colon (the first outside brackets) and values,
 * quoted or bare, separated by commas; "label:team:payments" is label[team]
 * = payments. A filter whose clauses are joined by "|" is one clause, in
 * parentheses (a drill-down is added to all of it), as is a clause in
 * parentheses. Each clause keeps its text, so a filter rebuilt from some of
 * them (the breadcrumbs) says exactly what the user wrote, whatever the
 * page could read.
 */
export function clauses(filter: string): Clause[] {
  const out: Clause[] = []
  let start = 0
  let inQuote = false
  let depth = 0
  let or = false
  for (let i = 0; i <= filter.length; i++) {
    const c = filter[i]
    if (i === filter.length || (c === '+' && !inQuote && depth === 0)) {
      const text = filter.slice(start, i).trim()
      if (text) out.push(parseClause(text))
      start = i + 1
    } else if (c === '\\' && inQuote) i++
    else if (c === '"') inQuote = !inQuote
    else if (inQuote) continue
    else if (c === '(') depth++
    else if (c === ')') depth--
    else if (c === '|' && depth === 0) or = true
  }
  if (or) {
    const text = filter.trim()
    return [{ dim: '', values: [text], text: '(' + text + ')' }]
  }
  return out
}

function parseClause(text: string): Clause {
  if (text.startsWith('(')) return { dim: '', values: [text], text }
  let depth = 0
  let colon = -1
  for (let i = 0; i < text.length && colon < 0; i++) {
    if (text[i] === '[') depth++
    else if (text[i] === ']') depth--
    else if (text[i] === ':' && depth === 0) colon = i
  }
  if (colon <= 0) return { dim: '', values: [text], text }
  let dim = text.slice(0, colon).trim()
  let rest = text.slice(colon + 1)
  if ((dim === 'label' || dim === 'annotation') && !rest.trimStart().startsWith('"')) {
    const k = rest.indexOf(':')
    if (k >= 0) {
      dim = `${dim}[${rest.slice(0, k)}]`
      rest = rest.slice(k + 1)
    }
  }
  const values = parseValues(rest)
  return values ? { dim, values, text } : { dim: '', values: [text], text }
}

/** Reads comma-separated values, quoted or bare; null when they are malformed. */
function parseValues(s: string): string[] | null {
  const out: string[] = []
  s = s.trim()
  for (;;) {
    let v = ''
    if (s.startsWith('"')) {
      let i = 1
      for (; i < s.length && s[i] !== '"'; i++) {
        if (s[i] === '\\' && i + 1 < s.length) i++
        v += s[i]
      }
      if (i >= s.length) return null
      s = s.slice(i + 1).trim()
    } else {
      const end = s.indexOf(',')
      v = (end < 0 ? s : s.slice(0, end)).trim()
      s = end < 0 ? '' : s.slice(end)
    }
    if (v === '') return null
    out.push(v)
    if (s === '') return out
    if (s[0] !== ',') return null
    s = s.slice(1).trim()
  }
}

const stepNames: Record<string, string> = { '1h': 'hour', '1d': 'day', '7d': 'week' }
const stepHours: Record<string, number> = { '1h': 1, '1d': 24, '7d': 168 }

/** What a step of the chart is, as its table's first column names it: "Week (UTC)" for 7d. */
export function stepLabel(step: string): string {
  const named: Record<string, string> = { '1h': 'Hour', '1d': 'Day', '7d': 'Week', window: 'Window' }
  const m = /^(\d+)([hd])$/.exec(step)
  const what = named[step] ?? (m ? `${m[1]} ${m[2] === 'h' ? 'hours' : 'days'}` : step)
  return what + ' (UTC)'
}

/**
 * For each step, "" when it is as long as the step asks, else how much of it
 * has costs ("3 of 7 days", "11 of 24 hours"): the window may end inside the
 * last step, and the costs attributed so far (until lastCostedHour, the
 * newest attributed hour with costs: hours are attributed as they pass, also
 * those nothing has arrived for yet) may end inside it.
 */
export function partialSteps(steps: { start: string; end: string }[], step: string, lastCostedHour?: string): string[] {
  const hours = stepHours[step]
  if (!hours) return steps.map(() => '')
  const dataEnd = lastCostedHour ? Date.parse(lastCostedHour) + 3600e3 : Infinity
  return steps.map((st) => {
    const h = Math.max(0, Math.min(Date.parse(st.end), dataEnd) - Date.parse(st.start)) / 3600e3
    if (h >= hours) return ''
    if (hours >= 48 && h % 24 === 0) return `${h / 24} of ${hours / 24} days`
    return `${Math.round(h)} of ${hours} hours`
  })
}

function isReserved(g: Group) {
  return g.name.startsWith('__') && g.name.endsWith('__')
}

/** A column of the breakdown; amounts, when set, are the decimals its cell adds up. */
type AmountColumn = Column<Group> & { amounts?: (g: Group) => string[] }

const defaults = {
  window: '7d',
  aggregate: 'namespace',
  label: 'team',
  step: '1d',
  filter: '',
  idle: '',
  shared: '',
  basis: 'amortized',
  sort: 'total',
  dir: 'desc',
}

/**
 * The Functions page of a workload's row (key namespace/workload) or a
 * container's (namespace/workload/container) over window, when the
 * workload has CPU profiles in it (profiled holds namespace/workload);
 * null otherwise.
 */
export function functionsLink(aggregate: string, key: string, window: string, profiled: Set<string>): string | null {
  const parts = key.split('/')
  const want = aggregate === 'controller' ? 2 : aggregate === 'container' ? 3 : 0
  if (parts.length !== want || !profiled.has(parts[0] + '/' + parts[1])) return null
  const q = new URLSearchParams({ workload: parts[0] + '/' + parts[1], window })
  if (want === 3) q.set('container', parts[2])
  return '/functions?' + q.toString()
}

export function AllocationsPage(_: { me: Me }) {
  const [q, set] = useQueryState(defaults)
  // "aggregate=label:team", as the API writes it (the weekly report's links), is label team.
  const read = q.aggregate.startsWith('label:') ? { ...q, aggregate: 'label', label: q.aggregate.slice('label:'.length) } : q
  // An aggregation the controls do not offer (a mistyped link) is the default's, and said to be.
  const unknownAggregate = read.aggregate in dimLabels ? '' : read.aggregate
  const s = unknownAggregate ? { ...read, aggregate: defaults.aggregate } : read
  const agg = s.aggregate === 'label' ? 'label:' + s.label : s.aggregate
  const params = new URLSearchParams({ window: s.window, aggregate: agg, step: s.step })
  if (s.filter) params.set('filter', s.filter)
  if (s.idle) params.set('idle', s.idle)
  if (s.shared) params.set('shared', s.shared)
  if (s.basis !== 'amortized') params.set('basis', s.basis)
  const path = '/api/v1/allocations?' + params.toString()
  const data = useApi<Allocations>(path)
  const status = useApi<DataStatus>('/api/v1/status')
  // Workloads with CPU profiles: their rows, and their containers', link to their functions.
  const byWorkload = s.aggregate === 'controller' || s.aggregate === 'container'
  const profiledWorkloads = useApi<ProfiledWorkloads>(byWorkload ? `/api/v1/functions/workloads?window=${encodeURIComponent(s.window)}` : null)
  const profiled = useMemo(
    () => new Set((profiledWorkloads.data?.workloads ?? []).map((w) => w.namespace + '/' + w.workload)),
    [profiledWorkloads.data],
  )
  const cur = data.data?.currency || 'USD'
  // A drill-down's total leaves out its __idle__ and __shared__ rows (apartRows), and says so.
  const groups = data.data?.groups ?? []
  const apart = apartRows(groups, s.filter)
  const total = sumDecimals(countedRows(groups, s.filter).map((g) => g.total.totalCost))
  const apartText = apartNote(apart, cur)
  const cls = clauses(s.filter)

  // Steps after the last one with any cost are the bill not arrived yet (it
  // comes a day or two late): the chart leaves them out rather than draw a
  // fall to zero, and says so.
  const billed = useMemo(() => {
    const a = data.data
    const steps = a?.groups.find((g) => g.steps?.length)?.steps ?? []
    let n = steps.length
    while (n > 1 && a!.groups.every((g) => num(g.steps?.[n - 1]?.totalCost) === 0)) n--
    // One step (the whole window: a month runs to its end) with costs
    // only so far ends at the last hour with costs.
    const last = status.data?.lastCostedHour
    const cut = s.step === 'window' && steps.length === 1 && last && Date.parse(last) + 3600e3 < Date.parse(steps[0].end) ? last : ''
    return { steps: n, until: n < steps.length ? steps[n - 1].start : cut }
  }, [data.data, s.step, status.data])

  // A step shorter than the others (the window ends inside it, or the costs
  // attributed so far do) holds less cost: its label says how much of it
  // there is, so it does not read as a fall in cost.
  const partial = useMemo(() => {
    const a = data.data
    const steps = (a?.groups.find((g) => g.steps?.length)?.steps ?? []).slice(0, billed.steps)
    return partialSteps(steps, s.step, status.data?.lastCostedHour)
  }, [data.data, billed, s.step, status.data])

  const chart = useMemo((): Option | null => {
    const a = data.data
    if (!a || a.groups.length === 0) return null
    const steps = (a.groups.find((g) => g.steps?.length)?.steps ?? []).slice(0, billed.steps)
    const x = steps.map(
      (st, i) =>
        (s.step === 'window'
          ? `${day(st.start)} to ${billed.until ? day(billed.until) : lastDay(st.end)}` // the whole window is one step: its days with costs
          : s.step.endsWith('h')
            ? st.start.slice(0, 13).replace('T', ' ') + 'h'
            : day(st.start)) + (partial[i] ? ` (${partial[i]})` : ''),
    )
    // One step (the whole window, or a window of one step) is no line: a
    // stacked area of one point draws nothing, so it is a stacked bar.
    const type = x.length === 1 ? 'bar' : 'line'
    const series = costSeries(a.groups, apart, x.length, type)
    return {
      color: palette,
      grid: { left: 60, right: 20, top: 50, bottom: 30 },
      legend: { top: 0, type: 'scroll' },
      tooltip: { trigger: 'axis', formatter: axisTooltip((v) => money(v, cur)) },
      xAxis: { type: 'category', data: x, boundaryGap: type === 'bar', name: 'UTC', nameGap: 8, nameTextStyle: { color: '#57606a' } },
      yAxis: moneyAxis(cur),
      series,
    }
  }, [data.data, billed, s.step, s.filter, partial])
  const lastPartial = partial.length ? partial[partial.length - 1] : ''

  /** A column of a sum of each row's amounts, which the totals row adds up. */
  function amountColumn(key: string, label: string, amounts: (g: Group) => string[]): AmountColumn {
    return { key, label, numeric: true, amounts, value: (g) => num(sumDecimals(amounts(g))), render: (g) => money(sumDecimals(amounts(g)), cur) }
  }

  /** A row's share of the view's total. */
  const share = (g: Group) => (num(total) ? num(g.total.totalCost) / num(total) : 0)
  const gpu = (data.data?.groups ?? []).some((g) => num(g.total.gpuCost) !== 0)
  const columns: AmountColumn[] = [
    {
      key: 'name',
      label: dimLabels[s.aggregate] ?? 'Name',
      value: (g) => g.name,
      render: (g) => {
        if (isReserved(g)) return <span class="reserved">{g.name}</span>
        const fns = functionsLink(s.aggregate, g.keys[0] ?? '', s.window, profiled)
        return (
          <>
            {drill[s.aggregate] ? (
              <button class="link drill" data-drill={g.keys[0]} onClick={() => down(g)}>
                {g.name || '(none)'}
              </button>
            ) : (
              <span>{g.name || '(none)'}</span>
            )}
            {fns && (
              <Link class="functions-link" href={fns} data-functions={g.keys[0]} title={`The functions that burn ${g.name}'s CPU`}>
                functions ›
              </Link>
            )}
          </>
        )
      },
    },
    amountColumn('cpu', 'CPU', (g) => [g.total.cpuCost]),
    amountColumn('ram', 'RAM', (g) => [g.total.ramCost]),
    amountColumn('pv', 'Volumes', (g) => [g.total.pvCost]),
    amountColumn('network', 'Network', (g) => [g.total.networkCost, g.total.loadBalancerCost]),
    amountColumn('shared', 'Shared', (g) => [g.total.sharedCost]),
    // GPU cost has a column of its own when any row has some; Other is the rest.
    ...(gpu ? [amountColumn('gpu', 'GPU', (g) => [g.total.gpuCost])] : []),
    amountColumn('other', 'Other', (g) => [g.total.otherCost, g.total.externalCost]),
    {
      ...amountColumn('total', 'Total', (g) => [g.total.totalCost]),
      render: (g) => (
        <>
          <b>{money(g.total.totalCost, cur)}</b>
          <EstimateMark estimated={g.total.estimated} />
        </>
      ),
    },
    {
      key: 'share',
      label: 'Share',
      numeric: true,
      value: (g) => share(g),
      render: (g) => (apart.includes(g) ? '–' : pct(share(g))),
    },
    {
      key: 'efficiency',
      label: 'Efficiency',
      numeric: true,
      value: (g) => g.total.efficiency,
      render: (g) => (isReserved(g) || !(num(g.total.cpuCost) + num(g.total.ramCost)) ? '–' : pct(g.total.efficiency, 0)),
    },
  ]

  /**
   * The totals of the rows in the view's total (those shown but apart
   * named), each amount column's summed exactly (the API's decimals, not
   * floats); the amount itself in data-amount.
   */
  function totalsRow(groups: Group[]): Record<string, ComponentChildren> {
    const foot: Record<string, ComponentChildren> = { name: totalsLabel(groups.length, apart) }
    for (const c of columns) {
      if (!c.amounts) continue
      const sum = sumDecimals(groups.flatMap(c.amounts))
      foot[c.key] = (
        <span data-total={c.key} data-amount={sum}>
          {money(sum, cur)}
          {c.key === 'total' && <EstimateMark estimated={groups.some((g) => g.total.estimated)} />}
        </span>
      )
    }
    return foot
  }

  function down(g: Group) {
    const next = drill[s.aggregate]
    if (!next || isReserved(g)) return
    const clause = `${s.aggregate}:${quote(g.keys[0] ?? g.name)}`
    set({ filter: cls.map((c) => c.text).concat(clause).join('+'), aggregate: next }, false, true)
  }

  /** The view a breadcrumb returns to: by the clause's dimension when the page aggregates by it, else as now. */
  function viewBy(dim: string) {
    return dim in dimLabels && dim !== 'label' ? dim : s.aggregate
  }

  function upTo(i: number) {
    const keep = cls.slice(0, i)
    set({ filter: keep.map((c) => c.text).join('+'), aggregate: viewBy(cls[i].dim) }, false, true)
  }

  return (
    <div class="page" data-page="allocations">
      <h1>Allocations</h1>
      <DataNotices status={status.data} />
      <form class="controls" onSubmit={(e) => e.preventDefault()} aria-label="View">
        <label>
          Window
          <select value={s.window} onChange={(e) => set({ window: e.currentTarget.value })}>
            <WindowOptions presets={['today', 'yesterday', '24h', '7d', '14d', '30d', '90d', 'lastweek', 'month', 'lastmonth']} value={s.window} />
          </select>
        </label>
        <label>
          Aggregate by
          <select name="aggregate" value={s.aggregate} onChange={(e) => set({ aggregate: e.currentTarget.value })}>
            {Object.entries(dimLabels).map(([k, v]) => (
              <option key={k} value={k}>
                {v}
              </option>
            ))}
          </select>
        </label>
        {s.aggregate === 'label' && (
          <label>
            Label key
            <input value={s.label} onChange={(e) => set({ aggregate: 'label', label: e.currentTarget.value.trim() || 'team' })} />
          </label>
        )}
        <label>
          Step
          <select value={s.step} onChange={(e) => set({ step: e.currentTarget.value })}>
            <option value="1h">hour</option>
            <option value="1d">day</option>
            <option value="7d">week</option>
            <option value="window">whole window</option>
          </select>
        </label>
        <label>
          Idle
          <select value={s.idle} onChange={(e) => set({ idle: e.currentTarget.value })}>
            <option value="">settings default</option>
            <option value="separate">separate</option>
            <option value="share">share</option>
            <option value="hide">hide</option>
          </select>
        </label>
        <label>
          Shared
          <select value={s.shared} onChange={(e) => set({ shared: e.currentTarget.value })}>
            <option value="">settings default</option>
            <option value="weighted">weighted</option>
            <option value="even">even</option>
            <option value="separate">separate</option>
          </select>
        </label>
        <label>
          Basis
          <select value={s.basis} onChange={(e) => set({ basis: e.currentTarget.value })}>
            <option value="amortized">amortized</option>
            <option value="billed">billed</option>
            <option value="list">list</option>
          </select>
        </label>
        <a class="button" href={path + '&format=csv'} download="tally-allocations.csv" data-action="csv">
          Export CSV
        </a>
      </form>
      {unknownAggregate && (
        <div class="notices">
          <div class="notice" data-notice="unknown-aggregate" role="status">
            <b>The link's aggregation “{unknownAggregate}” is not one this page offers:</b> it shows costs by{' '}
            {dimLabels[defaults.aggregate].toLowerCase()} instead. Choose another in Aggregate by.
          </div>
        </div>
      )}
      <nav class="crumbs" aria-label="Drill-down">
        <button class="link" onClick={() => set({ filter: '', aggregate: cls.length ? viewBy(cls[0].dim) : s.aggregate }, false, true)}>
          All
        </button>
        {cls.map((c, i) => (
          <span key={i}>
            {' › '}
            <button class="link" onClick={() => upTo(i + 1 < cls.length ? i + 1 : i)} data-crumb={c.dim}>
              {c.dim ? `${dimLabels[c.dim.replace(/\[.*$/, '')] ?? c.dim}: ${c.values.join(', ')}` : c.text}
            </button>
          </span>
        ))}
      </nav>
      {data.loading && !data.data && <Loading what="allocations" />}
      {data.error && <ErrorState error={data.error} retry={data.reload} what="allocations" />}
      {data.data && data.data.groups.length === 0 && (
        <NoCosts title="No allocations in this view" window={data.data.window} status={status.data} show={(window) => set({ window })}>
          <p>
            Widen the window or remove a filter.
            {!status.data?.lastCostedHour && ' New installations: costs appear after the first bill is ingested and attributed.'}
          </p>
        </NoCosts>
      )}
      {data.data && data.data.groups.length > 0 && (
        <>
          <Card
            title={`Cost over time (UTC) by ${(dimLabels[s.aggregate] ?? s.aggregate).toLowerCase()} — total ${money(total, cur)}`}
            estimated={data.data.groups.some((g) => g.total.estimated)}
          >
            {chart && (
              <Chart
                option={chart}
                label="Stacked cost over time, in UTC days and hours"
                table={seriesTable(chart, stepLabel(s.step), (v) => money(v, cur))}
              />
            )}
            {apartText && (
              <p class="hint" data-hint="idle-apart">
                {apartText}
              </p>
            )}
            {billed.until && (
              <p class="hint" data-hint="billed-until">
                No cost after {s.step.endsWith('h') ? billed.until.slice(0, 13).replace('T', ' ') + 'h' : day(billed.until)} yet: bills arrive a day or
                two late.
              </p>
            )}
            {lastPartial && (
              <p class="hint" data-hint="partial-step">
                The last {stepNames[s.step]} has {lastPartial} of cost in this view: it is lower for that, not because costs fell.
              </p>
            )}
          </Card>
          <Card title="Breakdown">
            <SortTable
              label="Allocations"
              rows={data.data.groups}
              columns={columns}
              sort={s.sort}
              dir={s.dir}
              onSort={(sort, dir) => set({ sort, dir }, true)}
              rowKey={(g) => g.name}
              foot={totalsRow(countedRows(data.data.groups, s.filter))}
            />
            <EstimateFootnote shown={data.data.groups.some((g) => g.total.estimated)} />
          </Card>
        </>
      )}
    </div>
  )
}
