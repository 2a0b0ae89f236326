// The reconciliation of attributed cost to the invoice, by billing account
// and month: pure functions of the API's days, so they can be tested.
import type { CostBasis, ReconDay } from './api'
import { sumDecimals } from './format'

/** The amounts of a day, and of a month: exact decimal strings. */
export const reconAmounts = ['bill', 'allocated', 'idle', 'shared', 'unallocated', 'total', 'difference'] as const

/** A month of one billing account: its billed days' amounts (reconAmounts) added up exactly. */
export interface ReconMonth extends Pick<ReconDay, (typeof reconAmounts)[number]> {
  account: string
  currency: string
  /** "2026-10". */
  month: string
  /** The first and last billed day of the month in the window. */
  from: string
  to: string
  /** The billed days, and those of them the API says do not reconcile (past its tolerance). */
  days: number
  mismatchedDays: number
  /** Days the bill does not cover yet: not added up, there is nothing to reconcile them to. */
  unbilledDays: number
  /** Some allocations of the billed days were priced from the catalog. */
  estimated: boolean
}

/** The cost bases the reconciliation takes, in the order offered, with the bill's column label: billed is the invoice's figures. */
export const reconBases: { basis: CostBasis; label: string }[] = [
  { basis: 'amortized', label: 'Invoice (amortized)' },
  { basis: 'billed', label: 'Invoice (billed)' },
  { basis: 'list', label: 'Invoice at list prices' },
]

/** The label of the bill's column on basis: "Invoice (billed)". */
export function billLabel(basis: CostBasis): string {
  return (reconBases.find((b) => b.basis === basis) ?? reconBases[0]).label
}

/** The API path of the reconciliation of window on basis; amortized is the API's default and left out. */
export function reconPath(window: string, basis: CostBasis): string {
  const path = '/api/v1/reconciliation?window=' + encodeURIComponent(window)
  return basis === 'amortized' ? path : path + '&basis=' + basis
}

/**
 * The window of the three whole months (UTC) up to the one lastCostedHour
 * is in, as the API takes it: "2026-08-01,2026-11-01". Without
 * lastCostedHour (no costs yet) they end with now's month.
 */
export function reconWindow(lastCostedHour: string | undefined, now = new Date()): string {
  const t = lastCostedHour ? new Date(lastCostedHour) : now
  const month = (k: number) => new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth() + k, 1)).toISOString().slice(0, 10)
  return `${month(-2)},${month(1)}`
}

/**
 * The API's days added up per billing account and month, newest month
 * first, accounts in order within a month. Days the bill does not cover
 * yet (status estimated) are counted apart, not added: their allocations
 * are estimates with no bill to reconcile to.
 */
export function reconMonths(days: ReconDay[]): ReconMonth[] {
  const by = new Map<string, ReconDay[]>()
  for (const d of days) {
    const key = d.billingAccountId + '\u0000' + d.currency + '\u0000' + d.day.slice(0, 7)
    by.set(key, [...(by.get(key) ?? []), d])
  }
  const months = [...by.values()].map(monthOf)
  return months.sort((a, b) => b.month.localeCompare(a.month) || a.account.localeCompare(b.account) || a.currency.localeCompare(b.currency))
}

function monthOf(days: ReconDay[]): ReconMonth {
  const billed = days.filter((d) => d.status !== 'estimated')
  const sorted = billed.map((d) => d.day).sort()
  const amounts = Object.fromEntries(reconAmounts.map((k) => [k, sumDecimals(billed.map((d) => d[k]))]))
  return {
    ...(amounts as Pick<ReconMonth, (typeof reconAmounts)[number]>),
    account: days[0].billingAccountId,
    currency: days[0].currency,
    month: days[0].day.slice(0, 7),
    from: sorted[0] ?? '',
    to: sorted[sorted.length - 1] ?? '',
    days: billed.length,
    mismatchedDays: billed.filter((d) => d.status === 'mismatch').length,
    unbilledDays: days.length - billed.length,
    estimated: billed.some((d) => d.estimated),
  }
}

/**
 * Whether a month does not add up to its invoice: a day past the API's
 * tolerance, or a difference of a cent or more. Less, on days within the
 * tolerance, is what pro-rating the bill to hours leaves (0.000000000151):
 * it reads $0.00, and is not called a mismatch.
 */
export function offBill(m: ReconMonth): boolean {
  return m.mismatchedDays > 0 || Math.abs(Number(m.difference)) >= 0.005
}
