#!/usr/bin/env bash
# What SessionService allocates per uploaded document (docs/benchmarks.md). Needs a Release build
# (dotnet build bench/Finqware.Bench -c Release), python3 and dotnet-counters (dotnet tool install -g dotnet-counters).
# Usage: bench/upload-allocations.sh [uploads, default 20]
set -euo pipefail
cd "$(dirname "$0")/.."
uploads=${1:-20}
export PATH="$PATH:$HOME/.dotnet/tools"
command -v dotnet-counters >/dev/null || { echo "dotnet-counters is missing: dotnet tool install -g dotnet-counters" >&2; exit 1; }
state=$(mktemp -d); log="$state/apphost.log"
dotnet AppHost/bin/Release/net10.0/AppHost.dll --random-ports --state-dir "$state" --fresh --no-dashboard > "$log" 2>&1 &
apphost=$!
trap 'kill -TERM $apphost 2>/dev/null; wait $apphost 2>/dev/null; rm -rf "$state"' EXIT
echo "starting the system…"
for _ in $(seq 1 120); do grep -q "Press Ctrl+C" "$log" && break; sleep 1; done
gateway=$(grep -oE "gateway +http://localhost:[0-9]+" "$log" | grep -oE "http.*")
sessions=$(pgrep -f "SessionService/bin/Release/net10.0/SessionService.dll" | head -1)
echo "gateway $gateway, SessionService pid $sessions; taking a card session to its identity documents…"
python3 - "$gateway" "$state" "$uploads" <<'PY' &
import json, http.client, os, sys, time, urllib.parse, uuid
gw = urllib.parse.urlparse(sys.argv[1]); state = sys.argv[2]; n = int(sys.argv[3])
demo = json.load(open(state + '/demo-tenant.json'))
c = http.client.HTTPConnection(gw.hostname, gw.port)
def req(method, path, body=None, headers={}, raw=None, ctype=None):
    h = dict(headers); data = None
    if body is not None: data = json.dumps(body); h['Content-Type'] = 'application/json'
    if raw is not None: data = raw; h['Content-Type'] = ctype
    c.request(method, path, body=data, headers=h); r = c.getresponse(); b = r.read(); return r.status, (json.loads(b) if b else None)
skill = 'xyz_cc_sbx_#1.0'
for _ in range(60):  # SessionService learns the demo tenant from TenantService's events
    status, s = req('POST', '/sessions', {'client_id': demo['client_id'], 'client_app_key': demo['client_app_key'], 'skill': skill})
    if status == 201: break
    time.sleep(0.5)
_, token = req('POST', '/oauth/token', raw=f"grant_type=client_credentials&client_id={demo['client_id']}&client_secret={demo['client_secret']}", ctype='application/x-www-form-urlencoded')
auth = {'Authorization': 'Bearer ' + token['access_token']}
sid, nonce = s['session_id'], s['nonce']
def submit(step, data):
    global nonce
    status, r = req('POST', f'/sessions/{sid}/steps', {'client_id': demo['client_id'], 'nonce': nonce, 'skill': skill, 'step': step, 'data': data})
    assert status == 202, (status, r); nonce = r['nonce']; return r['step_id']
def finished(step_id):
    while req('GET', f'/sessions/{sid}/steps/{step_id}?wait=20', headers=auth)[1]['status'] not in ('COMPLETED', 'FAILED'): pass
finished(submit('card_form', {'requested_limit': 5000, 'monthly_income': 3000, 'currency': 'EUR', 'employment_status': 'employed'}))
finished(submit('personal_data', {'first_name': 'Ana', 'last_name': 'Popescu', 'date_of_birth': '1990-04-12', 'national_id': '2900412400011',
    'email': 'ana.popescu@example.com', 'phone': '+40712345678', 'address': 'Strada Lipscani 10, Bucuresti', 'country': 'RO'}))
kyc = submit('kyc_documents', {'document_type': 'id_card', 'document_number': 'RX123456'})
open(state + '/ready', 'w').close()
while not os.path.exists(state + '/go'): time.sleep(0.1)
document = b'\xFF\xD8\xFF\xE0' + os.urandom(4_900_000); times = []
for _ in range(n):  # id_front again and again: each replaces the last
    b = '----fq' + uuid.uuid4().hex
    fields = ''.join(f'--{b}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n' for k, v in (('client_id', demo['client_id']), ('nonce', nonce), ('kind', 'id_front')))
    body = (fields + f'--{b}\r\nContent-Disposition: form-data; name="file"; filename="id.jpg"\r\n\r\n').encode() + document + f'\r\n--{b}--\r\n'.encode()
    t = time.perf_counter(); status, r = req('POST', f'/steps/{kyc}/upload', raw=body, ctype='multipart/form-data; boundary=' + b)
    times.append((time.perf_counter() - t) * 1000); assert status == 201, (status, r)
times.sort(); print(f'{n} uploads of {len(document) / 1e6:.1f} MB through the gateway: p50 {times[n // 2]:.0f} ms')
PY
traffic=$!
while [ ! -f "$state/ready" ]; do sleep 0.2; done
dotnet-counters collect -p "$sessions" --counters System.Runtime --format csv -o "$state/counters.csv" --refresh-interval 1 --duration 00:00:$((8 + uploads / 4)) > /dev/null 2>&1 &
counters=$!
sleep 2; touch "$state/go"; wait $traffic; wait $counters
python3 - "$state/counters.csv" "$uploads" <<'PY'
import csv, sys
rates = [float(r[-1]) for r in csv.reader(open(sys.argv[1])) if len(r) > 4 and r[2].startswith('dotnet.gc.heap.total_allocated')]
n = int(sys.argv[2])
print(f'SessionService allocated {sum(rates) / 1e6:.1f} MB while they ran (idle included): {sum(rates) / n / 1e6:.1f} MB per upload')
PY
