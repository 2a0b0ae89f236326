import { describe, expect, it } from 'vitest'
import { frameLabel } from './flame'

/** A frame of the flame graph as d3 hands it to the label: its node, and its children's. */
function frame(name: string, cost: string, children: { name: string; cost: string }[] = []) {
  const node = (n: { name: string; cost: string }) => ({ name: n.name, cost: n.cost, value: Number(n.cost), samples: 1 })
  return { data: { ...node({ name, cost }), children: children.map(node) }, children: children.map((c) => ({ data: node(c) })) }
}

describe('frameLabel', () => {
  it("says the API's exact costs, as the functions table does", () => {
    // $0.015 total of which $0.01 in its callee: $0.005 self, a cent
    // rounded; the floats' 0.015 - 0.01 is 0.0049999…, which read $0.00.
    expect(frameLabel(frame('main.work', '0.015', [{ name: 'main.leaf', cost: '0.01' }]), 0.015, 'USD', false)).toBe(
      'main.work: $0.02 total (100.0%), $0.01 self',
    )
    // Callees whose floats add up to more than the caller's (0.1 + 0.2): no self, not a negative one.
    expect(frameLabel(frame('all', '0.3', [{ name: 'a', cost: '0.1' }, { name: 'b', cost: '0.2' }]), 0.3, 'EUR', false)).toBe('all: €0.30 total (100.0%), €0.00 self')
  })

  it('says the change from the base in a diff', () => {
    const d = frame('main.work', '2.5')
    ;(d.data as any).delta = -0.5
    expect(frameLabel(d, 10, 'USD', true)).toBe('main.work: $2.50 total (25.0%), $2.50 self, −$0.50 vs base')
  })
})
