// The coordinator dashboard in a real browser (Debian's Chromium, driven by playwright-core).
//
// Needs a freshly seeded demo server (.ci/demo-server.sh exports HAMKKE_URL and DEMO_USERS).
// It records a district's worth of work through the public API as the demo users would,
// knowing what every figure must be; signs in as the demo coordinator by keyboard; checks that
// every chart is drawn and its table shows those figures; downloads a CSV; saves screenshots at
// 1280×800 and on a tablet; checks that no token is kept in storage, that nothing but the
// page's own origin is asked for and that the CSP is never violated; and signs in as a
// caseworker to see the page refuse district figures.
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const BASE = process.env.HAMKKE_URL;
const OUT = process.env.BROWSER_OUT || 'target/browser';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
assert.ok(BASE, 'HAMKKE_URL is not set: source .ci/demo-server.sh first');
mkdirSync(OUT, { recursive: true });

const passwords = Object.fromEntries(
  readFileSync(process.env.DEMO_USERS, 'utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(' ').slice(0, 2)),
);

// ---- the API, as the demo users ----------------------------------------------------------

async function call(token, method, path, body) {
  const res = await fetch(`${BASE}/api/v1${path}`, {
    method,
    headers: {
      'Content-Type': 'application/json',
      Accept: 'application/json',
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, text };
}

async function ok(token, method, path, body, expected = [200, 201]) {
  const r = await call(token, method, path, body);
  assert.ok([].concat(expected).includes(r.status), `${method} ${path} → ${r.status}: ${r.text}`);
  return r.body;
}

async function login(username, password = passwords[username]) {
  return (await ok(null, 'POST', '/auth/token', { username, password })).access_token;
}

const KST = 9 * 3600 * 1000;
const kstToday = () => new Date(Date.now() + KST).toISOString().slice(0, 10);
const today = kstToday();
const thisMonth = today.slice(0, 7);
/** The 10th of the month `k` months before this one. */
function monthsAgo(k) {
  const [y, m] = today.split('-').map(Number);
  const d = new Date(Date.UTC(y, m - 1 - k, 10));
  return d.toISOString().slice(0, 10);
}
const addDays = (day, n) => new Date(Date.parse(day) + n * 86400000).toISOString().slice(0, 10);
/** The latest 15 November on or before today: inside the winter season of heating benefits. */
function lastWinterDay() {
  const y = Number(today.slice(0, 4));
  const thisYear = `${y}-11-15`;
  return thisYear <= today ? thisYear : `${y - 1}-11-15`;
}

// What the dashboard must show, counted as the work is done.
const expected = {
  status: {},
  risk: {},
  lead: {},
  opened: 0,
  closed: 0,
  overdue: 0,
  byType: {},
  byProvider: {},
  byDong: {},
  byRegistering: {},
  prevented: 0,
  approved: 0,
  rejected: 0,
  pending: 0,
  repeats: {},
};
const bump = (map, key, n = 1) => { map[key] = (map[key] || 0) + n; };

async function seed() {
  const admin = await login('demo.admin');
  const orgs = (await ok(admin, 'GET', '/organizations?limit=100')).items;
  const org = (prefix) => orgs.find((o) => o.name.startsWith(prefix));
  const [gongdeok, ahyeon, welfare] = [org('공덕동'), org('아현동'), org('마포종합사회복지관')];
  // The centre's first account: an activation code the worker redeems with a password.
  const created = await ok(admin, 'POST', '/users', {
    username: 'demo.ahyeon', display_name: '아현동 주무관', org_id: ahyeon.id, role: 'caseworker',
  });
  await ok(null, 'POST', '/auth/activate', {
    username: 'demo.ahyeon', activation_code: created.activation_code, password: 'ahyeon-browser-test-1',
  }, 204);
  const coord = await login('demo.coordinator');
  const dong = await login('demo.dong');
  const dong2 = await login('demo.ahyeon', 'ahyeon-browser-test-1');
  const wel = await login('demo.welfare');
  const registrar = new Map([[dong, gongdeok], [dong2, ahyeon], [wel, welfare]]);

  const types = Object.fromEntries(
    (await ok(coord, 'GET', '/benefit-types?limit=100')).items.map((t) => [t.code, t]),
  );
  const resource = async (token, name, code, unit) => {
    const r = await ok(token, 'POST', '/resources', {
      name, benefit_type_id: types[code].id, funding: 'private_donation', unit,
    });
    return { id: r.id, code, provider: registrar.get(token) };
  };
  const oil = await resource(dong, '난방유 200L (공덕동)', 'heating_oil', '드럼');
  const coal = await resource(wel, '사랑의 연탄 나눔', 'briquettes', '장');
  const dishes = await resource(wel, '밑반찬 배달', 'side_dishes', '회');
  const rice = await resource(dong2, '쌀 10kg', 'rice', '포');

  // Households and persons: where each was registered decides its dong row.
  const people = [];
  const person = async (token, name, birth, householdId) => {
    const body = { name, birth_date: birth, ...(householdId ? { household_id: householdId } : {}) };
    const p = await ok(token, 'POST', '/persons', body);
    const entry = { id: p.id, dong: registrar.get(token), token, residence: residence.get(householdId) || 'unknown' };
    people.push(entry);
    return entry;
  };
  // A household's administrative dong decides its dong-of-residence row (공덕동's code, as the
  // demo centre serves it); persons without one are counted as unknown.
  const residence = new Map();
  const household = async (token, address, code) => {
    const id = (await ok(token, 'POST', '/households', { address, ...(code ? { admin_dong_code: code } : {}) })).id;
    if (code) residence.set(id, code);
    return id;
  };
  const h1 = await household(dong, '서울 마포구 공덕로 10', '1144055500');
  const grandma = await person(dong, '김순자', '1941-03-02', h1);
  const grandson = await person(dong, '김민준', '2011-07-19', h1);
  const lee = await person(dong, '이영철', '1958-11-30');
  const park = await person(dong, '박말순', '1947-01-25');
  const choi = await person(dong2, '최동수', '1962-05-05');
  const jung = await person(dong2, '정미경', '1975-09-09');
  const han = await person(wel, '한상우', '1950-12-12');
  const yoon = await person(wel, '윤지혜', '1988-02-14');

  const give = async (token, res, who, on, extra = {}) => {
    const r = await call(token, 'POST', '/allocations', {
      resource_id: res.id, person_id: who.id, granted_on: on, quantity: 1, ...extra,
    });
    return r;
  };
  const counted = (res, who, on) => {
    const month = on.slice(0, 7);
    bump(expected.byType, res.code);
    bump(expected.byProvider, res.provider.id);
    bump(expected.byRegistering, who.dong.id === welfare.id ? 'other' : who.dong.id);
    bump(expected.byDong, who.residence);
    return month;
  };
  const granted = async (token, res, who, on) => {
    const r = await give(token, res, who, on);
    assert.equal(r.status, 201, r.text);
    counted(res, who, on);
  };

  // Winter heating: the household once; the welfare centre's briquettes for the grandson are
  // the same group in the same winter — refused twice, then one override approved, one
  // rejected, one left pending.
  const winter = lastWinterDay();
  await granted(dong, oil, grandma, winter);
  await granted(dong, oil, lee, winter);
  await granted(wel, coal, han, addDays(winter, 3));
  for (const n of [5, 6]) {
    const r = await give(wel, coal, grandson, addDays(winter, n));
    assert.equal(r.status, 409, r.text);
    expected.prevented += 1;
  }
  const override = async (n) => {
    const r = await give(wel, coal, grandson, addDays(winter, n), { override: { reason: '한파 특별지원' } });
    assert.equal(r.status, 202, r.text);
    return r.body.id;
  };
  const a1 = await override(7);
  await ok(coord, 'POST', `/allocations/${a1}/approve`, {});
  counted(coal, grandson, addDays(winter, 7));
  expected.approved += 1;
  const a2 = await override(8);
  await ok(coord, 'POST', `/allocations/${a2}/reject`, { reason: '같은 겨울 이미 지원' });
  expected.rejected += 1;
  await override(9);
  counted(coal, grandson, addDays(winter, 9)); // a pending claim counts, as in the check
  expected.pending += 1;
  // The grandson now has two winter claims (approved and pending): one repeat of briquettes.
  bump(expected.repeats, 'briquettes');

  // Side dishes every month for six months to two people; rice now and then.
  for (let k = 5; k >= 0; k--) {
    const day = k === 0 ? today : monthsAgo(k);
    await granted(wel, dishes, park, day);
    await granted(wel, dishes, yoon, day);
    if (k % 2 === 0) await granted(dong2, rice, choi, day);
  }
  bump(expected.repeats, 'side_dishes', 10);
  bump(expected.repeats, 'rice', 2);
  await granted(dong2, rice, jung, monthsAgo(1));

  // Cases: found, assessed, in service with a review overdue, closed.
  const openCase = async (token, who, risk) => {
    const c = await ok(token, 'POST', '/cases', {
      person_id: who.id, case_type: 'general', risk_level: risk, source: 'outreach',
      summary: '혼자 사는 어르신, 난방비 체납',
    });
    bump(expected.risk, risk);
    bump(expected.lead, registrar.get(token).name);
    expected.opened += 1;
    return c.id;
  };
  const move = (token, id, body) => ok(token, 'POST', `/cases/${id}/transitions`, body);
  const c1 = await openCase(dong, grandma, 'crisis');
  await move(dong, c1, { to: 'in_service' });
  await ok(dong, 'POST', `/cases/${c1}/plans`, {
    summary: '난방과 식사 지원', starts_on: monthsAgo(2),
    goals: [{ text: '겨울 난방 유지', domain: 'health' }],
    services: [{ description: '난방유 지원', provider_org_id: gongdeok.id, frequency: '겨울 1회', starts_on: monthsAgo(2) }],
    next_review_on: addDays(today, -3),
  });
  bump(expected.status, 'in_service');
  expected.overdue += 1;
  const c2 = await openCase(dong, lee, 'high');
  await move(dong, c2, { to: 'assessing' });
  bump(expected.status, 'assessing');
  await openCase(dong, park, 'moderate');
  bump(expected.status, 'discovered');
  const c4 = await openCase(dong2, choi, 'high');
  await move(dong2, c4, { to: 'in_service' });
  bump(expected.status, 'in_service');
  const c5 = await openCase(wel, han, 'general');
  await move(wel, c5, { to: 'in_service' });
  await move(wel, c5, { to: 'closed', closing_reason: 'goal_achieved', evaluation: '난방·식사 안정, 자립' });
  bump(expected.status, 'closed');
  expected.closed += 1;
  await openCase(wel, yoon, 'moderate');
  bump(expected.status, 'discovered');

  // A winter campaign (연말연시 집중 지원): quotas for two centres, three nominated by 공덕동
  // (one returned, its place given back), none yet approved.
  const campaign = await ok(coord, 'POST', '/campaigns', {
    name: '희망온돌 따뜻한 겨울나기', starts_on: lastWinterDay(), ends_on: '2099-02-28',
    benefit_type_ids: [types.heating_oil.id],
    quotas: [{ organization_id: gongdeok.id, persons: 10 }, { organization_id: ahyeon.id, persons: 5 }],
  });
  const nominees = [];
  for (const [name, birth] of [['강민호', '1944-04-04'], ['오순희', '1946-06-06'], ['서정자', '1943-03-03']]) {
    const p = await ok(dong, 'POST', '/persons', { name, birth_date: birth });
    nominees.push(await ok(dong, 'POST', `/campaigns/${campaign.id}/nominations`, { person_id: p.id, resource_id: oil.id }));
  }
  await ok(coord, 'POST', `/nominations/${nominees[2].id}/return`, { reason: '주소지 확인 필요' });
  expected.campaign = { id: campaign.id, gongdeok: gongdeok.id, ahyeon: ahyeon.id };
  return { names: new Map(orgs.map((o) => [o.id, o.name])), people };
}

// ---- the browser ---------------------------------------------------------------------------

const failures = [];
function check(cond, message) {
  if (!cond) failures.push(message);
}

async function tableValues(page, section) {
  return page.$$eval(`section[data-section="${section}"] tbody tr`, (rows) => rows.map((tr) => ({
    key: tr.dataset.key,
    label: tr.querySelector('th').textContent,
    cells: Object.fromEntries([...tr.querySelectorAll('td')].map((td) => [td.dataset.col, Number(td.dataset.value)])),
  })));
}

async function chartState(page, section) {
  return page.$eval(`section[data-section="${section}"]`, (card) => {
    const canvas = card.querySelector('canvas');
    const chart = canvas && window.Chart.getChart(canvas);
    if (!chart) return { drawn: false };
    const ctx = canvas.getContext('2d');
    const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
    let inked = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) inked++;
    const total = chart.data.datasets.reduce((s, d) => s + d.data.reduce((a, b) => a + b, 0), 0);
    return { drawn: true, inked, width: canvas.width, height: canvas.height, total, type: chart.config.type };
  });
}

async function signIn(page, username, password) {
  // By keyboard only: the form must work without a mouse.
  await page.focus('#username');
  await page.keyboard.type(username);
  await page.keyboard.press('Tab');
  await page.keyboard.type(password);
  await page.keyboard.press('Enter');
}

async function main() {
  const { names } = await seed();
  const origin = new URL(BASE).origin;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync', '--lang=ko-KR'],
  });
  try {
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 }, locale: 'ko-KR', timezoneId: 'Asia/Seoul', acceptDownloads: true,
    });
    const page = await context.newPage();
    const foreign = [];
    const problems = [];
    page.on('request', (r) => { if (!r.url().startsWith(origin) && !r.url().startsWith('blob:') && !r.url().startsWith('data:')) foreign.push(r.url()); });
    page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
    page.on('pageerror', (e) => problems.push(String(e)));

    await page.goto(`${BASE}/dashboard/`);
    check(await page.isVisible('#login'), 'the sign-in form shows first');
    await signIn(page, 'demo.coordinator', passwords['demo.coordinator']);
    await page.waitForSelector('body[data-loaded="true"]', { timeout: 15000 });
    // The whole period of the seeded work.
    const first = [lastWinterDay(), monthsAgo(5)].sort()[0].slice(0, 7) + '-01';
    await page.fill('#from', first);
    await page.fill('#to', today);
    await page.evaluate(() => { document.body.dataset.loaded = ''; });
    await page.click('#period button[type="submit"]');
    await page.waitForSelector('body[data-loaded="true"]', { timeout: 15000 });

    const sections = await page.$$eval('section[data-section]', (cards) => cards.map((c) => c.dataset.section));
    check(sections.length === 12, `twelve charts, found ${sections.length}: ${sections}`);
    for (const s of sections) {
      const st = await chartState(page, s);
      check(st.drawn, `${s}: no chart drawn`);
      check(st.inked > 500, `${s}: the chart canvas is blank (${st.inked} inked pixels)`);
      const rows = await tableValues(page, s);
      check(rows.length > 0, `${s}: its table is empty`);
    }

    const byKey = (rows, col = 'count') => Object.fromEntries(rows.map((r) => [r.key, r.cells[col]]));
    const byLabel = (rows, col = 'count') => Object.fromEntries(rows.map((r) => [r.label, r.cells[col]]));
    const same = (actual, wanted, what) => {
      try { assert.deepEqual(actual, wanted); } catch (_) { check(false, `${what}: shown ${JSON.stringify(actual)}, expected ${JSON.stringify(wanted)}`); }
    };
    same(byKey(await tableValues(page, 'cases_by_status')), expected.status, 'cases by status');
    same(byKey(await tableValues(page, 'cases_by_risk_level')), expected.risk, 'cases by risk');
    same(byLabel(await tableValues(page, 'cases_by_lead_org')), expected.lead, 'cases by lead organization');
    const months = byKey(await tableValues(page, 'cases_per_month'), 'opened');
    same(months[thisMonth], expected.opened, 'cases opened this month');
    same(byKey(await tableValues(page, 'cases_per_month'), 'closed')[thisMonth], expected.closed, 'cases closed this month');
    same(Object.values(byKey(await tableValues(page, 'reviews_overdue'))).reduce((a, b) => a + b, 0), expected.overdue, 'overdue reviews');
    same(byKey(await tableValues(page, 'allocations_by_benefit_type'), 'total'), expected.byType, 'allocations by benefit type');
    same(byKey(await tableValues(page, 'allocations_by_provider'), 'total'), expected.byProvider, 'allocations by provider');
    same(byKey(await tableValues(page, 'allocations_by_dong'), 'total'), expected.byDong, 'allocations by dong of residence');
    same(byKey(await tableValues(page, 'allocations_by_registering_org'), 'total'), expected.byRegistering, 'allocations by registering dong centre');
    check((await page.textContent('section[data-section="allocations_by_dong"]')).includes('공덕동 주민센터'), 'the dong of residence is named by its centre');
    const dup = await tableValues(page, 'duplicates');
    const sum = (col) => dup.reduce((s, r) => s + r.cells[col], 0);
    same([sum('prevented'), sum('overrides_approved'), sum('overrides_rejected')],
      [expected.prevented, expected.approved, expected.rejected], 'duplicates prevented, overrides approved and rejected');
    same(byKey(await tableValues(page, 'repeated_benefit_types'), 'repeats'), expected.repeats, 'repeated benefit types');
    // The charts draw the same numbers as the tables.
    const typeChart = await chartState(page, 'allocations_by_benefit_type');
    same(typeChart.total, Object.values(expected.byType).reduce((a, b) => a + b, 0), 'allocations chart total');
    same((await chartState(page, 'cases_by_status')).total, Object.values(expected.status).reduce((a, b) => a + b, 0), 'status chart total');
    // Key figures.
    same(await page.textContent('#kpi-overdue'), String(expected.overdue), 'KPI overdue reviews');
    same(await page.textContent('#kpi-prevented'), String(expected.prevented), 'KPI duplicates prevented');
    same(await page.textContent('#kpi-overrides'), `${expected.approved} · ${expected.rejected} · ${expected.pending}`, 'KPI overrides');
    // Korean labels and provider names, not ids.
    const providerLabels = (await tableValues(page, 'allocations_by_provider')).map((r) => r.label);
    same(providerLabels.sort(), Object.keys(expected.byProvider).map((id) => names.get(id)).sort(), 'provider names');
    check((await page.textContent('section[data-section="cases_by_status"]')).includes('서비스 제공'), 'status labels are Korean');

    // Campaign progress: each centre's quota, nominated and left, by name.
    const quota = await page.$$eval(`section[data-campaign="${expected.campaign.id}"] tbody tr`, (rows) =>
      Object.fromEntries(rows.map((tr) => [tr.dataset.key, {
        name: tr.querySelector('th').textContent,
        nominated: Number(tr.querySelector('[data-col="nominated"]').dataset.value),
        left: Number(tr.querySelector('[data-col="left"]').dataset.value),
      }])));
    same(quota[expected.campaign.gongdeok], { name: names.get(expected.campaign.gongdeok), nominated: 2, left: 8 }, 'campaign progress of 공덕동');
    same(quota[expected.campaign.ahyeon], { name: names.get(expected.campaign.ahyeon), nominated: 0, left: 5 }, 'campaign progress of 아현동');
    check((await page.textContent('#campaigns')).includes('희망온돌 따뜻한 겨울나기'), 'the campaign is named');
    // The campaign by dong of residence: 공덕동's nominees live in its dong or have none on file.
    const byDong = await page.textContent(`section[data-campaign-report="${expected.campaign.id}"]`);
    check(byDong.includes('거주 동별') && byDong.includes('합계'), `campaign by dong: ${byDong}`);
    // 통합사례관리 실적: cases by type, meetings, resources by funding, in Korean.
    const ministry = await page.textContent('section[data-section="ministry_summary"]');
    for (const word of ['사례 신규', '통합사례관리', '회의 개최', '자원 연계', '공공']) {
      check(ministry.includes(word), `ministry summary shows ${word}`);
    }

    // The page fits 1280×800 without sideways scrolling.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(overflow <= 0, `the page scrolls sideways by ${overflow}px at 1280×800`);
    await page.screenshot({ path: join(OUT, 'dashboard-1280.png'), fullPage: true });
    await page.screenshot({ path: join(OUT, 'dashboard-1280-top.png') });

    // A download of one chart's data, with Korean headers.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('section[data-section="allocations_by_benefit_type"] button:text-is("CSV")'),
    ]);
    const csv = readFileSync(await download.path(), 'utf8').replace(/^\uFEFF/, '');
    check(csv.split('\n')[0].trim() === '월,급여유형,건수,금액(원)', `CSV header: ${csv.split('\n')[0]}`);
    check(/^hamkke_dashboard_allocations_by_benefit_type_11440_.*\.csv$/.test(download.suggestedFilename()), `CSV name: ${download.suggestedFilename()}`);
    const [xlsx] = await Promise.all([
      page.waitForEvent('download'),
      page.click('section[data-section="duplicates"] button:text-is("XLSX")'),
    ]);
    check(readFileSync(await xlsx.path()).subarray(0, 2).toString() === 'PK', 'the XLSX download is a workbook');

    // Tokens are in memory only.
    const stored = await page.evaluate(() => [localStorage.length, sessionStorage.length, document.cookie]);
    same(stored, [0, 0, ''], 'nothing kept in storage or cookies');
    // A reload forgets the session.
    await page.reload();
    check(await page.isVisible('#login'), 'a reload asks to sign in again');

    // A tablet sees the same page in one column.
    const tablet = await context.newPage();
    await tablet.setViewportSize({ width: 820, height: 1180 });
    await tablet.goto(`${BASE}/dashboard/`);
    await signIn(tablet, 'demo.coordinator', passwords['demo.coordinator']);
    await tablet.waitForSelector('body[data-loaded="true"]', { timeout: 15000 });
    const tabletOverflow = await tablet.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(tabletOverflow <= 0, `the tablet page scrolls sideways by ${tabletOverflow}px`);
    await tablet.screenshot({ path: join(OUT, 'dashboard-tablet.png') });
    await tablet.close();

    // A caseworker signs in: the page refuses district figures.
    await page.goto(`${BASE}/dashboard/`);
    await signIn(page, 'demo.dong', passwords['demo.dong']);
    await page.waitForSelector('#denied:not([hidden])', { timeout: 15000 });
    check(await page.isHidden('#board'), 'the caseworker sees no board');
    check((await page.$$('section[data-section]')).length === 0, 'the caseworker sees no chart');
    check((await page.textContent('#denied')).includes('볼 수 없는 화면'), 'the refusal is in Korean');
    await page.screenshot({ path: join(OUT, 'dashboard-caseworker.png') });

    // The API docs render under the same strict content policy.
    const docs = await page.goto(`${BASE}/docs/`);
    check((docs.headers()['content-security-policy'] || '').includes("default-src 'none'"), 'the docs send a strict content policy');
    await page.waitForSelector('.opblock', { timeout: 15000 });
    check((await page.$$('.opblock')).length > 50, 'the docs list the operations');
    await page.screenshot({ path: join(OUT, 'docs.png') });

    check(foreign.length === 0, `requests to other origins: ${foreign.join(', ')}`);
    const cspErrors = problems.filter((p) => /Content Security Policy|Refused to/i.test(p));
    check(cspErrors.length === 0, `CSP violations: ${cspErrors.join(' | ')}`);
    const scriptErrors = problems.filter((p) => !/status of 40[13]/.test(p) && !cspErrors.includes(p));
    check(scriptErrors.length === 0, `errors in the page: ${scriptErrors.join(' | ')}`);
  } finally {
    await browser.close();
  }
  writeFileSync(join(OUT, 'expected.json'), JSON.stringify(expected, null, 2));
  if (failures.length) {
    console.error(`dashboard browser test: ${failures.length} failure(s)`);
    for (const f of failures) console.error(`  - ${f}`);
    process.exit(1);
  }
  console.log(`dashboard browser test passed; screenshots in ${OUT}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
