import { describe, expect, it } from 'vitest'
import { diffColour } from './diffcolour'

describe('diffColour', () => {
  it.each([
    // A change of a hundredth of a frame is still red or blue, not grey.
    [0.01, 1, 'rgb(220,198,198)'],
    [0.5, 1, 'rgb(220,100,100)'],
    [0.99, 1, 'rgb(220,2,2)'],
    [-0.01, 1, 'rgb(198,198,220)'],
    [-0.5, 1, 'rgb(100,100,220)'],
    [-2, 1, 'rgb(0,0,220)'],
    [1, 1, 'rgb(255,190,90)'],
    [0, 1, 'rgb(220,220,220)'],
    [0, 0, 'rgb(220,220,220)'],
  ])('a change of %f of %f is %s', (delta, value, want) => {
    expect(diffColour(delta, value)).toBe(want)
  })
})
