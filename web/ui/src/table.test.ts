import { describe, expect, it } from 'vitest'
import { csvField, moneyUnit, sortRows, toCSV, type TableColumn } from './table'

interface Row {
  name: string
  saving: string
}

const columns: TableColumn<Row>[] = [
  { key: 'name', label: 'Name', value: (r) => r.name, csv: [{ label: 'Name', value: (r) => r.name }] },
  { key: 'saving', label: 'Saving', value: (r) => Number(r.saving), numeric: true, csv: [{ label: 'Saving (USD per month)', value: (r) => r.saving }] },
  { key: 'shown', label: 'Shown only', value: () => '' },
]

describe('sortRows', () => {
  const rows = [
    { name: 'b', saving: '10' },
    { name: 'a', saving: '9' },
    { name: 'c', saving: '-1' },
  ]
  it('sorts numbers as numbers, text as text, either way', () => {
    expect(sortRows(rows, columns, 'saving', 'desc').map((r) => r.name)).toEqual(['b', 'a', 'c'])
    expect(sortRows(rows, columns, 'saving', 'asc').map((r) => r.name)).toEqual(['c', 'a', 'b'])
    expect(sortRows(rows, columns, 'name', 'asc').map((r) => r.name)).toEqual(['a', 'b', 'c'])
    expect(rows[0].name).toBe('b')
  })
  it('sorts by the first column for an unknown key', () => {
    expect(sortRows(rows, columns, 'nope', 'asc').map((r) => r.name)).toEqual(['a', 'b', 'c'])
  })
})

describe('csvField', () => {
  it('neutralizes formulas, not negative amounts', () => {
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`)
    expect(csvField('+1')).toBe("'+1")
    expect(csvField('-1+2')).toBe("'-1+2")
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)")
    expect(csvField('\tx')).toBe("'\tx")
    expect(csvField('-12.50')).toBe('-12.50')
    expect(csvField(-3)).toBe('-3')
    expect(csvField('a,b')).toBe('"a,b"')
    expect(csvField('prod/shop')).toBe('prod/shop')
  })
})

describe('toCSV', () => {
  it('writes the columns with csv fields, rows in their order', () => {
    const csv = toCSV(columns, [
      { name: '=cmd', saving: '-1.5' },
      { name: 'shop', saving: '2' },
    ])
    expect(csv).toBe("Name,Saving (USD per month)\r\n'=cmd,-1.5\r\nshop,2\r\n")
  })
})

describe('moneyUnit', () => {
  it('names the one currency, else the row\'s', () => {
    expect(moneyUnit(['USD', 'USD', ''], 'per month')).toBe('USD per month')
    expect(moneyUnit(['USD', 'EUR'], 'per month')).toBe("per month, in the row's currency")
  })
})
