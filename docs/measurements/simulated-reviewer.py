# A simulated reviewer, as the README's "Rehearsing a cycle" measured it: signs in to a running Kaizen as a reviewer
# and writes Bitext's detailed answer as the ideal answer of up to LIMIT ideal-answer tasks (the queue gives disliked
# answers first), skipping a task whose message is not a Bitext customer message.
#   python3 docs/measurements/simulated-reviewer.py URL NAME PASSWORD LIMIT
# The server needs a review buffer (serve --review-buffer 300 --review-overlap 1). Prints what it did as JSON.
import csv, json, os, re, sys, time, urllib.error, urllib.request, urllib.parse, http.cookiejar
base, name, password, limit = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
refs = {}
for row in csv.DictReader(open(os.path.join(os.path.dirname(__file__), '..', '..', 'data', 'bitext', 'detailed_responses.csv'),
                                   encoding='utf-8')):
    refs.setdefault(' '.join(row['instruction'].lower().split()), row['response'])
jar = http.cookiejar.CookieJar()
op = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k): return None
op2 = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
page = op.open(base + '/login').read().decode()
tok = re.search(r'name="_csrf" value="([^"]+)"', page).group(1)
try:
    op2.open(base + '/login', urllib.parse.urlencode({'_csrf': tok, 'name': name, 'password': password}).encode())
except urllib.error.HTTPError as e:
    assert e.code == 303, e.code
csrf = re.search(r'name="csrf-token" content="([^"]+)"', op.open(base + '/').read().decode()).group(1)
def call(method, path, body=None):
    req = urllib.request.Request(base + path, method=method, data=None if body is None else json.dumps(body).encode(),
                                 headers={'Content-Type': 'application/json', 'X-CSRF-Token': csrf})
    return json.loads(op.open(req).read().decode() or '{}')
done = skipped = empty = 0
while done < limit and empty < 20:
    t = call('GET', '/api/review/next?kind=ideal')['task']
    if t is None:
        empty += 1; time.sleep(1); continue
    empty = 0
    users = [m['content'] for m in t['history'] if m['role'] == 'user']
    ref = refs.get(' '.join(users[-1].lower().split())) if users else None
    if ref is None:
        call('POST', f"/api/review/work/{t['work_id']}/skip", {'reason': 'no reference'}); skipped += 1; continue
    call('POST', f"/api/review/work/{t['work_id']}/ideal", {'answer': ref}); done += 1
print(json.dumps({'ideal_answers': done, 'skipped': skipped}))
