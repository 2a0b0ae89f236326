// Screenshots of every dashboard page of a running `tally demo`:
//   TALLY_DEMO_LOGIN=<the demo's one-click sign-in URL> TALLY_OUT=DIR node web/ui/e2e/demo-pages.mjs
// Fails when a page shows an error or an empty state instead of data.
import { chromium } from 'playwright-core'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'

const login = process.env.TALLY_DEMO_LOGIN
const out = process.env.TALLY_OUT || 'test-output/demo'
if (!login) {
  console.error('set TALLY_DEMO_LOGIN to the sign-in link tally demo prints')
  process.exit(2)
}
mkdirSync(out, { recursive: true })
const base = new URL(login).origin
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
})
const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } })
let bad = 0
await page.goto(login)
for (const path of ['/', '/allocations', '/functions', '/rightsizing', '/commitments', '/reports', '/settings']) {
  await page.goto(base + path)
  await page.waitForLoadState('networkidle')
  await page.waitForTimeout(500)
  const text = await page.locator('main').innerText().catch(() => '')
  const problem = /error|failed|no data yet|nothing to show/i.exec(text)
  const name = path === '/' ? 'overview' : path.slice(1)
  await page.screenshot({ path: join(out, name + '.png'), fullPage: true })
  console.log(`${problem ? 'PROBLEM' : 'ok     '} ${path}  ${problem ? '(' + problem[0] + ')' : ''}  ${text.replace(/\s+/g, ' ').slice(0, 140)}`)
  if (problem) bad++
}
await browser.close()
process.exit(bad ? 1 : 0)
