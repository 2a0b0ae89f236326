#!/bin/bash
# usage: load_agents.sh DBNAME DEMODIR PORT
set -e
DB=$1; DIR=$2; PORT=$3
U="postgres:///$DB?host=/tmp/review-store-cli/sock&user=tally"
T=/tmp/review-store-cli/tally
PSQL="/usr/lib/postgresql/15/bin/psql -h /tmp/review-store-cli/sock -U tally -d $DB -qAt"
python3 - "$DIR" > /tmp/review-store-cli/clusters.sql <<'PY'
import json,sys
t=json.load(open(sys.argv[1]+'/truth.json'))
for c in t['clusters']:
    print("INSERT INTO clusters (cluster_id,name,provider,region,billing_account_id) VALUES ('%s','%s','%s','%s','%s') ON CONFLICT (cluster_id) DO UPDATE SET billing_account_id=excluded.billing_account_id, provider=excluded.provider, region=excluded.region;"%(c['id'],c['id'],c['provider'],c['region'],c['billingAccountId']))
PY
$PSQL -f /tmp/review-store-cli/clusters.sql
$T --database-url "$U" --log-level error serve --addr 127.0.0.1:$PORT > /tmp/review-store-cli/log/serve-$DB.log 2>&1 &
SP=$!
echo "serve pid $SP"
sleep 3
declare -A TOK
for c in $(python3 -c "import json,sys;print(' '.join(c['id'] for c in json.load(open('$DIR/truth.json'))['clusters']))"); do
  TOK[$c]=$($T --database-url "$U" --log-level error token create --kind agent --cluster $c --name rv | grep -oE 'tly_[A-Za-z0-9_-]+' | head -1)
done
python3 -c "import json;m=json.load(open('$DIR/manifest.json'));print('\n'.join(a['cluster']+' '+a['path'] for a in m['agent']))" | while read c p; do
  code=$(curl -s -o /tmp/review-store-cli/log/post.out -w '%{http_code}' -X POST -H 'Content-Type: application/json' -H 'Content-Encoding: gzip' -H "Authorization: Bearer ${TOK[$c]}" --data-binary @$DIR/$p http://127.0.0.1:$PORT/api/v1/ingest/agent)
  if [ "${code:0:1}" != 2 ]; then echo "POST $p: $code $(cat /tmp/review-store-cli/log/post.out)"; fi
done
kill $SP; wait $SP || true
