import { select } from 'd3-selection'
import { flamegraph } from 'd3-flame-graph'
import 'd3-flame-graph/dist/d3-flamegraph.css'
import { useEffect, useMemo, useRef } from 'preact/hooks'
import type { Allocations, DataStatus, FlameNode, FunctionCost, Functions, Me, ProfiledWorkloads } from '../api'
import { Card, Empty, ErrorState, EstimateFootnote, EstimateMark, Loading, NoCosts, SortTable, WindowOptions, type Column, useApi } from '../components'
import { diffColour } from '../diffcolour'
import { frameLabel } from '../flame'
import { day, lastDay, money, num, signedMoney } from '../format'
import { useQueryState } from '../router'
import { quote } from './Allocations'

/** The colour of the frames of the function chosen (fn), in both views. */
const highlight = '#E600E6'

/**
 * The frame the keyboard moves to from d (a node of the flame graph's
 * hierarchy, drawn with callers below callees) on key, among the frames the
 * zoom shows; undefined when there is none that way. ArrowUp goes to the
 * first callee, ArrowDown to the caller, ArrowLeft and ArrowRight to the
 * frames beside it, Home to the root.
 */
function frameFrom(d: any, key: string): any {
  const shown = (n: any) => n.value > 0
  const siblings: any[] = (d.parent?.children ?? [d]).filter(shown)
  const i = siblings.indexOf(d)
  switch (key) {
    case 'ArrowUp':
      return (d.children ?? []).find(shown)
    case 'ArrowDown':
      return d.parent ?? undefined
    case 'ArrowLeft':
      return siblings[i - 1]
    case 'ArrowRight':
      return siblings[i + 1]
    case 'Home':
      return d.ancestors().pop()
  }
  return undefined
}

function Flame({ root, diff, cur, fn, onSelect }: { root: FlameNode; diff: boolean; cur: string; fn: string; onSelect: (name: string) => void }) {
  const el = useRef<HTMLDivElement>(null)
  const details = useRef<HTMLDivElement>(null)
  // The chart, its label, the frame the keyboard is on, and whether a zoom is the keyboard's zooming out (no selection).
  const graph = useRef<{ chart: any; label: (d: any) => string; current: any; zoomingOut: boolean }>()
  useEffect(() => {
    if (!el.current) return
    el.current.replaceChildren()
    const total = root.value || 1
    const label = (d: any) => frameLabel(d, total, cur, diff)
    const chart = flamegraph()
      .width(Math.max(600, el.current.clientWidth))
      .cellHeight(20)
      .minFrameSize(1)
      .transitionDuration(250)
      .sort(true)
      .label(label)
      .onClick((d: any) => graph.current?.zoomingOut || onSelect(String(d.data.name)))
      .setDetailsElement(details.current)
      // The frames of the function chosen, by its exact name; the details line keeps saying the frame under the pointer or keys.
      .setSearchMatch((d: any, term: string) => term !== '' && d.data.name === term)
      .setSearchHandler(() => {})
      .setColorMapper((d: any, c: string) => (d.highlight ? highlight : diff ? diffColour(d.data.delta ?? 0, d.data.value) : c))
    select(el.current).datum(root).call(chart)
    graph.current = { chart, label, current: null, zoomingOut: false }
    return () => chart.destroy()
  }, [root, diff])
  useEffect(() => {
    const g = graph.current
    if (!g) return
    if (fn) g.chart.search(fn)
    else g.chart.clear()
    mark()
  }, [root, diff, fn])

  /** Marks the frame the keyboard is on (g.current): chart updates redraw the frames' classes. */
  function mark() {
    const g = graph.current
    if (el.current && g) select(el.current).selectAll('g').classed('current', (d: any) => d === g.current)
  }

  /** Moves the keyboard to frame d: marked, and its label in the details line, which screen readers read. */
  function moveTo(d: any) {
    const g = graph.current!
    g.current = d
    mark()
    if (details.current) details.current.textContent = g.label(d)
  }

  function onKeyDown(e: KeyboardEvent) {
    const g = graph.current
    if (!g || !el.current) return
    const rootNode = select(el.current).datum() as any
    const d = g.current ?? rootNode
    if (e.key === 'Enter' || e.key === ' ') {
      g.chart.zoomTo(d) // selects it too, as a click does
      moveTo(d)
    } else if (e.key === 'Escape') {
      g.zoomingOut = true
      g.chart.resetZoom() // which calls onClick with the root
      g.zoomingOut = false
      moveTo(d)
    } else {
      const next = frameFrom(d, e.key)
      if (!next) return
      moveTo(next)
    }
    e.preventDefault()
  }

  return (
    <div>
      <div
        id="flame"
        class="flame"
        ref={el}
        tabIndex={0}
        role="group"
        aria-label="Flame graph: width is dollars. Arrow keys move between frames (up to the functions called), Enter zooms to one and selects it, Escape zooms out."
        aria-describedby="flame-details"
        onFocus={() => graph.current && moveTo(graph.current.current ?? select(el.current!).datum())}
        onKeyDown={onKeyDown}
      />
      <div id="flame-details" class="flame-details" ref={details} aria-live="polite" />
    </div>
  )
}

