// Shared pieces: data loading with loading/error/empty states, sortable
// tables, and the notices that tell a new installation what to do next.
import type { ComponentChildren } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import { ApiError, api, type DataStatus } from './api'
import { completeDays, day, lastDay } from './format'
import { forPath } from './loaded'
import { sortRows, sortedBy, toCSV, type TableColumn } from './table'

export interface Loaded<T> {
  data?: T
  error?: ApiError
  loading: boolean
  reload: () => void
}

/** Fetches path (skipped when null) and refetches when it changes. */
export function useApi<T>(path: string | null): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: ApiError; loading: boolean; path?: string | null }>({ loading: path !== null })
  const [tick, setTick] = useState(0)
  useEffect(() => {
    if (path === null) {
      setState({ loading: false })
      return
    }
    let live = true
    setState((s) => ({ data: s.path === path ? s.data : undefined, loading: true, path }))
    api.get<T>(path).then(
      (data) => live && setState({ data, loading: false, path }),
      (error) => live && setState({ error: error instanceof ApiError ? error : new ApiError(0, 'error', String(error)), loading: false, path }),
    )
    return () => {
      live = false
    }
  }, [path, tick])
  // The render after path changes comes before the effect above: the old
  // path's data is not shown under the new path's labels.
  return { ...forPath(state, path), reload: () => setTick((t) => t + 1) }
}

export function Loading({ what }: { what: string }) {
  return (
    <div class="state loading" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" /> Loading {what}…
    </div>
  )
}

