// What a view of the Allocations page counts in its total, and what it
// shows apart: pure functions of the API's groups, so that the title, the
// totals row and the chart say the same.
import type { Group } from './api'
import { money } from './format'

/**
 * The reserved rows a drill-down shows apart from its total, with what
 * each holds: the filtered allocations' part of a cost that belongs to
 * more than them.
 */
const apartKinds: { name: string; cost: string; of: string }[] = [
  { name: '__idle__', cost: 'idle cost', of: "their nodes' unused capacity" },
  { name: '__shared__', cost: 'shared cost', of: "their clusters' shared costs (control plane, kube-system and the like)" },
]

/**
 * The rows a drill-down (a view with a filter) leaves out of its total:
 * __idle__ and __shared__, the filtered allocations' part of their nodes'
 * unused capacity and of their clusters' shared costs, which the view they
 * were clicked in shows in its own __idle__ and __shared__ rows, not in
 * theirs. Without them the total is the cost of the row clicked, and a
 * team's is its figure in the weekly email, which counts direct costs only.
 * __unallocated__ stays in: under a filter it holds the filtered costs with
 * no value of the dimension (a team's tagged bucket has no namespace),
 * which are theirs. None without a filter, where every row is in the total.
 */
export function apartRows(groups: Group[], filter: string): Group[] {
  if (filter === '') return []
  return groups.filter((g) => apartKinds.some((k) => k.name === g.name))
}

/** The rows in a view's total: those apartRows does not leave out. */
export function countedRows(groups: Group[], filter: string): Group[] {
  const apart = apartRows(groups, filter)
  return groups.filter((g) => !apart.includes(g))
}

/**
 * The sentence that says what a drill-down's total leaves out (apart,
 * from apartRows) and why; "" when that is nothing. "Not in the total:
 * $24.14 of idle cost (__idle__) and $2.40 of shared cost (__shared__),
 * these allocations' part of …, which the view without this filter shows
 * in its own __idle__ and __shared__ rows."
 */
export function apartNote(apart: Group[], currency: string): string {
  const kinds = apartKinds.flatMap((k) => {
    const g = apart.find((x) => x.name === k.name)
    return g && Number(g.total.totalCost) !== 0 ? [{ ...k, amount: g.total.totalCost }] : []
  })
  if (kinds.length === 0) return ''
  const amounts = kinds.map((k) => `${money(k.amount, currency)} of ${k.cost} (${k.name})`).join(' and ')
  const of = kinds.map((k) => k.of).join(' and of ')
  const rows = kinds.map((k) => k.name).join(' and ') + (kinds.length > 1 ? ' rows' : ' row')
  return `Not in the total: ${amounts}, these allocations' part of ${of}, which the view without this filter shows in its own ${rows}.`
}

/** The totals row's label: "Total of 5 rows", ", not counting __idle__ and __shared__" when some are apart. */
export function totalsLabel(counted: number, apart: Group[]): string {
  const label = `Total of ${counted} row${counted === 1 ? '' : 's'}`
  return apart.length ? `${label}, not counting ${apart.map((g) => g.name).join(' and ')}` : label
}

/** How a row apartRows leaves out is drawn: grey, its line dashed, its bar hatched. */
const apartStyles: Record<string, { color: string; dash: string }> = {
  __idle__: { color: '#6e7781', dash: 'dashed' },
  __shared__: { color: '#8c959f', dash: 'dotted' },
}

/**
 * The chart's series of a view's rows, over its first steps: the eight
 * costliest rows in its total stacked, then the rest as one "N others";
 * the rows left out of the total (apart, from apartRows) each a series of
 * its own beside the stack, not on it, grey, named "__idle__ (not in the
 * total)", so the stack's height is the title's total. type is "line", or
 * "bar" for one step (a stacked area of one point draws nothing).
 */
export function costSeries(groups: Group[], apart: Group[], steps: number, type: 'line' | 'bar'): Record<string, unknown>[] {
  const values = (g: Group) => (g.steps ?? []).slice(0, steps).map((st) => Number(st.totalCost))
  const ranked = groups.filter((g) => !apart.includes(g)).sort((p, q) => Number(q.total.totalCost) - Number(p.total.totalCost))
  const stacked = { type, stack: 'cost', areaStyle: {}, showSymbol: false }
  const series: Record<string, unknown>[] = ranked.slice(0, 8).map((g) => ({
    ...stacked,
    name: g.name || '(none)',
    emphasis: { focus: 'series' },
    data: values(g),
  }))
  const rest = ranked.slice(8)
  if (rest.length) {
    const sums = Array.from({ length: steps }, (_, i) => rest.reduce((acc, g) => acc + Number(g.steps?.[i]?.totalCost ?? 0), 0))
    series.push({ ...stacked, name: `${rest.length} others`, data: sums })
  }
  for (const g of apart) {
    const style = apartStyles[g.name] ?? apartStyles.__idle__
    series.push({
      name: `${g.name} (not in the total)`,
      type,
      showSymbol: false,
      color: style.color,
      lineStyle: { type: style.dash, width: 2 },
      itemStyle: { decal: { symbol: 'rect', symbolSize: 1, dashArrayX: [1, 0], dashArrayY: [2, 4], rotation: -Math.PI / 4, color: 'rgba(255,255,255,0.6)' } },
      data: values(g),
    })
  }
  return series
}
