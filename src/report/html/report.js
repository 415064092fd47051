(function () {
  'use strict';
  var CONTEXT = 3;
  var data = null;
  function getData() {
    if (!data) data = JSON.parse(document.getElementById('neardup-data').textContent);
    return data;
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function lineRange(a, b) { return a === b ? 'line ' + a : 'lines ' + a + '\u2013' + b; }

  // ---- the list of pairs: filter and sort ----
  var tbody = document.getElementById('pair-rows');
  var views = new Map();
  function rows() { return Array.prototype.slice.call(tbody.querySelectorAll('tr.pair')); }
  var filter = document.getElementById('filter');
  var kind = document.getElementById('kind');
  var shown = document.getElementById('shown');
  function applyFilter() {
    var q = filter.value.trim().toLowerCase();
    var k = kind.value;
    var all = rows(), n = 0;
    all.forEach(function (r) {
      var ok = (!k || r.dataset.kind === k) &&
        (!q || r.dataset.a.toLowerCase().indexOf(q) >= 0 || r.dataset.b.toLowerCase().indexOf(q) >= 0);
      r.hidden = !ok;
      var v = views.get(r);
      if (v) v.hidden = !ok;
      if (ok) n++;
    });
    shown.textContent = n === all.length ? all.length + ' pairs' : n + ' of ' + all.length + ' pairs';
  }
  function sortBy(button) {
    var key = button.dataset.sort, num = button.dataset.type === 'num';
    var dir = button.dataset.dir === '1' ? -1 : 1;
    document.querySelectorAll('th button').forEach(function (b) { delete b.dataset.dir; });
    button.dataset.dir = String(dir);
    var all = rows().map(function (r) {
      var v = r.dataset[key];
      return { r: r, k: num ? parseFloat(v) : v, i: parseInt(r.dataset.i, 10) };
    });
    all.sort(function (x, y) {
      var c = num ? x.k - y.k : x.k < y.k ? -1 : x.k > y.k ? 1 : 0;
      return c * dir || x.i - y.i;
    });
    var frag = document.createDocumentFragment();
    all.forEach(function (x) {
      frag.appendChild(x.r);
      var v = views.get(x.r);
      if (v) frag.appendChild(v);
    });
    tbody.appendChild(frag);
  }
  if (tbody) {
    filter.addEventListener('input', applyFilter);
    kind.addEventListener('change', applyFilter);
    document.querySelectorAll('th button[data-sort]').forEach(function (b) {
      b.addEventListener('click', function () { sortBy(b); });
    });
    tbody.addEventListener('click', function (e) {
      var r = e.target.closest('tr.pair');
      if (r) toggle(r);
    });
    tbody.addEventListener('keydown', function (e) {
      var r = e.target.closest('tr.pair');
      if (r && (e.key === 'Enter' || e.key === ' ')) { e.preventDefault(); toggle(r); }
    });
    applyFilter();
  }

  // ---- a pair's view, rendered when opened ----
  function toggle(row) {
    var v = views.get(row);
    if (v) { v.remove(); views.delete(row); row.classList.remove('open'); return; }
    v = el('tr', 'view');
    var td = el('td');
    td.colSpan = 6;
    v.appendChild(td);
    td.appendChild(renderPair(parseInt(row.dataset.i, 10)));
    row.after(v);
    views.set(row, v);
    row.classList.add('open');
  }
  function spanClass(i, flags) { return 'c' + (i % 8) + (flags & 1 ? ' bp' : ''); }
  function renderPair(pi) {
    var d = getData(), p = d.pairs[pi];
    var box = el('div', 'pv');
    box.dataset.pair = String(pi);
    var head = el('div', 'pv-head');
    head.appendChild(el('span', 'kind ' + p.kind, p.kind.replace('_', ' ')));
    head.appendChild(el('span', 'stats', ' jaccard ' + p.jaccard.toFixed(3) +
      ', containment ' + p.containment[0].toFixed(2) + ' / ' + p.containment[1].toFixed(2) +
      ', coverage ' + p.coverage[0].toFixed(2) + ' / ' + p.coverage[1].toFixed(2)));
    box.appendChild(head);
    var list = el('div', 'spanlist');
    p.spans.forEach(function (s, i) {
      var b = el('button', spanClass(i, s[4]), 'span ' + (i + 1) + ': ' + s[5] + ' words, ' +
        lineRange(s[7], s[8]) + ' \u2194 ' + lineRange(s[9], s[10]) +
        (s[4] & 1 ? ', boilerplate' : '') + (s[4] & 2 ? ', baselined' : ''));
      b.title = 'similarity ' + s[6].toFixed(2) + '; click to show it on both sides';
      b.addEventListener('click', function () { show(box, 0, i); show(box, 1, i); });
      list.appendChild(b);
    });
    box.appendChild(list);
    var sides = el('div', 'sides');
    [0, 1].forEach(function (k) {
      var di = k === 0 ? p.a : p.b;
      var side = el('div', 'side');
      side.dataset.side = String(k);
      var sh = el('div', 'side-head');
      var doc = di === null ? null : d.docs[di];
      sh.appendChild(el('span', 'path', doc ? doc.path : (k === 0 ? 'a' : 'b')));
      var text = el('div', 'text');
      side.appendChild(sh);
      side.appendChild(text);
      sides.appendChild(side);
      if (!doc) { text.appendChild(el('div', 'na', 'The text of this document is not in the report.')); return; }
      var spans = p.spans.map(function (s, i) {
        return { i: i, s: s[2 * k], e: s[2 * k + 1], ls: s[7 + 2 * k], le: s[8 + 2 * k], f: s[4] };
      });
      var btn = el('button', 'whole', 'show whole document');
      var whole = false;
      btn.addEventListener('click', function () {
        whole = !whole;
        btn.textContent = whole ? 'show spans with context' : 'show whole document';
        renderSide(text, doc, spans, whole);
      });
      sh.appendChild(btn);
      text.addEventListener('click', function (e) {
        var m = e.target.closest('mark');
        if (m) { show(box, 1 - k, parseInt(m.dataset.s, 10)); highlight(box, parseInt(m.dataset.s, 10)); return; }
        if (e.target.closest('.gap') && !whole) btn.click();
      });
      renderSide(text, doc, spans, false);
    });
    box.appendChild(sides);
    return box;
  }
  function highlight(box, i) {
    box.querySelectorAll('mark.hit').forEach(function (m) { m.classList.remove('hit'); });
    box.querySelectorAll('mark[data-s="' + i + '"]').forEach(function (m) { m.classList.add('hit'); });
  }
  function show(box, k, i) {
    var m = box.querySelector('.side[data-side="' + k + '"] mark[data-s="' + i + '"]');
    if (m) { m.scrollIntoView({ block: 'center', inline: 'nearest' }); highlight(box, i); }
  }
  function renderSide(box, doc, spans, whole) {
    box.textContent = '';
    var frag = document.createDocumentFragment();
    var visible = function () { return true; };
    if (!whole) {
      var ranges = spans.map(function (s) { return [s.ls - CONTEXT, s.le + CONTEXT]; });
      visible = function (n) {
        for (var j = 0; j < ranges.length; j++) if (n >= ranges[j][0] && n <= ranges[j][1]) return true;
        return false;
      };
    }
    var sorted = spans.filter(function (s) { return s.s !== null && s.e > s.s; })
      .sort(function (x, y) { return x.s - y.s; });
    var last = 0, k = 0;
    function gap(n, upto) {
      if (n <= 0) return;
      var g = el('div', 'gap', '\u22ef ' + n + (n === 1 ? ' line' : ' lines') +
        (doc.whole ? ' not shown' : ' not in the report (document too large to embed whole)') + ' \u22ef');
      g.dataset.upto = String(upto);
      frag.appendChild(g);
    }
    doc.chunks.forEach(function (c) {
      var n = c[0], off = c[1], t = c[2], pos = 0;
      while (pos < t.length) {
        var nl = t.indexOf('\n', pos);
        var end = nl < 0 ? t.length : nl + 1;
        if (visible(n)) {
          gap(n - last - 1, n - 1);
          frag.appendChild(renderLine(n, off + pos, t.slice(pos, end)));
          last = n;
        }
        pos = end;
        n++;
      }
    });
    gap(doc.lines - last, doc.lines);
    function renderLine(n, start, text) {
      var line = el('div', 'l');
      line.dataset.n = String(n);
      var stop = start + text.length, at = start;
      while (k < sorted.length && sorted[k].e <= start) k++;
      for (var j = k; j < sorted.length && sorted[j].s < stop; j++) {
        var s = sorted[j];
        if (s.e <= at) continue;
        var from = Math.max(s.s, at), to = Math.min(s.e, stop);
        if (from > at) line.appendChild(document.createTextNode(text.slice(at - start, from - start)));
        var m = el('mark', spanClass(s.i, s.f), text.slice(from - start, to - start));
        m.dataset.s = String(s.i);
        m.title = 'span ' + (s.i + 1) + (s.f & 1 ? ' (boilerplate)' : '') + ': click to show its partner';
        line.appendChild(m);
        at = to;
      }
      if (at < stop) line.appendChild(document.createTextNode(text.slice(at - start)));
      return line;
    }
    box.appendChild(frag);
  }

  // Open the pair a link names (#pair-N).
  var target = location.hash.match(/^#pair-(\d+)$/);
  if (target) {
    var r = document.getElementById('pair-' + target[1]);
    if (r) { toggle(r); r.scrollIntoView(); }
  }
})();
