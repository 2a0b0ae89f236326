// The flame graph's words for a frame, apart from the page so they can be tested.
import type { FlameNode } from './api'
import { money, pct, signedMoney, sumDecimals } from './format'

/** A frame as d3-flame-graph hands it over: its node, and its children's frames. */
export interface Frame {
  data: FlameNode
  children?: { data: FlameNode }[]
}

/**
 * A frame's self cost, exactly: its total less its callees', from the API's
 * decimal costs. The floats (value) are the widths only: 0.015 - 0.01 is
 * 0.0049999… in floats, which reads $0.00 where the table says $0.01.
 */
function selfOf(d: Frame): string {
  const self = sumDecimals([d.data.cost, ...(d.children ?? []).map((c) => '-' + c.data.cost)])
  return self.startsWith('-') ? '0' : self
}

/**
 * The label of frame d, of a graph whose root is worth total: "name: $2.50
 * total (25.0%), $2.50 self", and in a diff ", −$0.50 vs base". Its costs
 * are the API's decimal strings, as the functions table says them.
 */
export function frameLabel(d: Frame, total: number, cur: string, diff: boolean): string {
  const parts = [`${d.data.name}: ${money(d.data.cost, cur)} total (${pct(d.data.value / total)})`, `${money(selfOf(d), cur)} self`]
  if (diff) parts.push(`${signedMoney(d.data.delta ?? 0, cur)} vs base`)
  return parts.join(', ')
}
