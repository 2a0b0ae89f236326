import { useState } from 'preact/hooks'
import type { CostBasis, Reconciliation } from '../api'
import { Card, ErrorState, EstimateMark, Loading, useApi } from '../components'
import { money } from '../format'
import { billLabel, offBill, reconBases, reconMonths, reconPath, reconWindow, type ReconMonth } from '../reconciliation'

/** The columns of a month's amounts after the invoice's and before its total: the parts attribution spread it into. */
const amountColumns: { key: 'allocated' | 'idle' | 'shared' | 'unallocated'; label: string }[] = [
  { key: 'allocated', label: 'Allocated' },
  { key: 'idle', label: 'Idle' },
  { key: 'shared', label: 'Shared' },
  { key: 'unallocated', label: 'Unallocated' },
]

/** A month's days: "2026-10-01 to 2026-10-31", and those not billed yet. */
function Days({ m }: { m: ReconMonth }) {
  return (
    <span class="hint">
      {m.days ? `${m.from} to ${m.to}` : 'no billed day'}
      {m.unbilledDays > 0 && `; ${m.unbilledDays} day${m.unbilledDays > 1 ? 's' : ''} not billed yet, not counted`}
    </span>
  )
}

/** A month's difference: "$0.00", or, marked, the amount and the days past the tolerance when it is off the bill (offBill). */
function Difference({ m }: { m: ReconMonth }) {
  // Below a cent it reads $0.00 (not -$0.00); the exact amount is its title.
  if (!offBill(m)) return <span title={`exactly ${m.difference}`}>{money(0, m.currency)}</span>
  return (
    <b class="mismatch" data-mismatch>
      ⚠ {money(m.difference, m.currency, 2)}
      {m.mismatchedDays > 0 && ` (${m.mismatchedDays} day${m.mismatchedDays > 1 ? 's' : ''} off)`}
    </b>
  )
}

/**
 * Whether attributed cost adds up to the invoice: per billing account and
 * month (UTC) of the last three, the bill on the basis chosen (amortized,
 * billed: the invoice's figures, or list), what attribution spread of it
 * (allocated, idle, shared, unallocated) and the difference, which stands
 * out when it is not zero.
 */
export function ReconciliationCard({ lastCostedHour }: { lastCostedHour?: string }) {
  const [basis, setBasis] = useState<CostBasis>('amortized')
  const recon = useApi<Reconciliation>(reconPath(reconWindow(lastCostedHour), basis))
  const months = recon.data ? reconMonths(recon.data.days) : []
  const off = months.filter(offBill).length
  return (
    <Card title={`Reconciliation to the invoice (${basis}, by month, UTC)`} id="reconciliation">
      <form class="controls" onSubmit={(e) => e.preventDefault()} aria-label="Reconciliation view">
        <label>
          Basis
          <select name="recon-basis" value={basis} onChange={(e) => setBasis(e.currentTarget.value as CostBasis)}>
            {reconBases.map((b) => (
              <option key={b.basis} value={b.basis}>
                {b.basis}
              </option>
            ))}
          </select>
        </label>
      </form>
      {recon.loading && !recon.data && <Loading what="the reconciliation" />}
      {recon.error && <ErrorState error={recon.error} retry={recon.reload} what="the reconciliation" />}
      {recon.data && months.length === 0 && <p class="hint">No bill in the last three months: nothing to reconcile yet.</p>}
      {months.length > 0 && (
        <>
          <p class={off ? 'form-error' : 'hint'} data-recon-summary>
            {off
              ? `${off} of ${months.length} account-months do not add up to their invoice.`
              : `Every account-month adds up to its invoice (each day within ${money(recon.data!.tolerance, months[0].currency, 2)}).`}
          </p>
          <table class="grid" aria-label="Reconciliation">
            <thead>
              <tr>
                <th>Billing account</th>
                <th>Month</th>
                <th>Currency</th>
                <th class="num">{billLabel(basis)}</th>
                {amountColumns.map((c) => (
                  <th key={c.key} class="num">
                    {c.label}
                  </th>
                ))}
                <th class="num">Attributed</th>
                <th class="num">Difference</th>
              </tr>
            </thead>
            <tbody>
              {months.map((m) => (
                <tr key={m.account + m.currency + m.month} data-recon={`${m.account} ${m.month}`} class={offBill(m) ? 'off-bill' : ''}>
                  <td>
                    <code>{m.account}</code>
                  </td>
                  <td>
                    {m.month} <Days m={m} />
                  </td>
                  <td>{m.currency}</td>
                  <td class="num">{money(m.bill, m.currency)}</td>
                  {amountColumns.map((c) => (
                    <td key={c.key} class="num">
                      {money(m[c.key], m.currency)}
                    </td>
                  ))}
                  <td class="num">
                    {money(m.total, m.currency)}
                    <EstimateMark estimated={m.estimated} />
                  </td>
                  <td class="num" data-difference>
                    <Difference m={m} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </Card>
  )
}
