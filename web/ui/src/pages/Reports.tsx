import type { Me } from '../api'
import { Card, ErrorState, Loading, NotAvailable, useApi } from '../components'

interface ReportInfo {
  week: string
  subject: string
  previewUrl: string
}

export function Reports(_: { me: Me }) {
  const info = useApi<ReportInfo>('/api/v1/reports/weekly')
  return (
    <div class="page" data-page="reports">
      <h1>Reports</h1>
      {info.loading && !info.data && <Loading what="the weekly report" />}
      {info.error?.notAvailable && (
        <NotAvailable what="Weekly report previews">
          <p>
            This server does not serve <code>/api/v1/reports/weekly</code> yet. Render the email from the command line:{' '}
            <code>tally report weekly --preview report.html</code>, or send it with <code>--send</code>.
          </p>
        </NotAvailable>
      )}
      {info.error && !info.error.notAvailable && <ErrorState error={info.error} retry={info.reload} what="the weekly report" />}
      {info.data && (
        <Card title={`Week of ${info.data.week}: ${info.data.subject}`}>
          <p class="hint">This is the email as recipients will see it.</p>
          {/* No scripts, no same origin; its links (to the dashboard) open here, not in the frame. */}
          <iframe class="report" sandbox="allow-top-navigation-by-user-activation" title="Weekly report email preview" src={info.data.previewUrl} />
        </Card>
      )}
    </div>
  )
}
