import { describe, expect, it } from 'vitest'
import { apartNote, apartRows, costSeries, countedRows, totalsLabel } from './allocations'
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

describe('costSeries', () => {
  const steps = (...v: string[]) => v.map((totalCost) => ({ totalCost }) as Group['total'])
  const rows = [
    { ...group('payments', '3'), steps: steps('1', '2') },
    { ...group('__idle__', '30'), steps: steps('10', '20') },
    { ...group('__shared__', '3'), steps: steps('1', '2') },
  ]
  it('draws the rows apart beside the stack, named not in the total', () => {
    const s = costSeries(rows, apartRows(rows, 'x:"y"'), 2, 'line')
    expect(s.map((x) => [x.name, x.stack])).toEqual([
      ['payments', 'cost'],
      ['__idle__ (not in the total)', undefined],
      ['__shared__ (not in the total)', undefined],
    ])
    expect(s[1]).toMatchObject({ data: [10, 20], lineStyle: { type: 'dashed' } })
    expect(s[1].areaStyle).toBeUndefined()
  })
  it('stacks every row without a filter, the costliest first', () => {
    const s = costSeries(rows, [], 1, 'bar')
    expect(s.map((x) => [x.name, x.stack, x.type, x.data])).toEqual([
      ['__idle__', 'cost', 'bar', [10]],
      ['payments', 'cost', 'bar', [1]],
      ['__shared__', 'cost', 'bar', [1]],
    ])
  })
})
