import { describe, expect, it } from 'vitest'
import type { ReconDay } from './api'
import { billLabel, offBill, reconMonths, reconPath, reconWindow } from './reconciliation'

function day(d: string, account: string, bill: string, parts: [string, string, string, string], status: ReconDay['status'] = 'ok'): ReconDay {
  const total = parts.reduce((a, b) => a + Number(b), 0).toFixed(4)
  return {
    day: d,
    billingAccountId: account,
    currency: 'USD',
    bill,
    allocated: parts[0],
    idle: parts[1],
    shared: parts[2],
    unallocated: parts[3],
    total,
    difference: (Number(total) - Number(bill)).toFixed(4),
    estimated: false,
    status,
  }
}

describe('reconMonths', () => {
  it('adds up each account and month exactly, newest month first', () => {
    const months = reconMonths([
      day('2026-09-30', '111', '0.1', ['0.1', '0', '0', '0']),
      day('2026-10-01', '111', '0.1', ['0.05', '0.03', '0.01', '0.01']),
      day('2026-10-02', '111', '0.2', ['0.2', '0', '0', '0']),
      day('2026-10-01', '000', '5', ['5', '0', '0', '0']),
    ])
    expect(months.map((m) => `${m.account} ${m.month}`)).toEqual(['000 2026-10', '111 2026-10', '111 2026-09'])
    const oct = months[1]
    // 0.1 + 0.2 in floats is 0.30000000000000004.
    expect(oct.bill).toBe('0.3')
    expect([oct.allocated, oct.idle, oct.shared, oct.unallocated]).toEqual(['0.25', '0.03', '0.01', '0.01'])
    expect(oct.difference).toBe('0')
    expect([oct.from, oct.to, oct.days]).toEqual(['2026-10-01', '2026-10-02', 2])
    expect(offBill(oct)).toBe(false)
  })

  it('counts days not billed yet apart, and a month off its bill stands out', () => {
    const [m] = reconMonths([
      day('2026-10-01', '111', '1', ['0.9', '0', '0', '0'], 'mismatch'),
      day('2026-10-02', '111', '0', ['7', '0', '0', '0'], 'estimated'),
    ])
    expect(m.bill).toBe('1')
    expect(m.total).toBe('0.9')
    expect(m.difference).toBe('-0.1')
    expect([m.days, m.mismatchedDays, m.unbilledDays]).toEqual([1, 1, 1])
    expect(offBill(m)).toBe(true)
  })
})

describe('reconWindow', () => {
  it('is the three whole months up to the last costed hour', () => {
    expect(reconWindow('2026-01-15T05:00:00Z')).toBe('2025-11-01,2026-02-01')
    expect(reconWindow(undefined, new Date('2026-12-31T23:00:00Z'))).toBe('2026-10-01,2027-01-01')
  })
})

describe('offBill', () => {
  it('leaves out what the pro-rating of the bill leaves below a cent on days within the tolerance', () => {
    const [m] = reconMonths([{ ...day('2026-09-01', '412', '3.5', ['3.5', '0', '0', '0']), difference: '0.000000000151' }])
    expect(offBill(m)).toBe(false)
    const [cent] = reconMonths([{ ...day('2026-09-01', '412', '3.5', ['3.5', '0', '0', '0']), difference: '-0.006' }])
    expect(offBill(cent)).toBe(true)
  })
})

describe('reconPath and billLabel', () => {
  it('asks for the basis, amortized by default, and names the invoice billed', () => {
    expect(reconPath('2026-08-01,2026-11-01', 'amortized')).toBe('/api/v1/reconciliation?window=2026-08-01%2C2026-11-01')
    expect(reconPath('2026-08-01,2026-11-01', 'billed')).toBe('/api/v1/reconciliation?window=2026-08-01%2C2026-11-01&basis=billed')
    expect(reconPath('30d', 'list')).toBe('/api/v1/reconciliation?window=30d&basis=list')
    expect(billLabel('billed')).toBe('Invoice (billed)')
    expect(billLabel('amortized')).toBe('Invoice (amortized)')
    expect(billLabel('list')).toBe('Invoice at list prices')
  })
})
