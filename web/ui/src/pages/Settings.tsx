import { useEffect, useState } from 'preact/hooks'
import { ApiError, api, type CostSettings, type Me, type Token } from '../api'
import { Card, ErrorState, Loading, useApi } from '../components'
import { day } from '../format'

function CostRules({ admin }: { admin: boolean }) {
  const current = useApi<CostSettings>('/api/v1/settings/cost')
  const [form, setForm] = useState<CostSettings | null>(null)
  const [msg, setMsg] = useState('')
  useEffect(() => {
    if (current.data) setForm(current.data)
  }, [current.data])
  if (current.error) return <ErrorState error={current.error} retry={current.reload} what="cost settings" />
  if (!form) return <Loading what="cost settings" />
  return (
    <form
      class="settings"
      aria-label="Shared-cost rules"
      onSubmit={async (e) => {
        e.preventDefault()
        setMsg('')
        try {
          setForm(await api.put<CostSettings>('/api/v1/settings/cost', form))
          setMsg('Saved. Allocation views without their own idle/shared choice now use these rules.')
        } catch (err) {
          setMsg((err as ApiError).message)
        }
      }}
    >
      <label>
        Idle cost
        <select name="idle" disabled={!admin} value={form.idle} onChange={(e) => setForm({ ...form, idle: e.currentTarget.value })}>
          <option value="separate">shown as __idle__</option>
          <option value="share">shared over each cluster's workloads</option>
          <option value="hide">hidden</option>
        </select>
      </label>
      <label>
        Shared costs (control plane, shared namespaces)
        <select name="shared" disabled={!admin} value={form.shared} onChange={(e) => setForm({ ...form, shared: e.currentTarget.value })}>
          <option value="weighted">spread by each workload's cost</option>
          <option value="even">spread evenly</option>
          <option value="separate">shown as __shared__</option>
        </select>
      </label>
      <label>
        Shared namespaces (comma-separated)
        <input
          name="shareNamespaces"
          disabled={!admin}
          value={form.shareNamespaces.join(', ')}
          onChange={(e) =>
            setForm({
              ...form,
              shareNamespaces: e.currentTarget.value
                .split(',')
                .map((x) => x.trim())
                .filter(Boolean),
            })
          }
        />
      </label>
      {admin ? <button type="submit">Save rules</button> : <p class="hint">Only admins change these rules.</p>}
      {msg && (
        <p class="hint" role="status">
          {msg}
        </p>
      )}
    </form>
  )
}

/** The new-token form's values before anything is typed, and again once a token is created. */
const blankToken = { name: '', kind: 'api', role: 'viewer', cluster: '', expiresInDays: 0 }

