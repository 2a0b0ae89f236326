// d3-flame-graph exports its color mappers from index.js; its typings omit them.
declare module 'd3-flame-graph' {
  export function differentialColorMapper(node: any, originalColor: string): string
}
