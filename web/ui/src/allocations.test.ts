import { describe, expect, it } from 'vitest'
import { apartNote, apartRows, countedRows, totalsLabel } from './allocations'
import type { Group } from './api'

function group(name: string, totalCost: string): Group {
  return { name, keys: [name], total: { totalCost } as Group['total'], steps: null }
}

const team = [group('payments', '7.63'), group('__idle__', '24.14'), group('__shared__', '2.40'), group('__unallocated__', '1.36')]

describe('apartRows', () => {
  it('leaves idle and shared out of a drill-down, unallocated in', () => {
    expect(apartRows(team, 'label[team]:"payments"').map((g) => g.name)).toEqual(['__idle__', '__shared__'])
    expect(countedRows(team, 'label[team]:"payments"').map((g) => g.name)).toEqual(['payments', '__unallocated__'])
  })
  it('counts every row without a filter', () => {
    expect(apartRows(team, '')).toEqual([])
    expect(countedRows(team, '')).toEqual(team)
  })
})

describe('apartNote', () => {
  it('says idle and shared, and why', () => {
    expect(apartNote(apartRows(team, 'x:"y"'), 'USD')).toBe(
      "Not in the total: $24.14 of idle cost (__idle__) and $2.40 of shared cost (__shared__), these allocations' part of their nodes' unused capacity " +
        "and of their clusters' shared costs (control plane, kube-system and the like), which the view without this filter shows in its own __idle__ and __shared__ rows.",
    )
  })
  it('says idle alone as before', () => {
    expect(apartNote([group('__idle__', '24.14')], 'USD')).toBe(
      "Not in the total: $24.14 of idle cost (__idle__), these allocations' part of their nodes' unused capacity, which the view without this filter shows in its own __idle__ row.",
    )
  })
  it('says nothing of none, or of rows of no cost', () => {
    expect(apartNote([], 'USD')).toBe('')
    expect(apartNote([group('__shared__', '0')], 'USD')).toBe('')
  })
})

describe('totalsLabel', () => {
  it('names the rows it leaves out', () => {
    expect(totalsLabel(2, apartRows(team, 'x:"y"'))).toBe('Total of 2 rows, not counting __idle__ and __shared__')
    expect(totalsLabel(1, [])).toBe('Total of 1 row')
  })
})