function Tokens() {
  // clusters: those agents have reported, which an agent token is for (older servers: absent).
  const list = useApi<{ tokens: Token[]; clusters?: string[] }>('/api/v1/tokens')
  const [form, setForm] = useState(blankToken)
  // The token just created: its secret, shown once, its kind, and what to know about it.
  const [created, setCreated] = useState<{ secret: string; kind: string; notice?: string } | null>(null)
  const [err, setErr] = useState('')
  const [revokeErr, setRevokeErr] = useState('')
  if (list.error) return <ErrorState error={list.error} retry={list.reload} what="tokens" />
  if (!list.data) return <Loading what="tokens" />
  return (
    <>
      <table class="grid" aria-label="Tokens">
        <thead>
          <tr>
            <th>Name</th>
            <th>Kind</th>
            <th>Role</th>
            <th>Cluster</th>
            <th>Created</th>
            <th>Last used</th>
            <th>Expires</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {list.data.tokens.map((t) => (
            <tr key={t.id}>
              <td>{t.name}</td>
              <td>{t.kind}</td>
              <td>{t.role}</td>
              <td>{t.cluster ?? ''}</td>
              <td>{day(t.createdAt)}</td>
              <td>{t.lastUsedAt ? day(t.lastUsedAt) : 'never'}</td>
              <td>{!t.expiresAt ? 'never' : Date.parse(t.expiresAt) <= Date.now() ? `expired ${day(t.expiresAt)}` : day(t.expiresAt)}</td>
              <td>
                <button
                  class="link danger"
                  onClick={async () => {
                    if (!confirm(`Revoke token ${t.name}?`)) return
                    setRevokeErr('')
                    try {
                      await api.del('/api/v1/tokens/' + encodeURIComponent(t.id))
                    } catch (x) {
                      setRevokeErr(`Could not revoke ${t.name}: ${(x as Error).message}`)
                    }
                    list.reload()
                  }}
                >
                  Revoke
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {revokeErr && (
        <p class="form-error" role="alert">
          {revokeErr}
        </p>
      )}
      <form
        class="settings inline"
        aria-label="New token"
        onSubmit={async (e) => {
          e.preventDefault()
          setErr('')
          try {
            const r = await api.post<{ secret: string; notice?: string }>('/api/v1/tokens', form)
            setCreated({ secret: r.secret, kind: form.kind, notice: r.notice })
            setForm(blankToken)
            list.reload()
          } catch (x) {
            setErr((x as ApiError).message)
          }
        }}
      >
        <label>
          Name
          <input name="tokenName" required value={form.name} onInput={(e) => setForm({ ...form, name: e.currentTarget.value })} />
        </label>
        <label>
          Kind
          <select name="tokenKind" value={form.kind} onChange={(e) => setForm({ ...form, kind: e.currentTarget.value })}>
            <option value="api">API (scripts, Prometheus)</option>
            <option value="agent">agent (ingest only)</option>
          </select>
        </label>
        {form.kind === 'api' ? (
          <label>
            Role
            <select value={form.role} onChange={(e) => setForm({ ...form, role: e.currentTarget.value })}>
              <option value="viewer">viewer</option>
              <option value="admin">admin</option>
            </select>
          </label>
        ) : (
          <label>
            Cluster
            <input
              name="tokenCluster"
              required
              list="reported-clusters"
              value={form.cluster}
              onInput={(e) => setForm({ ...form, cluster: e.currentTarget.value })}
            />
            <datalist id="reported-clusters">
              {(list.data.clusters ?? []).map((c) => (
                <option key={c} value={c} />
              ))}
            </datalist>
          </label>
        )}
        <label>
          Expires in days (0: never)
          <input
            name="tokenExpiresInDays"
            type="number"
            min={0}
            max={3650}
            value={form.expiresInDays}
            onInput={(e) => setForm({ ...form, expiresInDays: Number(e.currentTarget.value) })}
          />
        </label>
        <button type="submit">Create token</button>
      </form>
      {err && (
        <p class="form-error" role="alert">
          {err}
        </p>
      )}
      {created && (
        <div class="notice" data-secret>
          <b>Copy this token now; it is not shown again.</b>
          <pre>{created.secret}</pre>
          {created.notice && (
            <p data-notice="new-cluster" role="status">
              {created.notice}
            </p>
          )}
          {created.kind === 'agent' ? (
            <p class="hint">
              Put it in the agent's Secret: <code>kubectl -n tally create secret generic tally-agent --from-literal=token=…</code>
            </p>
          ) : (
            <p class="hint">
              Send it as <code>Authorization: Bearer …</code>; Prometheus: <code>authorization: {'{'}credentials: …{'}'}</code> in the scrape job.
            </p>
          )}
        </div>
      )}
    </>
  )
}

export function Settings({ me }: { me: Me }) {
  const admin = me.role === 'admin'
  return (
    <div class="page" data-page="settings">
      <h1>Settings</h1>
      <Card title="Shared-cost rules">
        <CostRules admin={admin} />
      </Card>
      <Card title="API and agent tokens">
        {admin ? <Tokens /> : <p class="hint">Only admins manage tokens.</p>}
      </Card>
    </div>
  )
}
