import type { ComponentChildren } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import type { Me, Money, Recommendation } from '../api'
import { Card, type Column, CsvDownload, Empty, ErrorState, Loading, NotAvailable, SortHeader, SortTable, Stat, StaleLink, useApi } from '../components'
import { money, num, resourcesChange, resourcesChangeText, resourcesSnippet } from '../format'
import { Link, useQueryState } from '../router'
import { moneyUnit, sortRows } from '../table'
import { quote } from './Allocations'

interface Response {
  containers: Recommendation[]
  nodes: Recommendation[]
  /**
   * Per currency: what the recommendations that save save a month, and
   * (containersAdded, nodesAdded; older servers: absent, netted in) what
   * those that cost more add.
   */
  monthlySavings: Record<string, { containers: Money; nodes: Money; containersAdded?: Money; nodesAdded?: Money }>
}

type Total = 'containers' | 'nodes' | 'containersAdded' | 'nodesAdded'

function risk(r: Recommendation): { level: string; text: string } {
  const days = r.risk?.confidenceDays ?? 0
  const notes: string[] = r.risk?.notes ?? []
  const cur = r.current ?? {}
  const rec = r.recommended ?? {}
  const memCut = cur.memoryRequestBytes ? 1 - rec.memoryRequestBytes / cur.memoryRequestBytes : 0
  let level = 'low'
  if (days < 3 || memCut > 0.5 || notes.some((n) => /oom/i.test(n))) level = 'high'
  // A workload an autoscaler seems to scale (no HPA given): its CPU saving is not certain.
  else if (days < 7 || memCut > 0.3 || notes.some((n) => /autoscaler seems to scale/.test(n))) level = 'medium'
  // Rounded down, as the CLI says it: 2.996 days are under 3 and read 2.9, not 3.0.
  const tenths = (v: number) => (Math.floor(v * 10 + 1e-6) / 10).toFixed(1)
  const span = days < 1 ? `${tenths(days * 24)} hours` : `${tenths(days)} days`
  const text = `${span} of history` + (notes.length ? '; ' + notes.join('; ') : '')
  return { level, text }
}

function Snippet({ r }: { r: Recommendation }) {
  const container = r.target.split('/').pop() ?? ''
  const text = resourcesSnippet(container, r.recommended ?? { cpuRequestCores: 0, memoryRequestBytes: 0 })
  const [copied, setCopied] = useState('')
  return (
    <div class="snippet">
      <pre data-snippet={r.target}>{text}</pre>
      <button
        class="copy"
        onClick={async () => {
          try {
            await navigator.clipboard.writeText(text)
            setCopied('Copied')
          } catch {
            setCopied('Select the text and copy it')
          }
        }}
      >
        Copy
      </button>
      {copied && <span class="hint">{copied}</span>}
    </div>
  )
}

/**
 * A link from a container's recommendation (target
 * cluster/namespace/Kind/name/container) to its workload's containers in
 * Allocations, over the last 7 days: what they cost, and from there their
 * functions.
 */
function CostLink({ target }: { target: string }) {
  const parts = target.split('/')
  if (parts.length !== 5) return null
  const [cluster, ns, , name] = parts
  const q = new URLSearchParams({ window: '7d', aggregate: 'container', filter: `cluster:${quote(cluster)}+controller:${quote(ns + '/' + name)}` })
  return (
    <Link class="functions-link" href={'/allocations?' + q.toString()} data-cost={target} title={`What ${ns}/${name}'s containers cost`}>
      cost ›
    </Link>
  )
}

/** Nodes of one type and purchase option, as a node plan's current and recommended documents list them. */
interface NodeCount {
  type: string
  purchase?: string
  count: number
}

/** "4 × m5a.large (spot) + 6 × m5.large (spot)"; "no nodes" for none. */
function nodesText(nodes: NodeCount[] | undefined): string {
  if (!nodes?.length) return 'no nodes'
  return nodes.map((n) => `${n.count} × ${n.type}` + (n.purchase ? ` (${n.purchase})` : '')).join(' + ')
}