export function ErrorState({ error, retry, what }: { error: ApiError; retry?: () => void; what: string }) {
  if (error.down) {
    return (
      <div class="state error" role="alert">
        <h3>The Tally API is not answering</h3>
        <p>
          Is <code>tally serve</code> running and reachable? Check its log, then retry.
        </p>
        {error.status !== 0 && <p class="hint">{error.message}</p>}
        {retry && <button onClick={retry}>Retry</button>}
      </div>
    )
  }
  // A 400 is the view asked for (its controls, or the link's parameters):
  // the same request gets the same answer, so there is nothing to retry.
  const refused = error.status === 400
  return (
    <div class="state error" role="alert">
      <h3>Could not load {what}</h3>
      <p>{error.message}</p>
      {refused && (
        <p class="hint" data-hint="bad-request">
          Tally cannot show this view: change the control the message names (or the link's parameter of that name).
        </p>
      )}
      {retry && !refused && <button onClick={retry}>Retry</button>}
    </div>
  )
}

/**
 * Says that a part of a page could not be loaded, and why, where the part
 * would be (the rest of the page shows): state names it for tests.
 */
export function PartError({
  error,
  what,
  state,
  retry,
  children,
}: {
  error: ApiError
  what: string
  state: string
  retry?: () => void
  children?: ComponentChildren
}) {
  return (
    <p class="form-error" role="alert" data-state={state}>
      Could not load {what}: {error.message}
      {children}{' '}
      {retry && (
        <button class="link" onClick={retry}>
          Retry
        </button>
      )}
    </p>
  )
}

/**
 * The empty state of a window with no costs. When the installation has
 * costs, but none in this window (it starts after the newest hour with
 * costs), the bill has not arrived yet: bills come a day or two late. It
 * says so and offers the last window of as many days with costs. Otherwise
 * children say what to do (a new installation's first bill, a filter…).
 */
export function NoCosts({
  title,
  window,
  status,
  show,
  children,
}: {
  title: string
  window?: { start: string; end: string }
  status?: DataStatus
  show: (window: string) => void
  children: ComponentChildren
}) {
  const last = status?.lastCostedHour
  const start = window ? Date.parse(window.start) : NaN
  if (!last || !(start >= Date.parse(last) + 3600e3)) return <Empty title={title}>{children}</Empty>
  const days = Math.max(1, Math.round((Date.parse(window!.end) - start) / 864e5))
  const offer = completeDays(last, days)
  return (
    <div class="state empty" data-state="not-billed-yet">
      <h3>No costs in this window yet</h3>
      <p>
        Bills arrive a day or two late: the costs so far end on {day(last)}, before this window starts.{' '}
        <button class="link" data-action="last-costed-window" onClick={() => show(offer)}>
          Show {windowLabel(offer)}
        </button>
        , the last {days === 1 ? 'day' : `${days} days`} with costs.
      </p>
    </div>
  )
}

/** The API has no such endpoint yet (a capability not deployed on this server). */
export function NotAvailable({ what, children }: { what: string; children?: ComponentChildren }) {
  return (
    <div class="state empty" data-state="not-available">
      <h3>{what} are not available yet</h3>
      {children}
    </div>
  )
}

export function Empty({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="state empty" data-state="empty">
      <h3>{title}</h3>
      {children}
    </div>
  )
}

/**
 * Says a link's recommendation (the weekly report links them) is not among
 * the current ones: recommendations are refreshed daily, and an email is
 * read later.
 */
export function StaleLink({ target }: { target: string }) {
  return (
    <div class="notices">
      <div class="notice" data-notice="stale-link" role="status">
        <b>The linked recommendation is no longer current.</b> Nothing is recommended for <code>{target}</code> now (recommendations are
        refreshed daily); the current ones are below.
      </div>
    </div>
  )
}

/**
 * Tells a new installation what is missing (a bill, an agent, attribution),
 * and any installation how many node-hours are estimated, of the node-hours
 * of the hours that include estimates (one estimated node of 100 is 1%).
 */
export function DataNotices({ status }: { status?: DataStatus }) {
  if (!status) return null
  const notes: ComponentChildren[] = []
  if (status.billingPeriods === 0) {
    notes.push(
      <div class="notice" data-notice="no-billing" key="billing">
        <b>No billing data yet.</b> Ingest your bill, e.g. <code>tally ingest aws-cur s3://bucket/prefix</code>,{' '}
        <code>tally ingest focus PATH</code> or <code>tally ingest gcp-billing PATH</code>. Costs are estimated from list prices
        until it arrives.
      </div>,
    )
  }
  if (status.pods === 0) {
    notes.push(
      <div class="notice" data-notice="no-agent" key="agent">
        <b>No agent has reported yet.</b> Create an agent token in <a href="/settings">Settings</a>, then install{' '}
        <code>tally-agent</code> on every node (<code>kubectl apply -f deploy/agent.yaml</code> with the token in its Secret).
      </div>,
    )
  }
  if (status.billingPeriods > 0 && status.pods > 0 && status.attributedHours === 0) {
    notes.push(
      <div class="notice" data-notice="no-attribution" key="attr">
        <b>Costs have not been attributed yet.</b> <code>tally serve</code> does it hourly; run <code>tally attribute</code> to do it now.
      </div>,
    )
  }
  const unbilled = status.clustersWithoutBillingAccount ?? []
  if (unbilled.length > 0) {
    const one = unbilled.length === 1
    const [its, it] = one ? ['its', 'it'] : ['their', 'them']
    notes.push(
      <div class="notice" data-notice="no-account" key="account">
        <b>{one ? `Cluster ${unbilled[0]} has` : `Clusters ${unbilled.join(', ')} have`} no billing account:</b> the hours{' '}
        {its} bill does not cover yet are not estimated, and cost nothing until it lands. The first bill of {its} nodes gives{' '}
        {it} one; to set it now, run <code>tally cluster set CLUSTER --billing-account ID</code>.
      </div>,
    )
  }
  if (status.estimatedHours > 0) {
    const h = status.estimatedHours
    const est = status.estimatedNodeHours ?? 0
    const of = status.estimatedHoursNodeHours ?? 0
    const hours = `${h.toLocaleString('en-US')} ${h === 1 ? 'hour' : 'hours'}`
    notes.push(
      <div class="notice" data-notice="estimated" key="estimated">
        <b>
          {of > 0
            ? `${nodeHours(est)} ${est === 1 ? 'is' : 'are'} estimated, ${shareOf(est, of)} of the ${nodeHours(of)} of the ${hours} that include estimates:`
            : `Costs of ${hours} include estimates:`}
        </b>{' '}
        {estimateNote}. Totals that include them are marked {estimateMark}.
      </div>,
    )
  }
  return notes.length ? <div class="notices">{notes}</div> : null
}

function nodeHours(n: number): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? 'node-hour' : 'node-hours'}`
}

/** n of total as a percentage, never rounded to 0% or 100% when it is neither. */
function shareOf(n: number, total: number): string {
  const p = (100 * n) / total
  if (n > 0 && p < 1) return 'under 1%'
  if (n < total && p > 99) return 'over 99%'
  return `${Math.round(p)}%`
}

/**
 * The mark of a cost that includes estimates, and what it means: the
 * wording of `tally costs`, which marks its totals the same way.
 */
export const estimateMark = '*'
export const estimateNote =
  'node-hours the bill does not cover yet, priced from the catalog (tally pricing sync); replaced when the bill lands'

/** Marks a cost that includes estimates, with what they are as its title. */
export function EstimateMark({ estimated }: { estimated: boolean }) {
  if (!estimated) return null
  return (
    <abbr class="estimate" data-estimated title={'includes estimates: ' + estimateNote}>
      {estimateMark}
    </abbr>
  )
}

/** The footnote of the marks of costs that include estimates, when shown is set. */
export function EstimateFootnote({ shown }: { shown: boolean }) {
  if (!shown) return null
  return (
    <p class="hint" data-hint="estimated">
      {estimateMark} includes estimates: {estimateNote}.
    </p>
  )
}

/** A column of a table, and how its cells are shown (render; else value). */
export interface Column<T> extends TableColumn<T> {
  render?: (row: T) => ComponentChildren
}

/**
 * The header row of a sortable table: each column's label a button that
 * sorts by it (descending first, then ascending), its th's aria-sort saying
 * which is sorted, and how.
 */
export function SortHeader<T>({ columns, sort, dir, onSort }: { columns: TableColumn<T>[]; sort: string; dir: string; onSort: (key: string, dir: string) => void }) {
  const key = sortedBy(columns, sort)
  return (
    <tr>
      {columns.map((c) =>
        c.unsorted ? (
          <th key={c.key}>{c.label}</th>
        ) : (
          <th key={c.key} class={c.numeric ? 'num' : ''} aria-sort={c.key === key ? (dir === 'asc' ? 'ascending' : 'descending') : 'none'}>
            <button class="sort" onClick={() => onSort(c.key, c.key === key && dir === 'desc' ? 'asc' : 'desc')}>
              {c.label}
              {c.key === key ? (dir === 'asc' ? ' ▲' : ' ▼') : ''}
            </button>
          </th>
        ),
      )}
    </tr>
  )
}

/** A button that downloads rows as the CSV file named file, with the columns' csv fields (toCSV). */
export function CsvDownload<T>({ columns, rows, file, what }: { columns: TableColumn<T>[]; rows: T[]; file: string; what: string }) {
  const download = () => {
    const url = URL.createObjectURL(new Blob([toCSV(columns, rows)], { type: 'text/csv;charset=utf-8' }))
    const a = document.createElement('a')
    a.href = url
    a.download = file
    a.click()
    setTimeout(() => URL.revokeObjectURL(url), 0)
  }
  return (
    <button class="button csv" data-csv={file} onClick={download}>
      Download {what} as CSV
    </button>
  )
}

export function SortTable<T>({
  rows,
  columns,
  sort,
  dir,
  onSort,
  onRow,
  rowKey,
  label,
  foot,
  linked,
  csv,
}: {
  rows: T[]
  columns: Column<T>[]
  sort: string
  dir: string
  onSort: (key: string, dir: string) => void
  onRow?: (row: T) => void
  rowKey: (row: T) => string
  label: string
  /** A last row that stays last (totals), its cells by column key. */
  foot?: Partial<Record<string, ComponentChildren>>
  /** Whether a row is the one a link points at: selected, and marked data-linked. */
  linked?: (row: T) => boolean
  /** When set, a button below the table downloads its rows, in its order, as the CSV file named file (CsvDownload). */
  csv?: { file: string; what: string }
}) {
  const sorted = sortRows(rows, columns, sort, dir)
  return (
    <>
      <table class="grid" aria-label={label}>
        <thead>
          <SortHeader columns={columns} sort={sort} dir={dir} onSort={onSort} />
        </thead>
        <tbody>
          {sorted.map((r) => (
            <tr
              key={rowKey(r)}
              class={[onRow && 'clickable', linked?.(r) && 'selected'].filter(Boolean).join(' ')}
              data-linked={linked?.(r) || undefined}
              onClick={onRow ? () => onRow(r) : undefined}
              tabIndex={onRow ? 0 : undefined}
              onKeyDown={
                onRow
                  ? (e: KeyboardEvent) => {
                      if (e.key === 'Enter' || e.key === ' ') {
                        e.preventDefault()
                        onRow(r)
                      }
                    }
                  : undefined
              }
            >
              {columns.map((c) => (
                <td key={c.key} class={c.numeric ? 'num' : ''}>
                  {c.render ? c.render(r) : c.value(r)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
        {foot && (
          <tfoot>
            <tr>
              {columns.map((c) => (
                <td key={c.key} class={c.numeric ? 'num' : ''}>
                  {foot[c.key]}
                </td>
              ))}
            </tr>
          </tfoot>
        )}
      </table>
      {csv && <CsvDownload columns={columns} rows={sorted} file={csv.file} what={csv.what} />}
    </>
  )
}

/** A titled card; estimated marks its title's cost as including estimates. */
export function Card({ title, children, id, estimated }: { title: string; children: ComponentChildren; id?: string; estimated?: boolean }) {
  return (
    <section class="card" id={id} aria-label={title}>
      <h2>
        {title}
        <EstimateMark estimated={!!estimated} />
      </h2>
      {children}
    </section>
  )
}

export function Stat({ label, value, hint }: { label: string; value: ComponentChildren; hint?: ComponentChildren }) {
  return (
    <div class="stat">
      <div class="stat-label">{label}</div>
      <div class="stat-value">{value}</div>
      {hint && <div class="stat-hint">{hint}</div>}
    </div>
  )
}

/**
 * The options of a window picker: the presets, and the window of the URL
 * when it is none of them (a link's "START,END", shown as its days), so the
 * picker shows the window the page shows.
 */
export function WindowOptions({ presets, value }: { presets: string[]; value: string }) {
  return (
    <>
      {!presets.includes(value) && <option value={value}>{windowLabel(value)}</option>}
      {presets.map((w) => (
        <option key={w}>{w}</option>
      ))}
    </>
  )
}

/** "2026-11-09 to 2026-11-15" for a window "START,END" (RFC 3339 or Unix seconds); other values as they are. */
export function windowLabel(w: string): string {
  const parts = w.split(',')
  if (parts.length !== 2) return w
  const t = parts.map((p) => (/^\d+$/.test(p.trim()) ? Number(p) * 1000 : Date.parse(p)))
  if (t.some((x) => !isFinite(x))) return w
  const [a, b] = t.map((x) => new Date(x).toISOString())
  return `${day(a)} to ${lastDay(b)}`
}
