// 함께 통합사례관리 현황판: the coordinator dashboard. It calls only the public API
// (/api/v1/auth/token, /me, /reports/dashboard, /auth/logout). Tokens live in this closure's
// memory only, never in localStorage, sessionStorage or cookies: a reload asks to sign in again.
'use strict';
(() => {
  const API = '/api/v1';
  const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
  const PALETTE = ['#1f5fbf', '#e07a1f', '#2e9e5b', '#c23b4f', '#7a4fc2', '#1a9bab',
    '#b8860b', '#6b7280', '#d64f9a', '#4b8b1f'];
  const SERIES_SHOWN = 8; // keys drawn in a stacked series; the rest are one "기타" band

  let session = null; // { access, refresh }
  let charts = [];
  const $ = (id) => document.getElementById(id);
  const num = (n) => Number(n).toLocaleString('ko-KR');

  // The dashboard's cards, in reading order: a section of GET /reports/dashboard each.
  const CARDS = [
    { section: 'cases_by_status', title: '사례 상태별 (기간 중 사례)', kind: 'tally', type: 'bar',
      rows: (r) => r.cases_by_status, head: '상태' },
    { section: 'cases_by_risk_level', title: '위기도별 사례', kind: 'tally', type: 'doughnut',
      rows: (r) => r.cases_by_risk_level, head: '위기도',
      colors: { crisis: '#c23b4f', high: '#e07a1f', moderate: '#e3b505', general: '#2e9e5b' } },
    { section: 'cases_by_lead_org', title: '주관기관별 사례', kind: 'tally', type: 'bar',
      rows: (r) => r.cases_by_lead_org, head: '주관기관' },
    { section: 'cases_per_month', title: '월별 신규 · 종결 사례', kind: 'monthly',
      rows: (r) => r.cases_per_month,
      series: [['opened', '신규'], ['closed', '종결']] },
    { section: 'reviews_overdue', title: '점검 기한 경과 사례 (주관기관별)', kind: 'tally',
      type: 'bar', rows: (r) => r.reviews_overdue.by_lead_org, head: '주관기관' },
    { section: 'allocations_by_benefit_type', title: '월별 배분: 급여유형별', kind: 'pivot',
      rows: (r) => r.allocations_by_benefit_type, head: '급여유형' },
    { section: 'allocations_by_provider', title: '월별 배분: 제공기관별', kind: 'pivot',
      rows: (r) => r.allocations_by_provider, head: '제공기관' },
    { section: 'allocations_by_dong', title: '월별 배분: 거주 동별 (세대 행정동)', kind: 'pivot',
      rows: (r) => r.allocations_by_dong, head: '거주 동' },
    { section: 'allocations_by_registering_org', title: '월별 배분: 등록 동 주민센터별', kind: 'pivot',
      rows: (r) => r.allocations_by_registering_org, head: '등록 동 주민센터' },
    { section: 'duplicates', title: '중복지원 차단과 예외 처리', kind: 'monthly',
      rows: (r) => r.duplicates.per_month,
      series: [['prevented', '중복지원 차단'], ['overrides_approved', '예외 승인'],
        ['overrides_rejected', '예외 반려']] },
    { section: 'repeated_benefit_types', title: '같은 사람에게 반복 지원된 급여유형 (상위 10)',
      kind: 'repeats', rows: (r) => r.repeated_benefit_types },
    { section: 'ministry_summary', title: '통합사례관리 실적 (사례 유형별 · 회의 · 자원 연계)',
      kind: 'ministry', rows: (r) => r.ministry_summary },
  ];

  // ---- API -------------------------------------------------------------------------------

  async function api(path, options = {}) {
    const headers = { 'Accept-Language': 'ko', Accept: 'application/json', ...(options.headers || {}) };
    if (session) headers.Authorization = `Bearer ${session.access}`;
    const res = await fetch(API + path, { ...options, headers, credentials: 'omit', cache: 'no-store' });
    if (res.status === 401 && session && !options.retried && await refresh()) {
      return api(path, { ...options, retried: true });
    }
    return res;
  }

  async function refresh() {
    const res = await fetch(`${API}/auth/refresh`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Accept-Language': 'ko' },
      body: JSON.stringify({ refresh_token: session.refresh }),
    });
    if (!res.ok) return false;
    const t = await res.json();
    session = { access: t.access_token, refresh: t.refresh_token };
    return true;
  }

  async function problemText(res) {
    try {
      const p = await res.json();
      return p.detail || p.title || `HTTP ${res.status}`;
    } catch (_) {
      return `HTTP ${res.status}`;
    }
  }

  // ---- screens ---------------------------------------------------------------------------

  function show(screen) {
    for (const id of ['login', 'denied', 'board']) $(id).hidden = id !== screen;
    $('who').hidden = screen === 'login';
  }

  async function signIn(event) {
    event.preventDefault();
    const error = $('login-error');
    error.hidden = true;
    $('login-button').disabled = true;
    try {
      const res = await fetch(`${API}/auth/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Accept-Language': 'ko' },
        body: JSON.stringify({ username: $('username').value, password: $('password').value }),
      });
      if (!res.ok) {
        error.textContent = await problemText(res);
        error.hidden = false;
        return;
      }
      const t = await res.json();
      session = { access: t.access_token, refresh: t.refresh_token };
      $('password').value = '';
      const me = await api('/me');
      if (me.ok) {
        const m = await me.json();
        $('who-name').textContent = `${m.user.display_name} · ${m.organization.name}`;
        $('district').textContent = `(${m.organization.district_code})`;
      }
      await load();
    } catch (e) {
      error.textContent = '서버에 연결할 수 없습니다. 잠시 후 다시 시도하세요.';
      error.hidden = false;
    } finally {
      $('login-button').disabled = false;
    }
  }

  async function signOut() {
    if (session) {
      try { await api('/auth/logout', { method: 'POST' }); } catch (_) { /* gone anyway */ }
    }
    session = null;
    destroyCharts();
    $('cards').replaceChildren();
    show('login');
    $('username').focus();
  }

  function period() {
    return { from: $('from').value, to: $('to').value };
  }

  function query(extra = {}) {
    const p = new URLSearchParams({ ...period(), ...extra });
    return `/reports/dashboard?${p}`;
  }

  async function load(event) {
    if (event) event.preventDefault();
    const status = $('status');
    status.textContent = '불러오는 중…';
    const res = await api(query());
    if (res.status === 403 || res.status === 404) {
      $('denied-text').textContent =
        `구 단위 현황은 구 통합사례관리 조정자와 감사 담당만 볼 수 있습니다. (${await problemText(res)})`;
      show('denied');
      $('denied-logout').focus();
      return;
    }
    if (res.status === 401) {
      await signOut();
      return;
    }
    if (!res.ok) {
      show('board');
      status.textContent = `불러오지 못했습니다: ${await problemText(res)}`;
      return;
    }
    const report = await res.json();
    show('board');
    render(report);
    await loadCampaigns();
    status.textContent = `${report.from || '처음'} ~ ${report.to || '현재'} 기준, ${new Date().toLocaleTimeString('ko-KR')} 조회`;
    document.body.dataset.loaded = 'true';
  }

  async function download(section, accept, ext) {
    const res = await api(query({ section }), { headers: { Accept: accept } });
    if (!res.ok) {
      $('status').textContent = `내려받지 못했습니다: ${await problemText(res)}`;
      return;
    }
    const blob = await res.blob();
    const disposition = res.headers.get('Content-Disposition') || '';
    const name = (/filename="([^"]+)"/.exec(disposition) || [])[1] || `hamkke_${section}.${ext}`;
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  // ---- rendering -------------------------------------------------------------------------

  function el(tag, attrs = {}, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === 'text') e.textContent = v;
      else if (k.startsWith('data-')) e.setAttribute(k, v);
      else e[k] = v;
    }
    e.append(...children);
    return e;
  }

  function destroyCharts() {
    for (const c of charts) c.destroy();
    charts = [];
  }

  function table(caption, head, rows) {
    const thead = el('thead', {}, el('tr', {}, ...head.map((h, i) =>
      el('th', { scope: 'col', className: i === 0 ? '' : 'num', text: h }))));
    const tbody = el('tbody');
    for (const r of rows) {
      const tr = el('tr', { 'data-key': r.key });
      r.cells.forEach((c, i) => {
        const attrs = i === 0 ? { scope: 'row', text: c.text } : { className: 'num', text: c.text };
        if (c.col) attrs['data-col'] = c.col;
        if (c.value !== undefined) attrs['data-value'] = String(c.value);
        tr.append(el(i === 0 ? 'th' : 'td', attrs));
      });
      tbody.append(tr);
    }
    return el('div', { className: 'table-wrap', tabIndex: 0, role: 'region', ariaLabel: `${caption} 표` },
      el('table', {}, el('caption', { text: `${caption} (표)` }), thead, tbody));
  }

  function chart(canvas, config) {
    const c = new Chart(canvas, {
      ...config,
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        plugins: { legend: { position: 'bottom', labels: { boxWidth: 12 } } },
        ...(config.options || {}),
      },
    });
    charts.push(c);
    return c;
  }

  const stackedScales = { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } };

  function card(def, report) {
    const canvas = el('canvas', { role: 'img', ariaLabel: `${def.title} 차트` });
    const box = el('div', { className: 'chart-box' }, canvas);
    const downloads = el('div', { className: 'downloads' },
      el('button', { type: 'button', className: 'plain', text: 'CSV', title: `${def.title} CSV 내려받기`,
        onclick: () => download(def.section, 'text/csv', 'csv') }),
      el('button', { type: 'button', className: 'plain', text: 'XLSX', title: `${def.title} XLSX 내려받기`,
        onclick: () => download(def.section, XLSX, 'xlsx') }));
    const titleId = `title-${def.section}`;
    const section = el('section', { className: 'card', 'data-section': def.section, 'aria-labelledby': titleId },
      el('div', { className: 'card-head' }, el('h3', { id: titleId, text: def.title }), downloads), box);
    section.setAttribute('aria-labelledby', titleId);
    const rows = def.rows(report);
    const { config, head, tableRows } = build(def, rows, report.months);
    section.append(table(def.title, head, tableRows));
    $('cards').append(section);
    if (tableRows.length === 0) {
      box.replaceChildren(el('p', { className: 'empty', text: '이 기간에는 자료가 없습니다.' }));
      section.dataset.empty = 'true';
    } else {
      chart(canvas, config);
    }
  }

  function build(def, rows, months) {
    if (def.kind === 'tally') {
      const data = rows.map((r) => r.count);
      const config = {
        type: def.type,
        data: {
          labels: rows.map((r) => r.label),
          datasets: [{ label: '건수', data, backgroundColor: def.colors ? rows.map((r) => def.colors[r.key] || '#9aa3b2') : PALETTE[0] }],
        },
        options: def.type === 'bar'
          ? { indexAxis: 'y', plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } }
          : {},
      };
      return {
        config,
        head: [def.head, '건수'],
        tableRows: rows.map((r) => ({ key: r.key, cells: [{ text: r.label }, { text: num(r.count), value: r.count, col: 'count' }] })),
      };
    }
    if (def.kind === 'monthly') {
      const config = {
        type: 'bar',
        data: {
          labels: rows.map((r) => r.month),
          datasets: def.series.map(([field, label], i) => ({ label, data: rows.map((r) => r[field]), backgroundColor: PALETTE[i] })),
        },
        options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
      };
      return {
        config,
        head: ['월', ...def.series.map(([, label]) => label)],
        tableRows: rows.map((r) => ({
          key: r.month,
          cells: [{ text: r.month }, ...def.series.map(([field]) => ({ text: num(r[field]), value: r[field], col: field }))],
        })),
      };
    }
    if (def.kind === 'pivot') {
      // Keys by total, largest first; months as the report lists them.
      const totals = new Map();
      const labels = new Map();
      const cell = new Map();
      for (const r of rows) {
        totals.set(r.key, (totals.get(r.key) || 0) + r.count);
        labels.set(r.key, r.label);
        cell.set(`${r.month}|${r.key}`, r.count);
      }
      const keys = [...totals.keys()].sort((a, b) => totals.get(b) - totals.get(a) || labels.get(a).localeCompare(labels.get(b), 'ko'));
      const shown = keys.slice(0, SERIES_SHOWN);
      const rest = keys.slice(SERIES_SHOWN);
      const datasets = shown.map((k, i) => ({
        label: labels.get(k), data: months.map((m) => cell.get(`${m}|${k}`) || 0), backgroundColor: PALETTE[i % PALETTE.length],
      }));
      if (rest.length) {
        datasets.push({
          label: `기타 ${rest.length}개`,
          data: months.map((m) => rest.reduce((s, k) => s + (cell.get(`${m}|${k}`) || 0), 0)),
          backgroundColor: '#9aa3b2',
        });
      }
      const config = { type: 'bar', data: { labels: months, datasets }, options: { scales: stackedScales } };
      const tableRows = rows.length === 0 ? [] : keys.map((k) => ({
        key: k,
        cells: [{ text: labels.get(k) },
          ...months.map((m) => { const v = cell.get(`${m}|${k}`) || 0; return { text: num(v), value: v, col: m }; }),
          { text: num(totals.get(k)), value: totals.get(k), col: 'total' }],
      }));
      return { config, head: [def.head, ...months, '합계'], tableRows };
    }
    if (def.kind === 'ministry') {
      const config = {
        type: 'bar',
        data: {
          labels: rows.map((r) => `${r.measure_label} · ${r.label}`),
          datasets: [{ label: '건수', data: rows.map((r) => r.count), backgroundColor: PALETTE[2] }],
        },
        options: { indexAxis: 'y', plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } },
      };
      return {
        config,
        head: ['구분', '항목', '건수', '금액(원)'],
        tableRows: rows.map((r) => ({
          key: `${r.measure}|${r.key}`,
          cells: [{ text: r.measure_label }, { text: r.label }, { text: num(r.count), value: r.count, col: 'count' },
            { text: r.amount === null || r.amount === undefined ? '' : num(r.amount), value: r.amount ?? '', col: 'amount' }],
        })),
      };
    }
    // repeats
    const config = {
      type: 'bar',
      data: {
        labels: rows.map((r) => r.label),
        datasets: [
          { label: '반복 건수', data: rows.map((r) => r.repeats), backgroundColor: PALETTE[3] },
          { label: '반복 수급자 수', data: rows.map((r) => r.recipients), backgroundColor: PALETTE[1] },
        ],
      },
      options: { indexAxis: 'y', scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } },
    };
    return {
      config,
      head: ['급여유형', '반복 수급자 수', '반복 건수'],
      tableRows: rows.map((r) => ({
        key: r.benefit_type_code,
        cells: [{ text: r.label }, { text: num(r.recipients), value: r.recipients, col: 'recipients' },
          { text: num(r.repeats), value: r.repeats, col: 'repeats' }],
      })),
    };
  }

  function render(report) {
    destroyCharts();
    $('cards').replaceChildren();
    const active = report.cases_by_status.reduce((s, t) => s + t.count, 0);
    $('kpi-cases').textContent = num(active);
    $('kpi-overdue').textContent = num(report.reviews_overdue.total);
    $('kpi-prevented').textContent = num(report.duplicates.prevented);
    const d = report.duplicates;
    $('kpi-overrides').textContent = `${num(d.overrides_approved)} · ${num(d.overrides_rejected)} · ${num(d.overrides_pending)}`;
    for (const def of CARDS) card(def, report);
  }

  // ---- campaigns: each organization's quota and how far it has come ------------------------

  async function loadCampaigns() {
    const list = $('campaign-list');
    const res = await api('/campaigns?limit=20');
    if (!res.ok) {
      list.replaceChildren(el('p', { className: 'empty', text: `캠페인을 불러오지 못했습니다: ${await problemText(res)}` }));
      return;
    }
    const page = await res.json();
    if (page.items.length === 0) {
      list.replaceChildren(el('p', { className: 'empty', text: '진행 중인 캠페인이 없습니다.' }));
      return;
    }
    const left = (v) => (v === null || v === undefined ? '제한 없음' : num(v));
    const rate = (v) => (v === null || v === undefined ? '—' : `${Math.round(v * 100)}%`);
    list.replaceChildren(...page.items.map((c) => {
      const rows = c.quotas.map((q) => ({
        key: q.organization_id,
        cells: [
          { text: q.organization_name },
          { text: num(q.nominated_persons), value: q.nominated_persons, col: 'nominated' },
          { text: num(q.approved), value: q.approved, col: 'approved' },
          { text: num(q.delivered), value: q.delivered, col: 'delivered' },
          { text: num(q.amount_spent), value: q.amount_spent, col: 'spent' },
          { text: left(q.persons_left), value: q.persons_left ?? '', col: 'left' },
          { text: rate(q.delivery_rate), value: q.delivery_rate ?? '', col: 'delivery_rate' },
          { text: rate(q.proof_rate), value: q.proof_rate ?? '', col: 'proof_rate' },
        ],
      }));
      const caption = `${c.name} (${c.starts_on} ~ ${c.ends_on}, ${c.benefit_type_names.join(', ')})`;
      return el('section', { className: 'card', 'data-campaign': c.id },
        table(caption, ['기관', '추천(명)', '승인', '전달', '사용액(원)', '남은 자리', '전달률', '증빙률'], rows));
    }));
    // Each campaign by the dong its households live in (coordinators and auditors).
    for (const c of page.items) {
      const r = await api(`/campaigns/${c.id}/report`);
      if (!r.ok) continue;
      const report = await r.json();
      const rows = [...report.by_dong, report.total].map((d) => ({
        key: d.dong_code,
        cells: [
          { text: d.dong_name },
          { text: num(d.nominated_persons), value: d.nominated_persons, col: 'nominated' },
          { text: num(d.approved), value: d.approved, col: 'approved' },
          { text: num(d.delivered), value: d.delivered, col: 'delivered' },
          { text: num(d.delivered_with_proof), value: d.delivered_with_proof, col: 'proof' },
          { text: num(d.amount), value: d.amount, col: 'amount' },
        ],
      }));
      list.append(el('section', { className: 'card', 'data-campaign-report': c.id },
        table(`${c.name} — 거주 동별`, ['거주 동', '추천(명)', '승인', '전달', '증빙 있는 전달', '지원액(원)'], rows)));
    }
  }

  // ---- start -----------------------------------------------------------------------------

  function isoDay(d) {
    const p = (n) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
  }

  function start() {
    const today = new Date();
    const first = new Date(today.getFullYear(), today.getMonth() - 11, 1);
    $('from').value = isoDay(first);
    $('to').value = isoDay(today);
    $('login-form').addEventListener('submit', signIn);
    $('period').addEventListener('submit', load);
    $('logout').addEventListener('click', signOut);
    $('denied-logout').addEventListener('click', signOut);
    show('login');
    $('username').focus();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