/**
 * Whether a node group's plan keeps its nodes as they are (already
 * right-sized): the same nodes, nothing saved or added.
 */
function kept(r: Recommendation): boolean {
  return num(r.monthlySavings.amount) === 0 && nodesText(r.current?.nodes) === nodesText(r.recommended?.nodes)
}

/**
 * A node group's plan as one line, the nodes it runs now → those planned
 * and what each costs a month, with the plan's explanation (its
 * commitments, fees, pods kept apart) behind a disclosure.
 */
function NodePlan({ r }: { r: Recommendation }) {
  const cur = r.current ?? {}
  const rec = r.recommended ?? {}
  // A group whose nodes come and go with its batch pods is priced over its
  // history: its nodes now (none, between batches) and its average.
  const monthly = (m?: Money, average?: number) =>
    m ? ` (${money(m.amount, m.currency)}/mo${average !== undefined ? `, ${average.toFixed(2)} nodes on average` : ''})` : ''
  return (
    <details class="plan" data-plan={r.target}>
      {kept(r) ? (
        <summary>
          {nodesText(cur.nodes)}
          {monthly(cur.monthly, cur.averageNodes)}: already right-sized
        </summary>
      ) : (
        <summary>
          {nodesText(cur.nodes)}
          {monthly(cur.monthly, cur.averageNodes)} → <b>{nodesText(rec.nodes)}</b>
          {monthly(rec.monthly, rec.averageNodes)}
        </summary>
      )}
      <p class="hint">{r.explanation}</p>
    </details>
  )
}

/** How risky a level is, for sorting: high first when descending. */
const riskRank: Record<string, number> = { low: 0, medium: 1, high: 2 }

/** A recommendation's target (linked to its cost), labelled label; in the CSV, csvLabel. */
function targetColumn(label: string, csvLabel: string): Column<Recommendation> {
  return {
    key: 'target',
    label,
    value: (r) => r.target,
    render: (r) => (
      <>
        <code>{r.target}</code>
        <CostLink target={r.target} />
      </>
    ),
    csv: [{ label: csvLabel, value: (r) => r.target }],
  }
}

/** A recommendation's saving a month, rendered by render; the CSV has its amount, in the unit the header names, and its currency. */
function savingsColumn(rows: Recommendation[], render: (r: Recommendation) => ComponentChildren): Column<Recommendation> {
  const unit = moneyUnit(
    rows.map((r) => r.monthlySavings.currency),
    'per month',
  )
  return {
    key: 'savings',
    label: 'Savings / month',
    numeric: true,
    value: (r) => num(r.monthlySavings.amount),
    render,
    csv: [
      { label: `Savings (${unit})`, value: (r) => r.monthlySavings.amount },
      { label: 'Currency', value: (r) => r.monthlySavings.currency },
    ],
  }
}

/**
 * A resource's column (key "cpu", "memory" or "limit", as resourcesChange
 * names it, and its cell's data- attribute): now → recommended, sorted by
 * the amount recommended; the CSV has both sides in unit, the amount
 * (pick) times scale.
 */
function resourceColumn(key: 'cpu' | 'memory' | 'limit', label: string, unit: string, pick: (x: any) => number | undefined, scale = 1): Column<Recommendation> {
  const field = (when: string, side: (r: Recommendation) => any) => ({
    label: `${label} ${when} (${unit})`,
    value: (r: Recommendation) => Math.round((pick(side(r) ?? {}) ?? 0) * scale),
  })
  return {
    key,
    label,
    numeric: true,
    value: (r) => pick(r.recommended ?? {}) ?? 0,
    render: (r) => {
      const pair = resourcesChange(r.current ?? {}, r.recommended ?? {})[key]
      return (
        <span {...{ ['data-' + key]: true }}>
          {pair[0]} → <b>{pair[1]}</b>
        </span>
      )
    },
    csv: [field('now', (r) => r.current), field('recommended', (r) => r.recommended)],
  }
}

/**
 * The container table's columns: what each shows, sorts by (the amount
 * recommended), and writes to CSV (both sides, in millicores and bytes).
 */
