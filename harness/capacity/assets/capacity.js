// dawdle capacity report: draws the charts (uPlot) from the inlined data. Inlined at render time.
// Text from the data reaches the page through textContent and canvas text only.
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('capacity-data').textContent);
  var COLORS = ['#0969da', '#cf222e', '#1a7f37', '#8250df', '#bf8700', '#57606a'];

  function draw(spec) {
    var el = document.getElementById(spec.id);
    if (!el) return;
    var scales = { x: { time: false } };
    var axes = [{ label: spec.x, stroke: '#57606a' }];
    var seenScales = {};
    var series = [{ label: spec.x }];
    spec.series.forEach(function (s, i) {
      var sc = s.scale || 'y';
      if (!seenScales[sc]) {
        seenScales[sc] = true;
        scales[sc] = { auto: true };
        axes.push({ scale: sc, label: s.unit || '', side: Object.keys(seenScales).length > 1 ? 1 : 3, grid: { show: Object.keys(seenScales).length === 1 }, stroke: '#57606a' });
      }
      series.push({
        label: s.label, scale: sc, stroke: s.color || COLORS[i % COLORS.length], width: s.width || 2,
        dash: s.dash || undefined, spanGaps: true, points: { show: spec.points !== false, size: 6 },
      });
    });
    var width = Math.max(320, Math.min(el.clientWidth || 640, 1100));
    var opts = { width: width, height: spec.height || 260, scales: scales, axes: axes, series: series, legend: { live: true } };
    if (spec.band) {
      opts.hooks = { drawClear: [function (u) {
        var ctx = u.ctx, x0 = u.valToPos(spec.band[0], 'x', true), x1 = u.valToPos(spec.band[1], 'x', true);
        ctx.save(); ctx.fillStyle = 'rgba(9,105,218,0.07)'; ctx.fillRect(x0, u.bbox.top, x1 - x0, u.bbox.height); ctx.restore();
      }] };
    }
    new uPlot(opts, spec.data, el);
    el.dataset.rendered = 'true';
  }

  data.charts.forEach(draw);
  document.body.dataset.chartsDone = String(data.charts.length);
})();