/**
 * The colours of a diff in words, beside the flame graph: what diffColour
 * draws, and the table's Change / year with it (.diff-more, .diff-less,
 * .diff-new), and where each frame says its change.
 */
function DiffLegend() {
  return (
    <p class="hint flame-legend" data-legend="diff">
      Red: costs more than the base, blue: less, orange: new since the base, in the graph and in the table's yearly changes; in the graph the
      deeper the colour the larger the change, grey: unchanged. Each frame's label (point at it, or move to it with the arrow keys) says its
      change, ±$X vs base.
    </p>
  )
}

/**
 * Says what CPU cost of the workload its functions' total leaves out: that
 * of its containers without CPU profiles (a sidecar the profiler cannot
 * walk), each named, with its cluster when the view spans several
 * (clusters: how many the workload runs in, 1 when one is picked).
 */
function Unprofiled({ u, cur, clusters }: { u: Functions['unprofiled']; cur: string; clusters: number }) {
  if (!u || u.containers.length === 0) return null
  const inClusters = clusters > 1 || new Set(u.containers.map((c) => c.cluster)).size > 1
  const name = (c: { cluster: string; container: string }) => (inClusters ? `${c.container} in ${c.cluster}` : c.container)
  const one = u.containers.length === 1
  const names = one ? name(u.containers[0]) : u.containers.map((c) => `${name(c)} ${money(c.cpuCost.amount, cur)}`).join(', ')
  return (
    <p class="hint" data-hint="unprofiled">
      Not in the total: {money(u.cpuCost.amount, cur)} of CPU in {one ? 'a container' : 'containers'} without profiles ({names}).
    </p>
  )
}

// baseWindow: the window compared with (the weekly report links this week
// against last); without it, "the previous window" is the one before.
const defaults = { workload: '', window: '7d', cluster: '', container: '', image: '', compare: 'none', baseImage: '', baseWindow: '', sort: 'total', dir: 'desc', fn: '' }

