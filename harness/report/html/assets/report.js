// dawdle HTML report: filters and timeline charts (uPlot). Inlined into the report at render time.
// Text from the report data reaches the page through textContent and canvas text only.
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var form = document.getElementById('filters');

  // ---- filters -------------------------------------------------------------------------------
  function chosen(name) {
    var set = {};
    var boxes = form.querySelectorAll('input[name="' + name + '"]');
    if (boxes.length === 0) return null;
    boxes.forEach(function (b) { if (b.checked) set[b.value] = true; });
    return set;
  }

  function applyFilters() {
    var V = chosen('status'), G = chosen('group'), T = chosen('transport'), C = chosen('change');
    var shown = 0;
    document.querySelectorAll('section.check').forEach(function (el) {
      var d = el.dataset;
      var ok = V[d.status] && G[d.group] && T[d.transport] && (!C || C[d.change]);
      el.hidden = !ok;
      if (ok) shown++;
    });
    var matrix = document.getElementById('matrix');
    matrix.querySelectorAll('[data-transport]').forEach(function (el) {
      el.classList.toggle('col-hidden', !T[el.dataset.transport]);
    });
    var groupsShown = {};
    matrix.querySelectorAll('tbody tr.req').forEach(function (tr) {
      var any = false;
      tr.querySelectorAll('td.cell').forEach(function (td) {
        var d = td.dataset;
        var match = !!(V[d.status] && T[d.transport] && (!C || C[d.change]));
        td.classList.toggle('dim', !match);
        if (match) any = true;
      });
      tr.hidden = !(G[tr.dataset.group] && any);
      if (!tr.hidden) groupsShown[tr.dataset.group] = true;
    });
    matrix.querySelectorAll('tbody tr.grp').forEach(function (tr) { tr.hidden = !groupsShown[tr.dataset.group]; });
    document.getElementById('shown-count').textContent = shown + ' of ' + data.total + ' verdicts shown';
  }

  function setAll(value) {
    form.querySelectorAll('input[type=checkbox]').forEach(function (b) { b.checked = value; });
  }

  form.addEventListener('change', applyFilters);
  form.addEventListener('click', function (ev) {
    var p = ev.target && ev.target.dataset && ev.target.dataset.preset;
    if (!p) return;
    setAll(true);
    if (p === 'failures') form.querySelectorAll('input[name=status]').forEach(function (b) { b.checked = b.value === 'fail'; });
    applyFilters();
  });

  // A link to a verdict hidden by the filters shows everything again.
  function reveal() {
    var id = decodeURIComponent(location.hash.slice(1));
    var el = id && document.getElementById(id);
    if (el && el.hidden) {
      setAll(true);
      applyFilters();
      el.scrollIntoView();
    }
  }
  window.addEventListener('hashchange', reveal);
  applyFilters();
  reveal();

  // ---- charts --------------------------------------------------------------------------------
  if (typeof uPlot === 'undefined') return;
  var css = getComputedStyle(document.documentElement);
  function cssVar(name, fallback) { return (css.getPropertyValue(name) || '').trim() || fallback; }
  var SERIES = { current: '#0969da', sent: '#1a7f37', flight: '#6e7781', client: '#8250df' };
  var OUTCOME = {};
  ['nil', 'partial', 'timed-out', 'cancelled', 'unsupported', 'other'].forEach(function (o) { OUTCOME[o] = cssVar('--o-' + o, '#888'); });
  var MARK = { fin: '#0969da', rst: '#cf222e', close: '#1f2328', error: '#cf222e', end: '#8250df', pause: '#8c959f', resume: '#8c959f', head: '#1b7c83', 'response-end': '#1b7c83', connect: '#8c959f' };
  var TAG = { fin: 'FIN', rst: 'RST', close: 'close', error: 'err', end: 'end', pause: 'pause', resume: 'read', 'response-end': 'resp end' };

  function fmtBytes(v) {
    if (v == null) return '-';
    var a = Math.abs(v);
    if (a >= 1048576) return (v / 1048576).toFixed(a >= 10485760 ? 1 : 2) + ' MiB';
    if (a >= 1024) return (v / 1024).toFixed(a >= 10240 ? 0 : 1) + ' KiB';
    return Math.round(v) + ' B';
  }
  function axisBytes(u, splits) { return splits.map(function (v) { return v < 0 ? '' : fmtBytes(v); }); }
  function maxOf(c, kinds) {
    var m = 0;
    c.series.forEach(function (s) {
      if (kinds.indexOf(s.kind) < 0) return;
      s.values.forEach(function (v) { if (v != null && v > m) m = v; });
    });
    return m;
  }

  function build(el, c) {
    var lanes = c.lanes.length;
    var frac = lanes ? Math.min(0.36, 0.09 * lanes + 0.05) : 0;
    var hasFlight = c.series.some(function (s) { return s.kind === 'flight'; });
    var maxBytes = maxOf(c, ['current', 'sent', 'client']);
    var maxFlight = Math.max(maxOf(c, ['flight']), c.window || 0);
    function range(max) {
      var top = (max || 1) * 1.08;
      return [-top * frac / (1 - frac), top];
    }
    var series = [{ label: 't (ms)', value: function (u, v) { return v == null ? '-' : v.toFixed(1) + ' ms'; } }];
    c.series.forEach(function (s) {
      series.push({
        label: s.label,
        scale: s.kind === 'flight' ? 'flight' : 'bytes',
        stroke: SERIES[s.kind],
        width: s.kind === 'flight' ? 1.5 : 2,
        dash: s.kind === 'flight' ? [5, 4] : undefined,
        spanGaps: true,
        paths: uPlot.paths.stepped({ align: 1 }),
        points: { show: false },
        value: function (u, v) { return fmtBytes(v); },
      });
    });
    var axes = [
      { label: 'ms since the connection opened' },
      { scale: 'bytes', label: 'bytes', values: axisBytes, size: 70 },
    ];
    if (hasFlight) axes.push({ scale: 'flight', side: 1, label: 'in flight', values: axisBytes, size: 70, grid: { show: false } });
    var readout = el.parentNode.querySelector('.readout');
    var opts = {
      width: Math.max(320, el.clientWidth || 900),
      height: 320,
      scales: {
        x: { time: false },
        bytes: { range: function () { return range(maxBytes); } },
        flight: { range: function () { return range(maxFlight); } },
      },
      axes: axes,
      series: series,
      cursor: { drag: { x: true, y: false } },
      hooks: {
        draw: [function (u) { overlay(u, c, lanes, hasFlight); }],
        setCursor: [function (u) { hover(u, c, readout); }],
      },
    };
    var rows = [c.xs];
    c.series.forEach(function (s) { rows.push(s.values); });
    var u = new uPlot(opts, rows, el);
    el.dataset.rendered = 'true';
    return u;
  }

  function overlay(u, c, lanes, hasFlight) {
    var ctx = u.ctx, b = u.bbox, px = uPlot.pxRatio || 1;
    var y0 = u.valToPos(0, 'bytes', true);
    var bottom = b.top + b.height;
    ctx.save();
    ctx.beginPath();
    ctx.rect(b.left, b.top, b.width, b.height);
    ctx.clip();
    if (lanes > 0) {
      var laneH = (bottom - y0) / lanes;
      ctx.fillStyle = 'rgba(246,248,250,0.9)';
      ctx.fillRect(b.left, y0, b.width, bottom - y0);
      ctx.font = (10 * px) + 'px system-ui, sans-serif';
      c.lanes.forEach(function (name, n) {
        ctx.fillStyle = '#57606a';
        ctx.fillText(name, b.left + 3 * px, y0 + n * laneH + laneH / 2 + 3 * px);
      });
      // Sleeps and other calls first, as thin bars; io calls over them, at least 3 px wide so an
      // instant write still shows as a tick of its outcome's colour.
      var ordered = c.spans.filter(function (s) { return s.outcome === 'other'; })
        .concat(c.spans.filter(function (s) { return s.outcome !== 'other'; }));
      ordered.forEach(function (s) {
        var x0 = u.valToPos(s.t0, 'x', true), x1 = u.valToPos(s.t1, 'x', true);
        var full = Math.max(laneH - 6 * px, 2 * px);
        var h = s.outcome === 'other' ? Math.max(full / 4, px) : full;
        var top = y0 + s.lane * laneH + 3 * px + (full - h) / 2;
        ctx.fillStyle = OUTCOME[s.outcome] || '#888';
        ctx.fillRect(x0, top, Math.max(x1 - x0, 3 * px), h);
      });
    }
    if (hasFlight && c.window) {
      var yw = u.valToPos(c.window, 'flight', true);
      ctx.strokeStyle = '#6e7781';
      ctx.setLineDash([2 * px, 3 * px]);
      ctx.lineWidth = px;
      ctx.beginPath(); ctx.moveTo(b.left, yw); ctx.lineTo(b.left + b.width, yw); ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = '#57606a';
      ctx.font = (10 * px) + 'px system-ui, sans-serif';
      ctx.fillText('send_window ' + fmtBytes(c.window), b.left + b.width - 130 * px, yw - 3 * px);
    }
    ctx.font = (10 * px) + 'px system-ui, sans-serif';
    c.marks.forEach(function (m, i) {
      if (m.kind === 'connect' || m.kind === 'head') return;
      var x = u.valToPos(m.t, 'x', true);
      ctx.strokeStyle = MARK[m.kind] || '#888';
      ctx.lineWidth = (m.kind === 'fin' || m.kind === 'rst' ? 2 : 1) * px;
      ctx.beginPath(); ctx.moveTo(x, b.top); ctx.lineTo(x, bottom); ctx.stroke();
      ctx.fillStyle = MARK[m.kind] || '#888';
      ctx.fillText(TAG[m.kind] || m.kind, x + 2 * px, b.top + (10 + (i % 3) * 11) * px);
    });
    ctx.restore();
  }

  function hover(u, c, readout) {
    if (!readout) return;
    var left = u.cursor.left;
    if (left == null || left < 0) return;
    var t = u.posToVal(left, 'x');
    var tol = (u.posToVal(left + 4, 'x') - t);
    var parts = ['t = ' + t.toFixed(1) + ' ms'];
    c.spans.forEach(function (s) { if (t >= s.t0 - tol && t <= s.t1 + tol) parts.push(c.lanes[s.lane] + ': ' + s.label); });
    c.marks.forEach(function (m) { if (Math.abs(m.t - t) <= tol * 2) parts.push(m.label + ' at ' + m.t.toFixed(1) + ' ms'); });
    readout.textContent = parts.join(' · ');
  }

  var built = [];
  function render(el) {
    if (el.dataset.rendered) return;
    var c = data.charts[el.dataset.chart];
    if (!c) return;
    try {
      built.push({ el: el, u: build(el, c) });
    } catch (err) {
      el.textContent = 'chart failed: ' + err;
    }
  }
  var charts = document.querySelectorAll('.chart[data-chart]');
  if ('IntersectionObserver' in window) {
    var io = new IntersectionObserver(function (entries) {
      entries.forEach(function (e) { if (e.isIntersecting) { render(e.target); io.unobserve(e.target); } });
    }, { rootMargin: '400px 0px' });
    charts.forEach(function (el) { io.observe(el); });
  } else {
    charts.forEach(render);
  }
  var resizeTimer = null;
  window.addEventListener('resize', function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () {
      built.forEach(function (b) { if (b.el.clientWidth > 0) b.u.setSize({ width: b.el.clientWidth, height: 320 }); });
    }, 150);
  });
})();
