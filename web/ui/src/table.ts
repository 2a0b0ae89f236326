// Tables' rows as the dashboard sorts them and as their CSV downloads
// write them: pure functions of a table's columns, shared by every
// sortable table.

/** The CSV fields a column writes: each with its header (units in it) and value. */
export interface CsvField<T> {
  label: string
  value: (row: T) => string | number
}

/** A column of a table: what it sorts by, shows, and writes to CSV (csv; absent, none). */
export interface TableColumn<T> {
  key: string
  label: string
  value: (row: T) => number | string
  numeric?: boolean
  /** A column of controls (buttons), which nothing sorts by. */
  unsorted?: boolean
  csv?: CsvField<T>[]
}

/** rows sorted by the column keyed sort (else the first), dir "asc" or "desc"; rows stays as it is. */
export function sortRows<T>(rows: T[], columns: TableColumn<T>[], sort: string, dir: string): T[] {
  const col = columns.find((c) => c.key === sort) ?? columns[0]
  return [...rows].sort((a, b) => {
    const x = col.value(a)
    const y = col.value(b)
    const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y))
    return dir === 'asc' ? c : -c
  })
}

/** The key of the column a table is sorted by: sort, when a column has it, else the first's. */
export function sortedBy<T>(columns: TableColumn<T>[], sort: string): string {
  return (columns.find((c) => c.key === sort) ?? columns[0]).key
}

/**
 * A value as a CSV field. A plain decimal ("-12.5") is written as it is;
 * other text (names from bills and agents) starting with =, +, -, @, a tab
 * or a carriage return, which a spreadsheet would run as a formula, gets a
 * leading quote, as the server's CSV does (csvtable.Text). A field with a
 * comma, a quote or a line break is quoted.
 */
export function csvField(v: string | number): string {
  let s = String(v)
  if (!/^-?\d+(\.\d+)?$/.test(s) && /^[=+\-@\t\r]/.test(s)) s = "'" + s
  return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s
}

/** The CSV of rows, in their order: a header row, then a row each, the fields of the columns with csv. */
export function toCSV<T>(columns: TableColumn<T>[], rows: T[]): string {
  const fields = columns.flatMap((c) => c.csv ?? [])
  const lines = [fields.map((f) => csvField(f.label)), ...rows.map((r) => fields.map((f) => csvField(f.value(r))))]
  return lines.map((l) => l.join(',')).join('\r\n') + '\r\n'
}

/**
 * The unit of a money field's header: "USD per month" when every row is in
 * one currency, else "per month, in the row's currency" (the CSV then has
 * a currency field).
 */
export function moneyUnit(currencies: string[], per: string): string {
  const set = [...new Set(currencies.filter(Boolean))]
  return set.length === 1 ? `${set[0]} ${per}` : `${per}, in the row's currency`
}