export function FunctionsPage(_: { me: Me }) {
  const [q, set] = useQueryState(defaults)
  const s = q.baseWindow && q.compare === 'none' ? { ...q, compare: 'window' } : q
  // What data Tally has: a window with no costs may be one the bill has not reached yet.
  const status = useApi<DataStatus>('/api/v1/status')
  const workloads = useApi<Allocations>(`/api/v1/allocations?window=${encodeURIComponent(s.window)}&aggregate=controller&idle=hide&shared=separate`)
  const names = useMemo(
    () =>
      (workloads.data?.groups ?? [])
        .filter((g) => g.name && !g.name.startsWith('__'))
        .sort((a, b) => num(b.total.cpuCost) - num(a.total.cpuCost))
        .map((g) => g.name),
    [workloads.data],
  )
  // Workloads with CPU profiles come first, the most expensive first, and
  // the page starts at the top one: most workloads have none.
  const profiled = useApi<ProfiledWorkloads>(`/api/v1/functions/workloads?window=${encodeURIComponent(s.window)}`)
  const profiledNames = useMemo(
    () => [...new Set((profiled.data?.workloads ?? []).map((w) => w.namespace + '/' + w.workload))],
    [profiled.data],
  )
  const others = names.filter((n) => !profiledNames.includes(n))
  const settled = profiled.data !== undefined || profiled.error !== undefined
  const workload = s.workload || (settled ? profiledNames[0] || names[0] || '' : '')
  // The clusters the workload runs in, for the cluster picker.
  const inClusters = useApi<Allocations>(
    workload
      ? `/api/v1/allocations?window=${encodeURIComponent(s.window)}&aggregate=cluster&idle=hide&shared=separate&filter=` +
          encodeURIComponent(`controller:${quote(workload)}`)
      : null,
  )
  const clusters = useMemo(
    () => (inClusters.data?.groups ?? []).map((g) => g.name).filter((n) => n && !n.startsWith('__')).sort(),
    [inClusters.data],
  )
  const head = new URLSearchParams({ workload, window: s.window })
  if (s.cluster) head.set('cluster', s.cluster)
  if (s.container) head.set('container', s.container)
  if (s.image) head.set('image', s.image)
  const plain = useApi<Functions>(workload ? '/api/v1/functions?' + head.toString() : null)
  let diffPath: string | null = null
  if (workload && s.compare === 'image' && s.baseImage && s.image) {
    diffPath = '/api/v1/functions?' + head.toString() + '&baseImage=' + encodeURIComponent(s.baseImage)
  } else if (workload && s.compare === 'window' && s.baseWindow) {
    diffPath = '/api/v1/functions?' + head.toString() + '&baseWindow=' + encodeURIComponent(s.baseWindow)
  } else if (workload && s.compare === 'window' && plain.data) {
    const w = plain.data.window
    const len = new Date(w.end).getTime() - new Date(w.start).getTime()
    const baseStart = new Date(new Date(w.start).getTime() - len).toISOString().replace('.000Z', 'Z')
    diffPath = '/api/v1/functions?' + head.toString() + '&baseWindow=' + encodeURIComponent(baseStart + ',' + w.start)
  }
  const diff = useApi<Functions>(diffPath)
  const shown = diffPath ? diff : plain
  const f = shown.data
  const cur = f?.total.currency || 'USD'
  const images = useMemo(() => [...new Set((plain.data?.images ?? []).map((i) => i.image))], [plain.data])
  const containers = useMemo(() => [...new Set((plain.data?.images ?? []).map((i) => i.container))], [plain.data])
  // The base's cost of each listed function: headFunctions gives it for
  // every one; servers before it gave only the base's own top list, where a
  // function missing from a full list (the server's default top, 50) may
  // still have cost something: unknown, not zero.
  const baseAnnual = useMemo(() => {
    const m = new Map<string, number>()
    for (const b of f?.base?.headFunctions ?? f?.base?.functions ?? []) m.set(b.name, num(b.totalAnnual.amount))
    const complete = !!f?.base?.headFunctions || (f?.base?.functions ?? []).length < 50
    return (name: string): number | undefined => m.get(name) ?? (complete ? 0 : undefined)
  }, [f])
  const change = (r: FunctionCost): number | undefined => {
    const b = baseAnnual(r.name)
    return b === undefined ? undefined : num(r.totalAnnual.amount) - b
  }

  const columns: Column<FunctionCost>[] = [
    { key: 'name', label: 'Function', value: (r) => r.name, render: (r) => <code class={r.name === s.fn ? 'selected' : ''}>{r.name}</code> },
    { key: 'self', label: 'Self', numeric: true, value: (r) => num(r.self.amount), render: (r) => money(r.self.amount, cur) },
    {
      key: 'total',
      label: 'Total',
      numeric: true,
      value: (r) => num(r.total.amount),
      render: (r) => (
        <>
          {money(r.total.amount, cur)}
          <EstimateMark estimated={!!f?.estimated} />
        </>
      ),
    },
    {
      key: 'selfAnnual',
      label: 'Self / year',
      numeric: true,
      value: (r) => num(r.selfAnnual.amount),
      render: (r) => money(r.selfAnnual.amount, cur),
    },
    {
      key: 'totalAnnual',
      label: 'Total / year',
      numeric: true,
      value: (r) => num(r.totalAnnual.amount),
      render: (r) => <b>{money(r.totalAnnual.amount, cur)}</b>,
    },
  ]
  if (f?.base) {
    columns.push({
      key: 'delta',
      label: 'Change / year',
      numeric: true,
      value: (r) => change(r) ?? 0,
      render: (r) => {
        const d = change(r)
        if (d === undefined) return <span title="not in the base's top functions">–</span>
        if (baseAnnual(r.name) === 0) return <span class="diff-new" title="new since the base">{signedMoney(d, cur)}</span>
        return <span class={d > 0 ? 'diff-more' : d < 0 ? 'diff-less' : ''}>{signedMoney(d, cur)}</span>
      },
    })
  }

  return (
    <div class="page" data-page="functions">
      <h1>Functions</h1>
      <form class="controls" onSubmit={(e) => e.preventDefault()} aria-label="Functions view">
        <label>
          Workload
          <select name="workload" value={workload} onChange={(e) => set({ workload: e.currentTarget.value, cluster: '', container: '', image: '', baseImage: '', fn: '' })}>
            {/* A link's workload with no costs in this window (a window changed, a workload gone): shown as the view's, not the first listed. */}
            {workload && !names.includes(workload) && !profiledNames.includes(workload) && <option>{workload}</option>}
            {profiledNames.length === 0 ? (
              names.map((n) => <option key={n}>{n}</option>)
            ) : (
              <>
                <optgroup label="With CPU profiles">
                  {profiledNames.map((n) => (
                    <option key={n}>{n}</option>
                  ))}
                </optgroup>
                {others.length > 0 && (
                  <optgroup label="Without CPU profiles">
                    {others.map((n) => (
                      <option key={n}>{n}</option>
                    ))}
                  </optgroup>
                )}
              </>
            )}
          </select>
        </label>
        <label>
          Window
          <select value={s.window} onChange={(e) => set({ window: e.currentTarget.value, baseWindow: '' })}>
            <WindowOptions presets={['1d', '7d', '14d', '30d']} value={s.window} />
          </select>
        </label>
        <label>
          Cluster
          <select name="cluster" value={s.cluster} onChange={(e) => set({ cluster: e.currentTarget.value, fn: '' })}>
            <option value="">All clusters</option>
            {/* A link's cluster the workload has no costs in this window: shown as the view's. */}
            {s.cluster && !clusters.includes(s.cluster) && <option>{s.cluster}</option>}
            {clusters.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        </label>
        <label>
          Container
          <select value={s.container} onChange={(e) => set({ container: e.currentTarget.value })}>
            <option value="">all</option>
            {containers.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        </label>
        <label>
          Image
          <select name="image" value={s.image} onChange={(e) => set({ image: e.currentTarget.value })}>
            <option value="">all</option>
            {images.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        </label>
        <label>
          Compare with
          <select name="compare" value={s.compare} onChange={(e) => set({ compare: e.currentTarget.value, baseWindow: '' })}>
            <option value="none">nothing</option>
            <option value="window">the previous window</option>
            <option value="image">another image</option>
          </select>
        </label>
        {s.compare === 'image' && (
          <label>
            Base image
            <select name="baseImage" value={s.baseImage} onChange={(e) => set({ baseImage: e.currentTarget.value })}>
              <option value="">choose…</option>
              {images
                .filter((i) => i !== s.image)
                .map((c) => (
                  <option key={c}>{c}</option>
                ))}
            </select>
          </label>
        )}
        {f && (
          <a class="button" href={'/api/v1/functions?' + head.toString() + '&format=pprof'} download="tally-dollars.pb.gz">
            Download pprof
          </a>
        )}
      </form>
      {s.compare === 'image' && (!s.image || !s.baseImage) && (
        <p class="hint">Choose an image and a base image to compare two versions.</p>
      )}
      {workloads.loading && !workloads.data && <Loading what="workloads" />}
      {workloads.error && <ErrorState error={workloads.error} retry={workloads.reload} what="workloads" />}
      {workloads.data && names.length === 0 && profiledNames.length === 0 && (
        <NoCosts title="No workloads with costs in this window" window={workloads.data.window} status={status.data} show={(window) => set({ window })}>
          <p>Install the agent so pods and their CPU samples reach Tally, and ingest a bill.</p>
        </NoCosts>
      )}
      {shown.loading && !f && workload && <Loading what="functions" />}
      {shown.error && <ErrorState error={shown.error} retry={shown.reload} what="functions" />}
      {f && f.functions.length === 0 && (
        <Empty title={`No CPU profiles for ${workload}${s.cluster ? ' in ' + s.cluster : ''} in this window`}>
          <p>
            The agent samples CPU stacks on every node (<code>tally-agent --frequency 19</code>); profiles need its eBPF profiler to run with
            privileges. Costs per function appear after the next attribution.
            {profiledNames.length > 0 && ` ${profiledNames.length} workload${profiledNames.length > 1 ? 's have' : ' has'} profiles in this window: they come first in the list.`}
          </p>
        </Empty>
      )}
      {f && f.functions.length > 0 && (
        <>
          <Card
            title={
              f.base
                ? `${f.workload}: ${money(f.total.amount, cur)} vs ${money(f.base.total.amount, cur)} (${f.base.image ? 'image ' + f.base.image : 'from ' + day(f.base.window.start)})`
                : `${f.workload}${s.cluster ? ' in ' + s.cluster : ''}: ${money(f.total.amount, cur)} of CPU, ${day(f.window.start)} to ${lastDay(f.window.end)} — width is dollars`
            }
            estimated={!!f.estimated || !!f.base?.estimated}
          >
            {f.base && <DiffLegend />}
            <Flame root={f.flame} diff={!!f.base} cur={cur} fn={s.fn} onSelect={(fn) => set({ fn }, true)} />
            <Unprofiled u={f.unprofiled} cur={cur} clusters={s.cluster ? 1 : clusters.length} />
            {s.fn && (
              <p class="selected-fn" data-selected={s.fn}>
                Selected <code>{s.fn}</code>
                {(() => {
                  const r = f.functions.find((x) => x.name === s.fn)
                  return r ? `: ${money(r.total.amount, cur)} total, ${money(r.self.amount, cur)} self, ${money(r.totalAnnual.amount, cur)} a year` : ''
                })()}
              </p>
            )}
          </Card>
          <Card title="Top functions">
            <SortTable
              label="Top functions"
              rows={f.functions}
              columns={columns}
              sort={s.sort}
              dir={s.dir}
              onSort={(sort, dir) => set({ sort, dir }, true)}
              onRow={(r) => set({ fn: r.name }, true)}
              rowKey={(r) => r.name}
            />
            <EstimateFootnote shown={!!f.estimated || !!f.base?.estimated} />
          </Card>
        </>
      )}
    </div>
  )
}
