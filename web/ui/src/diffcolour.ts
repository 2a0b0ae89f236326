// The colours of a Functions diff, shared by its flame graph and its table
// (style.css's .diff-more, .diff-less and .diff-new are their text forms).

/**
 * The fill of a diff's flame graph frame of value (its cost) that changed
 * by delta since the base: red when it costs more, blue when less, the
 * deeper the larger the change against its cost, and tinted from the
 * smallest change on; orange when new (all of its cost is its change);
 * grey when unchanged. d3-flame-graph's differentialColorMapper drew a
 * change of up to 6% of a frame grey or lighter, as if unchanged.
 */
export function diffColour(delta: number, value: number): string {
  if (delta === 0) return 'rgb(220,220,220)'
  if (delta > 0 && delta >= value) return 'rgb(255,190,90)'
  const share = Math.min(1, Math.abs(delta) / value)
  const light = Math.round(200 * (1 - share))
  return delta > 0 ? `rgb(220,${light},${light})` : `rgb(${light},${light},220)`
}
