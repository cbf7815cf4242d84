// The operator console: overview, cycles, registry and audit log (/console), and one cycle's live progress
// (/console/cycles/{id}) from server-sent events. Line charts are uPlot's (charts.js); the online comparison's
// interval bar is a small SVG drawn here.
(function () {
  'use strict';

  const SVG = 'http://www.w3.org/2000/svg';
  const api = apiJson; // page.js: the JSON answer, or an Error with the server's message

  /** An element with attributes ({text: ...} sets its text) and children; unlike page.js's el, for tables. */
  function make(tag, attributes, children) {
    const node = document.createElement(tag);
    Object.entries(attributes || {}).forEach(([k, v]) => {
      if (k === 'text') { node.textContent = v; } else { node.setAttribute(k, v); }
    });
    (children || []).forEach(c => node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c));
    return node;
  }

  function svg(tag, attributes) {
    const node = document.createElementNS(SVG, tag);
    Object.entries(attributes || {}).forEach(([k, v]) => node.setAttribute(k, v));
    return node;
  }

  function when(iso) {
    return iso ? new Date(iso).toLocaleString() : '–';
  }

  function notice(id, message) {
    const node = document.getElementById(id);
    node.textContent = message || '';
    node.hidden = !message;
  }

  // ---------------------------------------------------------------- /console

  async function loadOverview() {
    const o = await api('GET', '/api/console/overview');
    const body = document.querySelector('#counts tbody');
    body.replaceChildren(...['conversations', 'ratings', 'pairwise_choices', 'rankings', 'ideal_answers'].map(key => make('tr', {}, [
      make('th', { text: key.replace('_', ' ') }), make('td', { text: String(o.total[key]) }),
      make('td', { text: String(o.since_serving_trained[key]) })])));
    document.getElementById('serving').textContent = o.serving
      ? 'Serving: version ' + o.serving.id + ' (' + o.serving.label + ')' : 'No model serves yet.';
    document.getElementById('enough').textContent = o.enough_for_cycle
      ? 'There is new feedback for a cycle.' : 'Not enough new feedback for a cycle yet.';
    showTrend(o.rating_trend);
  }

  let trend = null; // the ratings chart and its versions: given new data while the versions stay the same

  /** Mean stars per day, a line per model version (uPlot.join aligns their days). */
  function showTrend(days) {
    const byVersion = {};
    days.forEach(d => {
      if (d.mean_stars === null) { return; }
      const points = byVersion[d.model_version] = byVersion[d.model_version] || [[], []];
      points[0].push(Date.parse(d.day) / 1000);
      points[1].push(d.mean_stars);
    });
    const versions = Object.keys(byVersion);
    const box = document.getElementById('trend-chart');
    document.getElementById('trend-empty').hidden = versions.length > 0;
    if (trend && trend.versions.join('\u0000') !== versions.join('\u0000')) {
      consoleCharts.destroy(trend.chart);
      trend = null;
    }
    if (versions.length === 0) { return; }
    const data = uPlot.join(versions.map(v => byVersion[v]));
    if (trend) {
      trend.chart.setData(data);
    } else {
      trend = { versions: versions, chart: consoleCharts.lineChart(box, { time: true, data: data, height: 240,
        series: versions.map(v => ({ label: v })), xLabel: 'day', yLabel: 'mean stars', yRange: [1, 5],
        xTicks: [86400, 7 * 86400, 28 * 86400], pad: 43200, // ticks a day apart or more; a lone day in the middle
        xValue: v => new Date(v * 1000).toLocaleDateString() }) };
    }
  }

  async function loadCycles() {
    const cycles = await api('GET', '/api/console/cycles');
    document.querySelector('#cycle-list tbody').replaceChildren(...cycles.map(c => make('tr', { 'data-cycle': c.id }, [
      make('td', {}, [make('a', { href: '/console/cycles/' + c.id, text: String(c.id) })]),
      make('td', { class: 'status-' + c.status, text: statusText(c.status) }), make('td', { text: c.stage || '–' }),
      make('td', { text: stepText(c, '–') }), make('td', { text: c.requested_by }),
      make('td', { text: when(c.created_at) }),
      make('td', {}, c.status === 'queued' || c.status === 'running' || c.status === 'awaiting_human_eval'
        ? [button('Cancel', () => api('POST', '/api/console/cycles/' + c.id + '/cancel').then(refresh))]
        : c.status === 'failed'
          ? [button('Resume', () => api('POST', '/api/console/cycles/' + c.id + '/resume').then(refresh))] : [])])));
  }

  /** Statuses of a cycle that ran all its stages (whatever its gate said, or while reviewers still vote). */
  const FINISHED = ['succeeded', 'gate_failed', 'no_verdict', 'awaiting_human_eval'];

  /**
   * Where a cycle is: "done" once it ran all its stages (the step counter then still holds the last stage's, often
   * 0 of its total); else the step of its current stage, or none when it has no total.
   */
  function stepText(c, none) {
    if (FINISHED.includes(c.status)) { return 'done'; }
    return c.total_steps ? c.step + ' / ' + c.total_steps : none;
  }

  /** A cycle's status in words: gate_failed is "gate failed", no_verdict "no verdict". */
  function statusText(status) {
    return status === 'awaiting_human_eval' ? 'awaiting human evaluation' : status.replace(/_/g, ' ');
  }

  /**
   * How to promote a version: a Promote button when its evaluation gate passed it (or no cycle trained it);
   * otherwise "Promote anyway…", which opens a form asking for the reason the audit log keeps. A version the gate
   * failed, or gave no verdict on, is never one click away.
   */
  function promoteControl(versionId, gate, label, done, failed) {
    const path = '/api/console/models/' + versionId + '/promote';
    if (gate === 'passed' || gate === 'none') {
      const b = make('button', { type: 'button', class: 'promote', text: label });
      b.addEventListener('click', () => {
        if (!window.confirm('Promote version ' + versionId + '? It answers every chat from now on, on every instance.')) { return; }
        api('POST', path, {}).then(() => done(b)).catch(e => failed(e, b));
      });
      return b;
    }
    const reason = make('input', { type: 'text', name: 'override_reason', required: 'required', class: 'override-reason',
      placeholder: 'Why promote it although the gate did not pass it?' });
    const confirm = make('button', { type: 'submit', class: 'danger', text: 'Promote despite the gate' });
    const form = make('form', { class: 'override-form' }, [
      make('label', {}, ['Reason (kept in the audit log)', reason]), confirm]);
    form.addEventListener('submit', event => {
      event.preventDefault();
      if (!reason.value.trim()) { return; }
      api('POST', path, { override_reason: reason.value.trim() }).then(() => done(confirm)).catch(e => failed(e, confirm));
    });
    const gateText = gate === 'no_verdict' ? 'the gate gave no verdict' : gate === 'failed' ? 'the gate failed'
      : gate === 'pending' ? 'the gate awaits reviewers\' votes' : 'the gate never judged it';
    return make('details', { class: 'promote-anyway', 'data-version': String(versionId) }, [
      make('summary', { class: 'danger', title: 'Version ' + versionId + ': ' + gateText, text: 'Promote anyway…' }), form]);
  }

  function button(label, action) {
    const b = make('button', { type: 'button', class: 'secondary', text: label });
    b.addEventListener('click', () => action().catch(e => notice('cycle-notice', e.message)));
    return b;
  }

  /** The schedule in force, into the form; its cron expression in words and its next tick below it. */
  async function loadSchedule() {
    showSchedule(await api('GET', '/api/console/schedule'));
  }

  function showSchedule(s) {
    document.getElementById('schedule-cron').value = s.cron || '';
    document.getElementById('schedule-threshold').value = String(s.new_preferences);
    document.getElementById('schedule-preset').value = s.preset;
    document.getElementById('schedule-auto-promote').checked = s.auto_promote;
    document.getElementById('schedule-enabled').checked = s.enabled;
    const parts = [];
    if (!s.enabled) { parts.push('Off: no cycle starts by itself.'); }
    if (s.cron) {
      parts.push('Cron: ' + s.description + '.' + (s.next_run ? ' Next run: ' + s.next_run.replace('T', ' ')
        .replace(/:00(\.0+)?Z$/, ' UTC') + ' (' + when(s.next_run) + ' here).' : ''));
    }
    if (s.new_preferences > 0) { parts.push('After ' + s.new_preferences + ' new ratings and choices.'); }
    if (s.enabled && !s.cron && s.new_preferences === 0) { parts.push('No trigger set: cycles start by hand only.'); }
    parts.push(s.updated_by ? 'Saved by ' + s.updated_by + ', ' + when(s.updated_at) + '.' : 'From the server\'s configuration.');
    document.getElementById('schedule-summary').textContent = parts.join(' ');
  }

  /** What the registry says of a version its gate did not pass. */
  const GATE_NOTES = { failed: 'gate failed', no_verdict: 'gate: no verdict', pending: 'gate: awaiting human evaluation',
    not_evaluated: 'not evaluated' };

  async function loadRegistry() {
    const models = await api('GET', '/api/console/models');
    const rollback = document.getElementById('rollback');
    rollback.dataset.target = models.rollback_to === null ? '' : String(models.rollback_to);
    rollback.disabled = models.rollback_to === null;
    rollback.textContent = models.rollback_to === null ? 'Nothing to roll back to'
      : 'Roll back to version ' + models.rollback_to;
    document.querySelector('#versions tbody').replaceChildren(...models.versions.map(v => make('tr', {
      class: v.serving ? 'serving' : '' }, [
      make('td', { text: String(v.id) }), make('td', { text: v.label + (v.serving ? ' (serving)' : '')
        + (GATE_NOTES[v.gate] ? ' (' + GATE_NOTES[v.gate] + ')' : '') }),
      make('td', { text: v.parent_id === null ? '–' : String(v.parent_id) }),
      make('td', { text: v.dataset_version_id === null ? '–' : String(v.dataset_version_id) }),
      make('td', { text: v.cycle_id === null ? '–' : String(v.cycle_id) }),
      make('td', { class: 'mono', title: v.sha256, text: v.sha256.substring(0, 12) }), make('td', { text: when(v.created_at) }),
      make('td', {}, v.serving ? [] : [promoteControl(v.id, v.gate, 'Promote', refresh, e => notice('registry-notice', e.message)),
        ' ', registryButton('Compare online', () => api('POST', '/api/console/comparisons', { version_id: v.id }))])])));
  }

  function percent(value) {
    return value === null || value === undefined ? '–' : (100 * value).toFixed(1) + '%';
  }

  /** The win rate and its interval on a 0-100% scale, with the 50% line: a forest-plot row. */
  function intervalBar(c) {
    const chart = svg('svg', { class: 'interval', viewBox: '0 0 300 28', role: 'img',
      'aria-label': 'challenger win rate ' + percent(c.win_rate) + ', 95% always-valid CI ' + percent(c.ci_low) + ' to ' + percent(c.ci_high) });
    const x = v => 10 + 280 * v;
    chart.appendChild(svg('line', { x1: x(0), x2: x(1), y1: 14, y2: 14, stroke: '#d1d5db' }));
    chart.appendChild(svg('line', { x1: x(0.5), x2: x(0.5), y1: 2, y2: 26, stroke: '#6b7280', 'stroke-dasharray': '3 2' }));
    if (c.win_rate !== null) {
      const color = c.verdict === 'challenger better' ? '#16a34a' : c.verdict === 'baseline better' ? '#dc2626' : '#2563eb';
      chart.appendChild(svg('line', { x1: x(c.ci_low), x2: x(c.ci_high), y1: 14, y2: 14, stroke: color, 'stroke-width': 6 }));
      chart.appendChild(svg('circle', { cx: x(c.win_rate), cy: 14, r: 5, fill: '#fff', stroke: color, 'stroke-width': 2 }));
    }
    return chart;
  }

  async function loadComparisons() {
    const data = await api('GET', '/api/console/comparisons');
    document.getElementById('after-promotion-off').hidden = data.after_promotion;
    const running = data.comparisons.find(c => c.running);
    const box = document.getElementById('comparison-running');
    if (!running) {
      box.replaceChildren(make('p', { text: 'No comparison is running.' }));
    } else {
      const stop = make('button', { type: 'button', class: 'secondary', id: 'stop-comparison', text: 'Stop the comparison' });
      stop.addEventListener('click', () => api('POST', '/api/console/comparisons/stop', {}).then(refresh)
        .catch(e => notice('comparison-notice', e.message)));
      box.replaceChildren(
        make('p', { id: 'comparison-summary', text: 'Running: ' + running.challenger.label + ' (challenger) against '
          + running.baseline.label + ' (baseline) on ' + percent(running.share) + ' of A/B choices; '
          + running.choices + ' choices so far: challenger ' + running.challenger_wins + ', baseline '
          + running.baseline_wins + ', tie ' + running.ties + ', both bad ' + running.both_bad + '; '
          + running.decided_votes + ' decided of the ' + running.min_votes + ' a verdict needs. Win rate '
          + percent(running.win_rate) + (running.win_rate === null ? '' : ' (95% always-valid CI '
          + percent(running.ci_low) + ' to ' + percent(running.ci_high) + ')') + ': ' + running.verdict
          + (data.challenger_ready ? '.' : '. The challenger is loading on this server.') }),
        intervalBar(running), stop);
    }
    document.querySelector('#comparison-list tbody').replaceChildren(...data.comparisons.map(c => make('tr', {}, [
      make('td', { text: String(c.id) }), make('td', { text: c.baseline.label }), make('td', { text: c.challenger.label }),
      make('td', { text: percent(c.share) }), make('td', { text: c.choices + ' (' + c.decided_votes + ')' }),
      make('td', {}, [percent(c.win_rate) + (c.win_rate === null ? '' : ' (' + percent(c.ci_low) + ' – ' + percent(c.ci_high) + ')'),
        intervalBar(c)]),
      make('td', { text: c.verdict }), make('td', { text: when(c.started_at) }), make('td', { text: when(c.ended_at) })])));
  }

  function registryButton(label, action) {
    const b = make('button', { type: 'button', class: 'secondary', text: label });
    b.addEventListener('click', () => action().then(refresh).catch(e => notice('registry-notice', e.message)));
    return b;
  }

  async function loadDatasets() {
    const datasets = await api('GET', '/api/console/datasets');
    document.querySelector('#dataset-list tbody').replaceChildren(...datasets.map(d => make('tr', {}, [
      make('td', { text: String(d.id) }), make('td', { text: d.kind }), make('td', { text: when(d.cut_off) }),
      make('td', { text: String(d.train) }), make('td', { text: String(d.eval) }),
      make('td', {}, [make('a', { href: '/api/console/datasets/' + d.id + '/export?split=train', text: 'train' }), ' ',
        make('a', { href: '/api/console/datasets/' + d.id + '/export?split=eval', text: 'eval' })])])));
  }

  async function loadAudit() {
    const entries = await api('GET', '/api/console/audit');
    document.querySelector('#audit-list tbody').replaceChildren(...entries.map(e => make('tr', {}, [
      make('td', { text: when(e.at) }), make('td', { text: e.actor }), make('td', { text: e.action }),
      make('td', { class: 'mono', text: JSON.stringify(e.details) })])));
  }

  // A notice says what failed last; the next success of the same thing takes it away.
  function refresh() {
    return Promise.all([loadOverview(), loadCycles(), loadSchedule(), loadRegistry(), loadComparisons(), loadDatasets(), loadAudit()])
      .then(() => notice('cycle-notice', ''))
      .catch(e => notice('cycle-notice', e.message));
  }

  function consolePage() {
    const form = document.getElementById('start-cycle');
    form.addEventListener('submit', event => {
      event.preventDefault();
      const data = new FormData(form);
      const request = {
        preset: data.get('preset'),
        stages: data.getAll('stage'),
        auto_promote: data.get('auto_promote') === 'on',
        dataset: { evalFraction: Number(data.get('evalFraction')), sftMinStars: Number(data.get('sftMinStars')) }
      };
      notice('cycle-notice', '');
      api('POST', '/api/console/cycles', request)
        .then(cycle => { window.location.href = '/console/cycles/' + cycle.id; })
        .catch(e => notice('cycle-notice', e.message));
    });
    const schedule = document.getElementById('schedule-form');
    schedule.addEventListener('submit', event => {
      event.preventDefault();
      const cron = document.getElementById('schedule-cron').value.trim();
      const request = {
        cron: cron === '' ? null : cron,
        new_preferences: Number(document.getElementById('schedule-threshold').value),
        preset: document.getElementById('schedule-preset').value,
        auto_promote: document.getElementById('schedule-auto-promote').checked,
        enabled: document.getElementById('schedule-enabled').checked
      };
      notice('schedule-notice', '');
      api('PUT', '/api/console/schedule', request)
        .then(saved => { notice('schedule-notice', ''); showSchedule(saved); return loadAudit(); })
        .catch(e => notice('schedule-notice', e.message));
    });
    // an error about the expression is stale once the expression changes
    document.getElementById('schedule-cron').addEventListener('input', () => notice('schedule-notice', ''));
    document.getElementById('rollback').addEventListener('click', () => {
      const target = document.getElementById('rollback').dataset.target;
      if (!target || !window.confirm('Roll back to version ' + target + '? It answers every chat from now on, on every instance.')) { return; }
      notice('registry-notice', '');
      api('POST', '/api/console/models/rollback', {}).then(refresh).catch(e => notice('registry-notice', e.message));
    });
    refresh();
    setInterval(loadCycles, 5000);
    setInterval(() => loadComparisons().then(() => notice('comparison-notice', ''))
      .catch(e => notice('comparison-notice', e.message)), 10000);
  }

  // ---------------------------------------------------------------- /console/cycles/{id}

  /** Metrics the trainers log that say nothing of learning (counters, timings): not charted. */
  const HIDDEN_METRICS = ['epoch', 'num_tokens', 'eval_runtime'];
  const STAGE_NAMES = { sft: 'SFT', reward_model: 'Reward model', dpo: 'DPO', kto: 'KTO', ppo: 'PPO', rloo: 'RLOO',
    grpo: 'GRPO', external: 'External trainer' };

  function cyclePage(page) {
    const id = page.dataset.cycleId;
    const stages = {};       // stage -> its panel, chart and points (stagePanel), in the order the stages ran
    const stageStart = {};   // stage -> {at, step} of its first metric, for the ETA
    let source = null;

    // SFT, the reward model and DPO log metrics of the same name (loss, learning_rate): each stage has its own
    // panel, so that their points never join into one line.
    function addMetrics(metrics) {
      const changed = new Set();
      metrics.forEach(m => {
        if (!stageStart[m.stage]) { stageStart[m.stage] = { at: Date.parse(m.at), step: m.step }; }
        if (HIDDEN_METRICS.includes(m.name)) { return; }
        const stage = stages[m.stage] || (stages[m.stage] = stagePanel(m.stage));
        addPoint(stage.points, m);
        changed.add(stage);
      });
      changed.forEach(stage => stage.update());
    }

    /**
     * One stage's panel: a chart of one of its metrics (a choice, loss first) by time, or by step where the points
     * carry no time, with the same metric of the newest earlier cycle that ran the stage dashed beneath it, shifted
     * to start when this cycle's stage did. Points arrive live; the chart is drawn once and given new data.
     */
    function stagePanel(name) {
      const stage = { points: {}, previous: null, chart: null, timed: null };
      const choice = make('select', { 'aria-label': name + ' metric' });
      const box = make('div', { class: 'chart-box' });
      const note = make('p', { class: 'chart-note', hidden: 'hidden' });
      const panel = make('section', { class: 'chart-panel', 'data-stage': name }, [
        make('header', {}, [make('h3', { text: STAGE_NAMES[name] || name }),
          make('label', {}, ['Metric ', choice])]), box, note]);
      document.getElementById('charts').appendChild(panel);
      choice.addEventListener('change', () => draw());

      function metric() {
        return choice.value;
      }

      function draw() {
        const own = stage.points[metric()] || [];
        const earlier = stage.previous ? stage.previous.points[metric()] || [] : [];
        const timed = [...own, ...earlier].every(p => p.at !== null);
        if (stage.chart && timed !== stage.timed) { consoleCharts.destroy(stage.chart); stage.chart = null; }
        stage.timed = timed;
        const shift = timed && stage.previous ? start(stage.points) - start(stage.previous.points) : 0;
        const tables = [[own.map(p => timed ? p.at : p.step), own.map(p => p.value)]];
        if (stage.previous) { tables.push([earlier.map(p => timed ? p.at + shift : p.step), earlier.map(p => p.value)]); }
        const data = uPlot.join(tables);
        if (!stage.chart) {
          const series = [{ label: 'cycle #' + id }];
          if (stage.previous) { series.push(previousSeries()); }
          stage.chart = consoleCharts.lineChart(box, { time: timed, data: data, series: series, yLabel: metric(),
            xLabel: timed ? 'time' : 'step', xValue: timed ? v => new Date(v * 1000).toLocaleTimeString() : null,
            pad: timed ? 30 : 1 });
        } else {
          stage.chart.axes[1].label = metric();
          stage.chart.setData(data);
        }
      }

      function previousSeries() {
        return { label: 'previous cycle #' + stage.previous.cycleId, color: consoleCharts.COLORS[0], alpha: 0.55,
          dash: [6, 4] };
      }

      stage.update = () => {
        const names = Object.keys(stage.points).sort();
        if (choice.options.length !== names.length) {
          const selected = metric() || (names.includes('loss') ? 'loss' : names[0]);
          choice.replaceChildren(...names.map(n => make('option', { value: n, text: n })));
          choice.value = selected;
        }
        draw();
      };

      api('GET', '/api/console/cycles/' + id + '/previous-metrics?stage=' + encodeURIComponent(name)).then(p => {
        if (p.cycle_id === null || stages[name] !== stage) { return; } // none, or the panel went with a resume
        stage.previous = { cycleId: p.cycle_id, points: {} };
        p.metrics.filter(m => !HIDDEN_METRICS.includes(m.name)).forEach(m => addPoint(stage.previous.points, m));
        note.textContent = 'Dashed: the same metric in cycle #' + p.cycle_id + ', the newest earlier cycle with '
          + (STAGE_NAMES[name] || name) + (stage.timed === false ? '.' : ', shifted to start when this cycle\'s did.');
        note.hidden = false;
        if (stage.chart) { stage.chart.addSeries(consoleCharts.series(previousSeries(), 1), 2); }
        draw();
      }).catch(e => { // this cycle's own chart stands without the comparison
        note.textContent = 'The previous cycle\'s ' + (STAGE_NAMES[name] || name) + ' could not be read: ' + e.message;
        note.hidden = false;
      });
      return stage;
    }

    /** A point of a metric under its name: its time in seconds (null without one), step and value. */
    function addPoint(points, m) {
      (points[m.name] = points[m.name] || []).push({ at: m.at ? Date.parse(m.at) / 1000 : null, step: m.step,
        value: m.value });
    }

    /** When a stage began: the time of its first point of any metric. */
    function start(points) {
      return Math.min(...Object.values(points).map(list => list.length ? list[0].at : Infinity));
    }

    function showCycle(c) {
      document.getElementById('status').textContent = statusText(c.status);
      document.getElementById('status').className = 'status-' + c.status;
      document.getElementById('stage').textContent = c.stage || '–';
      document.getElementById('step').textContent = stepText(c, String(c.step));
      document.getElementById('attempt').textContent = String(c.attempt);
      document.getElementById('error').textContent = c.error || '–';
      const progress = document.getElementById('progress');
      const finished = FINISHED.includes(c.status);
      progress.max = finished ? 1 : Math.max(1, c.total_steps);
      progress.value = finished ? 1 : c.step;
      const start = stageStart[c.stage];
      let eta = '–';
      if (c.status === 'running' && start && c.step > start.step && c.total_steps > c.step) {
        const perStep = (Date.now() - start.at) / (c.step - start.step);
        eta = Math.round(perStep * (c.total_steps - c.step) / 1000) + ' s';
      }
      document.getElementById('eta').textContent = eta;
      const active = c.status === 'queued' || c.status === 'running' || c.status === 'awaiting_human_eval';
      document.getElementById('cancel').hidden = !active;
      document.getElementById('resume').hidden = c.status !== 'failed';
      if (c.gate_report) { showGate(c.gate_report); }
    }

    /**
     * The gate's report: its verdict and why, one row per check (counted or not, with 95% intervals), and how to
     * promote the candidate: a Promote button only under a gate that passed, "Promote anyway…" with a reason
     * otherwise.
     */
    function showGate(report) {
      // reports written before verdicts existed carry only "passed"
      const verdict = report.verdict || (report.passed ? 'pass' : 'fail');
      const rows = report.checks.map(check => {
        const status = check.status || (check.passed ? 'pass' : 'fail');
        return make('tr', { class: status === 'fail' ? 'fail' : status === 'pass' ? 'pass' : 'not-counted', 'data-check': check.name }, [
          make('td', { text: check.name }), make('td', { text: withInterval(check.candidate, check.candidate_ci) }),
          make('td', { text: withInterval(check.serving, check.serving_ci) }), make('td', { text: check.rule }),
          make('td', { text: status.replace(/_/g, ' ') }), make('td', { class: 'note', text: check.note || '' })]);
      });
      const table = make('table', { class: 'console-table' }, [
        make('thead', {}, [make('tr', {}, ['Check', 'Candidate (95% CI)', 'Serving (95% CI)', 'Rule', 'Counts as', 'Note']
          .map(h => make('th', { text: h })))]),
        make('tbody', {}, rows)]);
      const heading = { pass: 'Passed', fail: 'Gate failed', no_verdict: 'No verdict',
        pending: 'Awaiting human evaluation' }[verdict] || verdict;
      const why = (report.reason || '').replace(/^(passed|failed|no verdict): /, '');
      const summary = make('p', { id: 'gate-verdict', class: verdict === 'pass' ? 'pass' : 'fail',
        text: heading + ': ' + (why ? why + ' (' : '') + 'candidate ' + report.candidate + ' against ' + report.serving
          + ' on ' + report.prompts + ' held-out prompts' + (why ? ').' : '.') });
      const gate = verdict === 'pass' ? 'passed' : verdict === 'no_verdict' ? 'no_verdict'
        : verdict === 'pending' ? 'pending' : 'failed';
      const promote = promoteControl(report.candidate_version_id, gate, 'Promote version ' + report.candidate_version_id,
        control => { control.textContent = 'Promoted'; control.disabled = true; },
        (e, control) => { control.textContent = e.message; });
      if (gate === 'passed') { promote.id = 'promote'; } else { promote.id = 'promote-anyway'; }
      const samples = (report.samples || []).map(s => make('details', {}, [make('summary', { text: s.prompt }),
        make('p', { text: 'candidate: ' + s.candidate }), make('p', { text: 'serving: ' + s.serving })]));
      const notes = report.reward_model ? [make('p', { text: 'Reward model: ' + report.reward_model })] : [];
      if (report.human_evaluation) { notes.push(humanEvaluation(report.human_evaluation)); }
      document.getElementById('gate').replaceChildren(summary, table, ...notes, promote, ...samples);
    }

    /**
     * The gate's human step: while it waits, how many votes are in (not which way they go: they count only once
     * all are in); then the votes counted, with the candidate's win rate and its interval.
     */
    function humanEvaluation(h) {
      let text;
      if (h.status === 'not_asked') {
        text = 'Human evaluation: ' + h.note + '.';
      } else if (h.status === 'pending') {
        text = 'Human evaluation: ' + h.votes + ' of ' + h.votes_required + ' votes' + (h.skips ? ' (' + h.skips
          + ' skipped)' : '') + ' on ' + h.prompts + ' blind comparisons in the reviewers\' queue (/review?kind=compare);'
          + ' waits until ' + new Date(h.expires_at).toLocaleString() + '.';
      } else {
        text = 'Human evaluation: ' + h.votes + ' of ' + h.votes_required + ' votes' + (h.expired ? ' (expired)' : '')
          + ': candidate ' + h.candidate_wins + ', serving ' + h.serving_wins + ', tie ' + h.ties + ', both bad '
          + h.both_bad + '; candidate win rate ' + withInterval(h.win_rate, h.win_rate_ci) + '.';
      }
      return make('p', { id: 'human-evaluation', text: text });
    }

    function withInterval(value, interval) {
      return fmt(value) + (interval ? ' [' + fmt(interval[0]) + ', ' + fmt(interval[1]) + ']' : '');
    }

    function fmt(value) {
      return value === null || value === undefined ? '–' : Number(value).toPrecision(4);
    }

    function connect() {
      if (source) { source.close(); }
      source = new EventSource('/api/console/cycles/' + id + '/events');
      source.addEventListener('cycle', e => showCycle(JSON.parse(e.data)));
      source.addEventListener('metrics', e => addMetrics(JSON.parse(e.data)));
      source.addEventListener('log', e => {
        const log = document.getElementById('log');
        log.textContent += JSON.parse(e.data).map(l => new Date(l.at).toLocaleTimeString() + '  ' + l.line).join('\n') + '\n';
        log.scrollTop = log.scrollHeight;
      });
      source.addEventListener('end', () => source.close());
    }

    document.getElementById('cancel').addEventListener('click', () =>
      api('POST', '/api/console/cycles/' + id + '/cancel').catch(e => { document.getElementById('error').textContent = e.message; }));
    document.getElementById('resume').addEventListener('click', () =>
      api('POST', '/api/console/cycles/' + id + '/resume').then(() => {
        document.getElementById('log').textContent = '';
        // the events start again from the first metric: the panels too
        Object.entries(stages).forEach(([name, stage]) => { consoleCharts.destroy(stage.chart); delete stages[name]; });
        document.getElementById('charts').replaceChildren();
        connect();
      }).catch(e => { document.getElementById('error').textContent = e.message; }));
    connect();
  }

  const cycle = document.getElementById('cycle-page');
  if (cycle) {
    cyclePage(cycle);
  } else if (document.getElementById('console')) {
    consolePage();
  }
})();