function containerColumns(rows: Recommendation[], open: number | null, setOpen: (id: number | null) => void): Column<Recommendation>[] {
  return [
    targetColumn('Container', 'Container (cluster/namespace/kind/workload/container)'),
    savingsColumn(rows, (r) => (
      <span class={num(r.monthlySavings.amount) >= 0 ? 'down' : 'up'}>{money(r.monthlySavings.amount, r.monthlySavings.currency)}</span>
    )),
    resourceColumn('cpu', 'CPU request', 'millicores', (x) => x.cpuRequestCores, 1000),
    resourceColumn('memory', 'Memory request', 'bytes', (x) => x.memoryRequestBytes),
    resourceColumn('limit', 'Memory limit', 'bytes', (x) => x.memoryLimitBytes),
    {
      key: 'risk',
      label: 'Risk',
      value: (r) => riskRank[risk(r).level],
      render: (r) => {
        const k = risk(r)
        return (
          <span class={'risk risk-' + k.level} title={k.text}>
            {k.level}
          </span>
        )
      },
      csv: [
        { label: 'Risk', value: (r) => risk(r).level },
        { label: 'Risk: why', value: (r) => risk(r).text },
      ],
    },
    {
      key: 'resources',
      label: '',
      unsorted: true,
      value: () => '',
      render: (r) => (
        <button
          class="link"
          onClick={() => setOpen(open === r.id ? null : r.id)}
          aria-expanded={open === r.id}
          aria-label={`${open === r.id ? 'Hide' : 'Show'} the resources: of ${r.target}`}
        >
          {open === r.id ? 'Hide' : 'resources:'}
        </button>
      ),
    },
  ]
}

/** The node group table's columns; the CSV has the nodes now and planned, and what each costs a month. */
function nodeColumns(rows: Recommendation[]): Column<Recommendation>[] {
  const monthly = (side: 'current' | 'recommended') => ({
    label: `Nodes ${side === 'current' ? 'now' : 'planned'}: cost (${moneyUnit(
      rows.map((r) => r[side]?.monthly?.currency ?? ''),
      'per month',
    )})`,
    value: (r: Recommendation) => r[side]?.monthly?.amount ?? '',
  })
  return [
    targetColumn('Node group', 'Node group (cluster/group)'),
    savingsColumn(rows, (r) => money(r.monthlySavings.amount, r.monthlySavings.currency)),
    {
      key: 'plan',
      label: 'Plan',
      value: (r) => nodesText(r.recommended?.nodes),
      render: (r) => <NodePlan r={r} />,
      csv: [
        { label: 'Nodes now', value: (r) => nodesText(r.current?.nodes) },
        monthly('current'),
        { label: 'Nodes planned', value: (r) => nodesText(r.recommended?.nodes) },
        monthly('recommended'),
        { label: 'Explanation', value: (r) => r.explanation },
      ],
    },
  ]
}

