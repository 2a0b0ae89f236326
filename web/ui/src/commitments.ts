// The Commitments page's charts, apart from the page so they can be tested.
import type { CommitmentKPI } from './api'
import { axisTooltip, palette, type Option } from './charts'
import { day, pct } from './format'

/**
 * The chart of the ratios over time. A single day's ratios (a first bill)
 * are points: a line of one point draws nothing.
 */
export function kpiChart(kpis: CommitmentKPI[]): Option {
  const showSymbol = kpis.length === 1
  return {
    color: palette,
    grid: { left: 50, right: 20, top: 40, bottom: 30 },
    legend: { top: 0 },
    tooltip: { trigger: 'axis', formatter: axisTooltip((v) => pct(v)) },
    xAxis: { type: 'category', data: kpis.map((k) => day(k.t)) },
    yAxis: { type: 'value', min: 0, max: 1, axisLabel: { formatter: (v: number) => pct(v, 0) } },
    series: [
      { name: 'Utilization', type: 'line', showSymbol, data: kpis.map((k) => k.utilization) },
      { name: 'Coverage', type: 'line', showSymbol, data: kpis.map((k) => k.coverage) },
      { name: 'Effective savings rate', type: 'line', showSymbol, data: kpis.map((k) => k.esr) },
    ],
  }
}
