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