export function Rightsizing(_: { me: Me }) {
  const recs = useApi<Response>('/api/v1/recommendations/rightsizing')
  // ?target= (the weekly report links a recommendation) opens that one until another is chosen.
  const [q, set] = useQueryState({ target: '', sort: 'savings', dir: 'desc', nsort: 'savings', ndir: 'desc' })
  const [chosen, setOpen] = useState<number | null | undefined>(undefined)
  const linked = recs.data?.containers.find((r) => r.target === q.target)?.id ?? null
  const open = chosen === undefined ? linked : chosen
  useEffect(() => {
    if (linked !== null) document.querySelector('tr[data-linked]')?.scrollIntoView({ block: 'center' })
  }, [linked])
  if (recs.loading && !recs.data) return <Loading what="recommendations" />
  if (recs.error?.notAvailable)
    return (
      <div class="page" data-page="rightsizing">
        <h1>Right-sizing</h1>
        <NotAvailable what="Right-sizing recommendations">
          <p>This server has no recommendation store configured.</p>
        </NotAvailable>
      </div>
    )
  if (recs.error) return <ErrorState error={recs.error} retry={recs.reload} what="recommendations" />
  const d = recs.data!
  // Recommendations of clusters billed in different currencies cannot be
  // added up: the server totals each currency, and the page shows each total.
  // (A saving of zero has no currency: its key is "", shown only alone.)
  const keys = Object.keys(d.monthlySavings).sort()
  const currencies = keys.length > 1 ? keys.filter((c) => c !== '') : keys
  const total = (which: Total) =>
    currencies.length === 0 ? money(0) : currencies.map((c) => money(d.monthlySavings[c][which]?.amount, c)).join(' · ')
  // Recommendations that cost more (a node group grown to relieve pressure)
  // are shown apart, not netted into the savings.
  const adds = (which: Total) => currencies.some((c) => num(d.monthlySavings[c][which]?.amount) > 0)
  // Node groups already right-sized are listed, but recommend nothing.
  const keptGroups = d.nodes.filter(kept).length
  const containers = containerColumns(d.containers, open, setOpen)
  const nodes = nodeColumns(d.nodes)
  return (
    <div class="page" data-page="rightsizing">
      <h1>Right-sizing</h1>
      {q.target !== '' && !d.containers.some((r) => r.target === q.target) && !d.nodes.some((r) => r.target === q.target) && (
        <StaleLink target={q.target} />
      )}
      {d.containers.length === 0 && d.nodes.length === 0 ? (
        <Empty title="No recommendations yet">
          <p>
            Run <code>tally rightsize</code> (it needs a few days of usage from the agent); <code>tally serve</code> refreshes them daily.
          </p>
        </Empty>
      ) : (
        <>
          <div class="stats">
            <Stat label="Containers: savings a month" value={total('containers')} />
            {adds('containersAdded') && <Stat label="Containers: added cost a month" value={total('containersAdded')} />}
            <Stat label="Nodes: savings a month (the containers' included)" value={total('nodes')} />
            {adds('nodesAdded') && <Stat label="Nodes: added cost a month" value={total('nodesAdded')} />}
            <Stat
              label="Recommendations"
              value={String(d.containers.length + d.nodes.length - keptGroups)}
              hint={keptGroups > 0 ? `${keptGroups} node group${keptGroups > 1 ? 's' : ''} already right-sized, not counted` : undefined}
            />
          </div>
          <Card title="Containers">
            <table class="grid" aria-label="Container recommendations">
              <thead>
                <SortHeader columns={containers} sort={q.sort} dir={q.dir} onSort={(sort, dir) => set({ sort, dir }, true)} />
              </thead>
              <tbody>
                {sortRows(d.containers, containers, q.sort, q.dir).map((r) => {
                  const k = risk(r)
                  return [
                    <tr key={r.id} data-linked={r.id === linked || undefined} class={r.id === linked ? 'selected' : ''}>
                      {containers.map((c) => (
                        <td key={c.key} class={c.numeric ? 'num' : ''}>
                          {c.render!(r)}
                        </td>
                      ))}
                    </tr>,
                    open === r.id && (
                      <tr key={r.id + '-x'} class="expand">
                        <td colSpan={containers.length}>
                          <p class="hint" data-change>
                            {resourcesChangeText(r.current ?? {}, r.recommended ?? {})}
                          </p>
                          <p class="hint">Risk: {k.text}</p>
                          <Snippet r={r} />
                        </td>
                      </tr>
                    ),
                  ]
                })}
              </tbody>
            </table>
            <CsvDownload
              columns={containers}
              rows={sortRows(d.containers, containers, q.sort, q.dir)}
              file="tally-rightsizing-containers.csv"
              what="the container recommendations"
            />
          </Card>
          {d.nodes.length > 0 && (
            <Card title="Node groups">
              <SortTable
                label="Node recommendations"
                rows={d.nodes}
                columns={nodes}
                sort={q.nsort}
                dir={q.ndir}
                onSort={(nsort, ndir) => set({ nsort, ndir }, true)}
                rowKey={(r) => String(r.id)}
                linked={(r) => r.id === linked}
                csv={{ file: 'tally-rightsizing-nodes.csv', what: 'the node group plans' }}
              />
            </Card>
          )}
        </>
      )}
    </div>
  )
}
