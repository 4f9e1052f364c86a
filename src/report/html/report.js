// efstop's HTML report: draws the page from the JSON contract (docs/json.md)
// embedded in #efstop-data. Compiled into efstop (src/report/html_writer.cc);
// the page's Content-Security-Policy allows this script by its SHA-256 only.
//
// Safety: every text from the data (names come from tags anyone can set)
// reaches the page through textContent or createTextNode, and attributes
// get only numbers and fixed strings. No data is parsed as markup or run as code, no URL from
// the data, nothing fetched.
'use strict';
(function () {
  const SVG = 'http://www.w3.org/2000/svg';
  const data = JSON.parse(document.getElementById('efstop-data').textContent);
  const root = document.getElementById('report');
  const rows = Array.isArray(data.rows) ? data.rows : [];
  const stats = data.stats || {};
  const names = stats.names || null;
  // --sample: the rows' bytes are estimates (sampled x PERIOD / SPAN), shown
  // with '~' as the table shows them; the series' buckets are measured.
  const estimated = data.estimated === true;
  const PALETTE = ['#2f6db5', '#e07b28', '#3a9a4a', '#c7403a', '#8a63b8', '#8c5a48', '#d16fb8',
    '#6f6f6f', '#aeb22f', '#2bb0c2'];

  // ---- DOM helpers: text only ever goes in as text nodes.
  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    setAttrs(node, attrs);
    append(node, children);
    return node;
  }
  function svgEl(tag, attrs, children) {
    const node = document.createElementNS(SVG, tag);
    setAttrs(node, attrs);
    append(node, children);
    return node;
  }
  function setAttrs(node, attrs) {
    if (!attrs) return;
    for (const key of Object.keys(attrs)) {
      if (attrs[key] !== undefined && attrs[key] !== null) node.setAttribute(key, String(attrs[key]));
    }
  }
  function append(node, children) {
    if (children === undefined || children === null) return;
    if (!Array.isArray(children)) children = [children];
    for (const child of children) {
      if (child === undefined || child === null) continue;
      node.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
    }
  }
  // A tooltip for an SVG element: a <title> child, as text.
  function tip(node, text) {
    node.appendChild(svgEl('title', null, text));
    return node;
  }

  // ---- Formats, as the table prints them (docs/cli.md): IEC units with one
  // decimal, rounded half up; exact integers stay in data-value attributes.
  function ebytes(n) { return (estimated ? '~' : '') + bytes(n); }
  function bytes(n) {
    // Integers only (BigInt), as src/report/units.cc: doubles would round 1.05 either way.
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
    const value = BigInt(Math.round(n));
    if (value < 1024n) return value + ' B';
    let index = 1;
    let unit = 1024n;
    while (index < 6 && value / unit >= 1024n) { unit *= 1024n; index++; }
    let tenths = value / unit * 10n + ((value % unit) * 10n + unit / 2n) / unit;
    if (tenths >= 10240n && index < 6) {
      unit *= 1024n;
      index++;
      tenths = value / unit * 10n + ((value % unit) * 10n + unit / 2n) / unit;
    }
    return (tenths / 10n) + '.' + (tenths % 10n) + ' ' + units[index];
  }
  function usd(v) {
    if (v > 0 && v < 0.00005) return '<$0.0001';
    return '$' + v.toFixed(v < 1 ? 4 : 2);
  }
  function count(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  }
  // Names may be 10 KB long: charts cut them, tables and tooltips do not.
  function cut(text, max) {
    const chars = Array.from(text);
    return chars.length <= max ? text : chars.slice(0, max - 1).join('') + '\u2026';
  }

  // ---- Ends: the label a reader knows an end by, and a key that tells two
  // ends apart even when their names are the same.
  function ipsOf(end) {
    return end.ips ? end.ips.join(',') : (end.ip || '');
  }
  function keyOf(end) {
    if (!end) return '';
    return [end.kind || '', end.id || '', end.name || '', ipsOf(end), end.az || ''].join('\u0000');
  }
  function fsKeyOf(end) {
    // Mount targets of one file system are one file system.
    if (end && end.kind === 'efs-mount-target' && end.id) return 'fs\u0000' + end.id;
    return keyOf(end);
  }
  function labelOf(end) {
    if (!end) return '';
    if (end.name && end.kind !== 'unresolved' && end.kind !== 'external') return end.name;
    return ipsOf(end) || end.id || end.az || '';
  }
  // Labels that are the same for different ends get a short id or address.
  function uniqueLabels(ends) {
    const byLabel = new Map();
    for (const [key, end] of ends) {
      const label = labelOf(end);
      if (!byLabel.has(label)) byLabel.set(label, new Set());
      byLabel.get(label).add(key);
    }
    const out = new Map();
    for (const [key, end] of ends) {
      const label = labelOf(end);
      if (byLabel.get(label).size > 1) {
        const tag = end.id && end.id !== label ? end.id : ipsOf(end);
        out.set(key, label + ' (' + cut(tag, 14) + ')');
      } else {
        out.set(key, label);
      }
    }
    return out;
  }

  // ---- Aggregates of the rows.
  const clients = new Map();  // key -> {end, read, written, series}
  const fileSystems = new Map();  // key -> {end, read, written, clients:Set, mts:Set, azs:Set}
  const links = new Map();  // clientKey \0\0 fsKey -> {client, fs, bytes}
  let crossKnown = false;
  let crossBytes = 0;
  let crossUnknown = 0;
  let crossCost = 0;
  let firstSeen = null;
  let lastSeen = null;
  for (const row of rows) {
    const total = row.bytes_total;
    if (row.first_seen && (firstSeen === null || row.first_seen < firstSeen)) firstSeen = row.first_seen;
    if (row.last_seen && (lastSeen === null || row.last_seen > lastSeen)) lastSeen = row.last_seen;
    if (row.cross_az_bytes !== undefined) {
      crossKnown = true;
      crossBytes += row.cross_az_bytes;
      crossCost += row.cross_az_cost_usd;
    }
    if (row.cross_az_unknown_bytes !== undefined) crossUnknown += row.cross_az_unknown_bytes;
    let ck = null;
    let fk = null;
    if (row.client) {
      ck = keyOf(row.client);
      if (!clients.has(ck)) clients.set(ck, { end: row.client, read: 0, written: 0, rows: [] });
      const c = clients.get(ck);
      c.read += row.bytes_read;
      c.written += row.bytes_written;
      c.rows.push(row);
    }
    if (row.server) {
      fk = fsKeyOf(row.server);
      if (!fileSystems.has(fk)) {
        fileSystems.set(fk, { end: row.server, read: 0, written: 0, clients: new Set(),
          mts: new Set(), azs: new Set() });
      }
      const f = fileSystems.get(fk);
      f.read += row.bytes_read;
      f.written += row.bytes_written;
      if (ck !== null) f.clients.add(ck);
      for (const ip of (row.server.ips || [row.server.ip])) if (ip) f.mts.add(ip);
      if (row.server.az) f.azs.add(row.server.az);
    }
    if (ck !== null && fk !== null) {
      const lk = ck + '\u0000\u0000' + fk;
      if (!links.has(lk)) links.set(lk, { client: ck, fs: fk, bytes: 0 });
      links.get(lk).bytes += total;
    }
  }
  const clientLabels = uniqueLabels(Array.from(clients, ([k, v]) => [k, v.end]));
  const fsLabels = uniqueLabels(Array.from(fileSystems, ([k, v]) => [k, v.end]));
  const byTotal = (a, b) => (b[1].read + b[1].written) - (a[1].read + a[1].written) ||
    (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
  const clientOrder = Array.from(clients).sort(byTotal);
  const fsOrder = Array.from(fileSystems).sort(byTotal);

  function section(id, title, children) {
    return el('section', { id: id }, [el('h2', null, title)].concat(children));
  }

  // ---- 1. The question and the window.
  function header() {
    const q = data.query || {};
    const groupText = {
      pair: 'client \u00d7 server address', client: 'client', server: 'server',
      fs: 'client \u00d7 file system',
      name: 'client name \u00d7 file system', az: 'client AZ \u00d7 mount-target AZ',
    }[q.group_by] || q.group_by || 'pair';
    const shown = q.total_rows !== undefined && q.total_rows > rows.length
      ? rows.length + ' of ' + q.total_rows + ' rows (the rest were cut by --top)'
      : rows.length + ' rows';
    const win = data.window || {};
    let windowText;
    if (win.start || win.end) {
      windowText = (win.start || 'open') + ' \u2192 ' + (win.end || 'open');
    } else if (win.first_seen || firstSeen) {
      windowText = (win.first_seen || firstSeen) + ' \u2192 ' + (win.last_seen || lastSeen) +
        ' (no window given: the first and last record counted)';
    } else {
      windowText = 'no window given, no record counted';
    }
    return el('header', null, [
      el('h1', null, 'Which clients move how many bytes to and from which EFS file systems'),
      el('p', { class: 'question' }, [
        'Grouped by ', el('b', null, groupText), ', sorted by ', el('b', null, q.sort || 'total'),
        '; ', shown, '.']),
      el('p', { class: 'window', id: 'window' }, ['Window: ', el('b', null, windowText)]),
    ]);
  }

  // ---- 2. Headline numbers.
  function headline() {
    let read = 0;
    let written = 0;
    for (const r of rows) { read += r.bytes_read; written += r.bytes_written; }
    const cards = [
      ['bytes_read', 'read', read, ebytes(read)],
      ['bytes_written', 'written', written, ebytes(written)],
      ['bytes_total', 'total', read + written, ebytes(read + written)],
      ['file_systems', fileSystems.size === 1 ? 'file system' : 'file systems', fileSystems.size,
        count(fileSystems.size)],
      ['clients', clients.size === 1 ? 'client' : 'clients', clients.size, count(clients.size)],
    ];
    if (crossKnown || crossUnknown > 0) {
      const lower = crossUnknown > 0 ? ' (at least)' : '';
      cards.push(['cross_az_bytes', 'crossed AZs' + lower, crossBytes, ebytes(crossBytes)]);
      // Rows carry costs rounded to 4 decimals: bytes that crossed at a cost
      // that rounds to 0 still cost something, as the table's TOTAL says.
      const costText = crossBytes > 0 && crossCost < 0.00005 ? '<$0.0001' : usd(crossCost);
      cards.push(['cross_az_cost_usd', 'cross-AZ cost' + lower, crossCost, costText]);
      if (crossUnknown > 0) {
        cards.push(['cross_az_unknown_bytes', 'of unknown AZ', crossUnknown, ebytes(crossUnknown)]);
      }
    }
    const note = data.query && data.query.total_rows > rows.length
      ? el('p', { class: 'warn' }, 'These numbers add up the rows in this report only.') : null;
    return el('section', { id: 'headline' }, [
      el('div', { class: 'cards' }, cards.map(([metric, label, value, text]) =>
        el('div', { class: 'card', 'data-metric': metric, 'data-value': value }, [
          el('span', { class: 'value' }, text), el('span', { class: 'label' }, label)]))),
      note]);
  }

  // ---- 3. Top clients: read and written stacked, one bar per client.
  const TOP_CLIENTS = 15;
  function topClients() {
    if (clients.size === 0) return null;
    const top = clientOrder.slice(0, TOP_CLIENTS);
    const max = Math.max(1, ...top.map(([, c]) => c.read + c.written));
    const labelW = 220;
    const barW = 560;
    const rowH = 24;
    const height = top.length * rowH + 30;
    const chart = svgEl('svg', { viewBox: '0 0 ' + (labelW + barW + 90) + ' ' + height,
      class: 'chart', id: 'top-clients-chart', role: 'img', 'aria-label': 'top clients by bytes' });
    top.forEach(([key, c], i) => {
      const y = i * rowH + 4;
      const g = svgEl('g', { class: 'bar', 'data-read': c.read, 'data-written': c.written });
      const label = clientLabels.get(key);
      g.appendChild(svgEl('text', { x: labelW - 6, y: y + 15, 'text-anchor': 'end', class: 'label' },
        cut(label, 30)));
      const wr = (c.read / max) * barW;
      const ww = (c.written / max) * barW;
      g.appendChild(tip(svgEl('rect', { x: labelW, y: y, width: wr, height: rowH - 6,
        class: 'read' }), label + ': read ' + ebytes(c.read)));
      g.appendChild(tip(svgEl('rect', { x: labelW + wr, y: y, width: ww, height: rowH - 6,
        class: 'written' }), label + ': written ' + ebytes(c.written)));
      g.appendChild(svgEl('text', { x: labelW + wr + ww + 6, y: y + 15, class: 'amount' },
        ebytes(c.read + c.written)));
      chart.appendChild(g);
    });
    const ly = top.length * rowH + 14;
    chart.appendChild(svgEl('rect', { x: labelW, y: ly, width: 12, height: 12, class: 'read' }));
    chart.appendChild(svgEl('text', { x: labelW + 16, y: ly + 11 }, 'read (server \u2192 client)'));
    chart.appendChild(svgEl('rect', { x: labelW + 190, y: ly, width: 12, height: 12, class: 'written' }));
    chart.appendChild(svgEl('text', { x: labelW + 206, y: ly + 11 }, 'written (client \u2192 server)'));
    const more = clients.size > TOP_CLIENTS
      ? el('p', null, 'The ' + TOP_CLIENTS + ' biggest of ' + clients.size + ' clients.') : null;
    return section('top-clients', 'Top clients', [chart, more]);
  }

  // ---- 4. Client -> file system flows (Sankey): one link per pair, its
  // width the pair's bytes.
  function flows() {
    if (links.size === 0) return null;
    const width = 900;
    const nodeW = 12;
    const gap = 6;
    const left = clientOrder.filter(([k]) => Array.from(links.values()).some((l) => l.client === k));
    const right = fsOrder;
    const total = Array.from(links.values()).reduce((s, l) => s + l.bytes, 0) || 1;
    const height = Math.max(160, Math.max(left.length, right.length) * 22 + 40);
    const usable = height - 20 - gap * Math.max(left.length, right.length);
    const scale = Math.max(usable, 40) / total;
    const minH = 2;
    let bottom = 0;
    function place(list, totalOf) {
      const pos = new Map();
      let y = 10;
      for (const [key, v] of list) {
        const h = Math.max(minH, totalOf(v) * scale);
        pos.set(key, { y: y, h: h, used: 0 });
        y += Math.max(h, 16) + gap;  // room for the label of a small node
      }
      bottom = Math.max(bottom, y);
      return pos;
    }
    const lp = place(left, (c) => c.read + c.written);
    const rp = place(right, (f) => f.read + f.written);
    const svg = svgEl('svg', { viewBox: '0 0 ' + width + ' ' + Math.max(height, bottom + 10), class: 'chart',
      id: 'flow-chart', role: 'img', 'aria-label': 'bytes from clients to file systems' });
    const x0 = 230;
    const x1 = width - 230;
    const sorted = Array.from(links.values()).sort((a, b) => b.bytes - a.bytes);
    sorted.forEach((l) => {
      const a = lp.get(l.client);
      const b = rp.get(l.fs);
      const h = Math.max(1, l.bytes * scale);
      const ya = a.y + a.used + h / 2;
      const yb = b.y + b.used + h / 2;
      a.used += h;
      b.used += h;
      const mid = (x0 + nodeW + x1) / 2;
      const d = 'M' + (x0 + nodeW) + ',' + ya + ' C' + mid + ',' + ya + ' ' + mid + ',' + yb + ' ' +
        x1 + ',' + yb;
      const colour = PALETTE[right.findIndex(([k]) => k === l.fs) % PALETTE.length];
      svg.appendChild(tip(svgEl('path', { d: d, class: 'link', stroke: colour,
        'stroke-width': h, 'data-bytes': l.bytes }),
      clientLabels.get(l.client) + ' \u2192 ' + fsLabels.get(l.fs) + ': ' + ebytes(l.bytes)));
    });
    for (const [key] of left) {
      const p = lp.get(key);
      svg.appendChild(svgEl('rect', { x: x0, y: p.y, width: nodeW, height: p.h, class: 'node' }));
      svg.appendChild(tip(svgEl('text', { x: x0 - 6, y: p.y + p.h / 2 + 4, 'text-anchor': 'end',
        class: 'label' }, cut(clientLabels.get(key), 30)), clientLabels.get(key)));
    }
    right.forEach(([key], i) => {
      const p = rp.get(key);
      svg.appendChild(svgEl('rect', { x: x1, y: p.y, width: nodeW, height: p.h, class: 'node',
        fill: PALETTE[i % PALETTE.length] }));
      svg.appendChild(tip(svgEl('text', { x: x1 + nodeW + 6, y: p.y + p.h / 2 + 4, class: 'label' },
        cut(fsLabels.get(key), 30)), fsLabels.get(key)));
    });
    return section('flows', 'Clients \u2192 file systems', [svg]);
  }

  // ---- 5. Per file system: its clients, mount targets and AZs.
  function perFileSystem() {
    if (fileSystems.size === 0) return null;
    const items = fsOrder.map(([key, f]) => {
      const clientList = el('ul', { class: 'clients' }, Array.from(f.clients)
        .map((ck) => [ck, clients.get(ck)])
        .sort(byTotal)
        .map(([ck]) => el('li', null, clientLabels.get(ck))));
      return el('div', { class: 'fs', 'data-bytes': f.read + f.written }, [
        el('h3', null, [fsLabels.get(key), f.end.id && f.end.id !== fsLabels.get(key)
          ? el('span', { class: 'id' }, ' ' + f.end.id) : null]),
        el('p', null, ebytes(f.read) + ' read, ' + ebytes(f.written) + ' written'),
        el('dl', null, [
          el('dt', null, 'mount targets'), el('dd', { class: 'mount-targets' },
            Array.from(f.mts).join(', ')),
          el('dt', null, 'AZs'), el('dd', { class: 'azs' }, Array.from(f.azs).sort().join(', ') || '?'),
          el('dt', null, f.clients.size + (f.clients.size === 1 ? ' client' : ' clients')),
          el('dd', null, clientList),
        ]),
      ]);
    });
    return section('file-systems', 'File systems', [el('div', { class: 'fs-list' }, items)]);
  }

  // ---- 6. Time: rows may carry "series" (time buckets) and the report
  // "file_systems" (CloudWatch metrics); see docs/report-html.md.
  function timeCharts() {
    const withSeries = clientOrder.filter(([, c]) => c.rows.some((r) => r.series));
    if (withSeries.length === 0) return null;
    const parts = [];
    // Sum every row's buckets per client, on one time axis.
    const points = new Map();  // client key -> Map(t -> bytes)
    const all = new Map();  // t -> bytes (all clients)
    let bucket = 0;
    for (const [key, c] of withSeries) {
      const m = new Map();
      for (const r of c.rows) {
        const s = r.series;
        if (!s) continue;
        bucket = bucket || s.bucket_s;
        const t0 = Date.parse(s.start) / 1000;
        const n = Math.max((s.read || []).length, (s.written || []).length);
        for (let i = 0; i < n; i++) {
          const rd = (s.read || [])[i];
          const wr = (s.written || [])[i];
          // --sample: a bucket no slice overlaps is null (not looked at):
          // no point, so the lines break there; never drawn as 0.
          if ((rd === null || rd === undefined) && (wr === null || wr === undefined)) continue;
          const t = t0 + i * s.bucket_s;
          const v = (rd || 0) + (wr || 0);
          m.set(t, (m.get(t) || 0) + v);
          all.set(t, (all.get(t) || 0) + v);
        }
      }
      points.set(key, m);
    }
    const times = Array.from(all.keys()).sort((a, b) => a - b);
    const tMin = times[0];
    const tMax = times[times.length - 1] + bucket;
    const top = withSeries.slice(0, 8);
    // Throughput in bytes per second, so a file system's limit fits the same axis.
    let yMax = 1;
    for (const [key] of top) for (const v of points.get(key).values()) yMax = Math.max(yMax, v / bucket);
    const limits = [];
    const percent = [];
    for (const fs of (Array.isArray(data.file_systems) ? data.file_systems : [])) {
      const m = fs.metrics || {};
      if (m.throughput_limit_bytes_per_s) limits.push({ fs: fs, m: m });
      if (m.percent_io_limit) percent.push({ fs: fs, m: m });
    }
    for (const l of limits) {
      for (const v of l.m.throughput_limit_bytes_per_s) if (v !== null) yMax = Math.max(yMax, v);
    }
    const W = 900;
    const H = 260;
    const padL = 70;
    const padR = percent.length ? 50 : 20;
    const padB = 30;
    const x = (t) => padL + ((t - tMin) / Math.max(1, tMax - tMin)) * (W - padL - padR);
    const y = (v) => 10 + (1 - v / yMax) * (H - 10 - padB);
    const svg = svgEl('svg', { viewBox: '0 0 ' + W + ' ' + H, class: 'chart', id: 'series-chart',
      role: 'img', 'aria-label': 'bytes per second over time' });
    for (let i = 0; i <= 4; i++) {
      const v = (yMax * i) / 4;
      svg.appendChild(svgEl('line', { x1: padL, x2: W - padR, y1: y(v), y2: y(v), class: 'grid' }));
      svg.appendChild(svgEl('text', { x: padL - 4, y: y(v) + 4, 'text-anchor': 'end', class: 'axis' },
        bytes(Math.round(v)) + '/s'));
    }
    for (let i = 0; i <= 4; i++) {
      const t = tMin + ((tMax - tMin) * i) / 4;
      svg.appendChild(svgEl('text', { x: x(t), y: H - 8, 'text-anchor': 'middle', class: 'axis' },
        new Date(t * 1000).toISOString().slice(5, 16).replace('T', ' ')));
    }
    const legend = el('ul', { class: 'legend' });
    top.forEach(([key], i) => {
      const m = points.get(key);
      // A new stroke ('M') after buckets no row has a value for (--sample's
      // gaps between slices); 0 where other clients have values.
      let prev = null;
      const d = times.map((t) => {
        const pen = prev === null || t - prev > bucket ? 'M' : 'L';
        prev = t;
        return pen + x(t).toFixed(1) + ',' + y((m.get(t) || 0) / bucket).toFixed(1);
      }).join(' ');
      svg.appendChild(tip(svgEl('path', { d: d, class: 'series', stroke: PALETTE[i % PALETTE.length],
        'data-client': i }), clientLabels.get(key)));
      const swatch = el('span', { class: 'swatch c' + (i % PALETTE.length) });
      legend.appendChild(el('li', null, [swatch, cut(clientLabels.get(key), 40)]));
    });
    // A metric's line: one vertex per bucket with a data point; a bucket
    // without one (null) breaks the line, it is not drawn as 0.
    // data-values keeps what was drawn, bucket by bucket ('' for null).
    const metricPath = (values, m, yOf, cls, fs) => {
      const t0 = Date.parse(m.start) / 1000;
      let pen = 'M';
      const d = [];
      values.forEach((v, j) => {
        if (v === null || v === undefined) {
          pen = 'M';
          return;
        }
        d.push(pen + x(t0 + j * m.bucket_s).toFixed(1) + ',' + yOf(v).toFixed(1));
        pen = 'L';
      });
      return svgEl('path', { d: d.join(' '), class: cls, 'data-fs': fs.id || '',
        'data-start': m.start, 'data-bucket-s': m.bucket_s,
        'data-values': values.map((v) => (v === null || v === undefined ? '' : String(v))).join(',') });
    };
    for (const l of limits) {
      svg.appendChild(tip(metricPath(l.m.throughput_limit_bytes_per_s, l.m, y, 'limit', l.fs),
        'throughput limit of ' + (l.fs.name || l.fs.id)));
      legend.appendChild(el('li', null, [el('span', { class: 'swatch limit' }),
        'throughput limit: ' + cut(l.fs.name || l.fs.id || '', 40)]));
    }
    for (const p of percent) {
      const yp = (v) => 10 + (1 - v / 100) * (H - 10 - padB);
      svg.appendChild(tip(metricPath(p.m.percent_io_limit, p.m, yp, 'percent', p.fs),
        'PercentIOLimit of ' + (p.fs.name || p.fs.id)));
      svg.appendChild(svgEl('text', { x: W - padR + 4, y: yp(100) + 4, class: 'axis' }, '100%'));
      legend.appendChild(el('li', null, [el('span', { class: 'swatch percent' }),
        'PercentIOLimit (right axis, 0\u2013100%): ' + cut(p.fs.name || p.fs.id || '', 40)]));
    }
    parts.push(svg, legend);
    // Hour-of-day heatmap when the window spans days: one line per day.
    if (tMax - tMin > 86400) {
      const cells = new Map();
      let cMax = 1;
      for (const [t, v] of all) {
        const d = new Date(t * 1000);
        const day = d.toISOString().slice(0, 10);
        const k = day + '|' + d.getUTCHours();
        cells.set(k, (cells.get(k) || 0) + v);
        cMax = Math.max(cMax, cells.get(k));
      }
      const days = Array.from(new Set(Array.from(cells.keys()).map((k) => k.split('|')[0]))).sort();
      const cw = 30;
      const ch = 18;
      const hm = svgEl('svg', { viewBox: '0 0 ' + (90 + 24 * cw) + ' ' + (days.length * ch + 24),
        class: 'chart', id: 'heatmap', role: 'img', 'aria-label': 'bytes by hour of day (UTC)' });
      for (let h = 0; h < 24; h++) {
        hm.appendChild(svgEl('text', { x: 90 + h * cw + cw / 2, y: 12, 'text-anchor': 'middle',
          class: 'axis' }, String(h).padStart(2, '0')));
      }
      days.forEach((day, i) => {
        hm.appendChild(svgEl('text', { x: 84, y: 24 + i * ch + 13, 'text-anchor': 'end',
          class: 'axis' }, day));
        for (let h = 0; h < 24; h++) {
          const v = cells.get(day + '|' + h) || 0;
          const label = day + ' ' + String(h).padStart(2, '0') + ':00 UTC: ';
          if (estimated && !cells.has(day + '|' + h)) {
            // --sample: an hour no slice overlaps was not looked at: no 0.
            hm.appendChild(tip(svgEl('rect', { x: 90 + h * cw, y: 18 + i * ch, width: cw - 2,
              height: ch - 2, class: 'cell none', 'fill-opacity': 0, 'data-bytes': '' }),
            label + 'not sampled'));
            continue;
          }
          hm.appendChild(tip(svgEl('rect', { x: 90 + h * cw, y: 18 + i * ch, width: cw - 2,
            height: ch - 2, class: 'cell', 'fill-opacity': (0.05 + 0.95 * v / cMax).toFixed(3),
            'data-bytes': v }), label + bytes(v)));
        }
      });
      parts.push(el('h3', null, 'Bytes by hour of day (UTC)'), hm);
    }
    return section('time', 'Over time (top clients, bytes per second)', parts);
  }

  // ---- 7. Every row: a table to sort and filter.
  function rowTable() {
    const endCols = (side) => {
      const present = (m) => rows.some((r) => r[side] && r[side][m] !== undefined);
      const cols = [];
      if (!rows.some((r) => r[side])) return cols;
      const title = side === 'client' ? 'client' : 'server';
      cols.push({ id: side + '_name', title: title, text: (r) => r[side] ? labelOf(r[side]) : '' });
      cols.push({ id: side + '_ips', title: title + ' address', text: (r) => r[side] ? ipsOf(r[side]) : '' });
      for (const m of ['kind', 'id', 'az', 'account']) {
        if (present(m)) {
          cols.push({ id: side + '_' + m, title: title + ' ' + m, text: (r) => (r[side] && r[side][m]) || '' });
        }
      }
      return cols;
    };
    const num = (id, title, fmt) => ({ id: id, title: title, numeric: true,
      value: (r) => r[id], text: (r) => r[id] === undefined ? '' : fmt(r[id]) });
    const cols = endCols('client').concat(endCols('server'), [
      num('bytes_read', 'read', ebytes), num('bytes_written', 'written', ebytes),
      num('bytes_total', 'total', ebytes),
      // packets is null when some record of the row had none (a '-' or no such field):
      // shown as the table shows it, the known part and "+?", or "-" when none is known.
      { id: 'packets', title: 'packets', numeric: true,
        value: (r) => r.packets === null ? (r.packets_known || 0) : r.packets,
        text: (r) => r.packets === undefined ? '' : r.packets !== null ? count(r.packets)
          : (r.packets_known || 0) > 0 ? count(r.packets_known) + '+?' : '-' },
      num('flows', 'flows', count), num('rejected', 'rejected', count)]);
    if (rows.some((r) => r.cross_az_bytes !== undefined || r.cross_az_unknown_bytes !== undefined)) {
      cols.push(num('cross_az_bytes', 'cross-AZ', ebytes));
      cols.push(num('cross_az_cost_usd', 'cross-AZ cost', usd));
      cols.push(num('cross_az_unknown_bytes', 'unknown AZ', ebytes));
    }
    cols.push({ id: 'first_seen', title: 'first seen', text: (r) => r.first_seen || '' });
    cols.push({ id: 'last_seen', title: 'last seen', text: (r) => r.last_seen || '' });

    const tbody = el('tbody');
    const trs = rows.map((r, i) => {
      const tr = el('tr', { 'data-row': i });
      for (const c of cols) {
        const td = el('td', { class: c.numeric ? 'num ' + c.id : c.id }, c.text(r));
        if (c.numeric && c.value(r) !== undefined) td.setAttribute('data-value', String(c.value(r)));
        tr.appendChild(td);
      }
      tr.searchText = cols.map((c) => c.text(r)).join('\u0000').toLowerCase();
      return tr;
    });
    trs.forEach((tr) => tbody.appendChild(tr));
    const order = rows.map((r, i) => i);
    let sortCol = null;
    let sortDesc = true;
    const status = el('span', { class: 'count', id: 'rows-count' });
    const headRow = el('tr');
    const filter = el('input', { type: 'search', id: 'row-filter', placeholder: 'filter rows (any column)',
      'aria-label': 'filter rows' });
    function redraw() {
      const needle = filter.value.trim().toLowerCase();
      let shown = 0;
      for (const i of order) {
        const tr = trs[i];
        const keep = needle === '' || tr.searchText.includes(needle);
        tr.hidden = !keep;
        if (keep) shown++;
        tbody.appendChild(tr);
      }
      status.textContent = shown + ' of ' + rows.length + ' rows';
    }
    cols.forEach((c) => {
      const button = el('button', { type: 'button', 'data-col': c.id }, c.title);
      const th = el('th', { class: c.numeric ? 'num' : null, 'aria-sort': 'none' }, button);
      button.addEventListener('click', () => {
        sortDesc = sortCol === c ? !sortDesc : !!c.numeric;
        sortCol = c;
        const key = (i) => c.numeric ? (c.value(rows[i]) === undefined ? -1 : c.value(rows[i]))
          : c.text(rows[i]).toLowerCase();
        order.sort((a, b) => {
          const ka = key(a);
          const kb = key(b);
          const cmp = ka < kb ? -1 : ka > kb ? 1 : a - b;
          return sortDesc && ka !== kb ? -cmp : cmp;
        });
        for (const other of headRow.children) other.setAttribute('aria-sort', 'none');
        th.setAttribute('aria-sort', sortDesc ? 'descending' : 'ascending');
        redraw();
      });
      headRow.appendChild(th);
    });
    filter.addEventListener('input', redraw);
    redraw();
    return section('rows', 'Every row', [
      el('div', { class: 'controls' }, [filter, status]),
      el('div', { class: 'scroll' }, el('table', { id: 'rows-table' }, [el('thead', null, headRow), tbody])),
    ]);
  }

  // ---- 8. Addresses that have no name, and what would name them.
  function unresolved() {
    if (!names) return null;
    const reasons = names.unresolved_reasons || [];
    const ends = new Map();
    for (const r of rows) {
      for (const side of ['client', 'server']) {
        const e = r[side];
        if (e && e.kind === 'unresolved') ends.set(ipsOf(e), e);
      }
    }
    const parts = [el('p', null, names.ips + ' addresses: ' + names.mount_targets + ' mount targets, ' +
      names.looked_up + ' looked up, ' + names.cached + ' cached, ' + names.from_history +
      ' from history, ' + names.labelled + ' labelled, ' + names.external + ' external, ' +
      names.unresolved + ' unresolved.')];
    if (reasons.length) {
      parts.push(el('table', { id: 'unresolved-reasons' }, [
        el('thead', null, el('tr', null, [el('th', null, 'why'), el('th', { class: 'num' }, 'addresses'),
          el('th', null, 'grant this IAM action to name them')])),
        el('tbody', null, reasons.map((r) => el('tr', null, [el('td', null, r.reason),
          el('td', { class: 'num' }, String(r.ips)), el('td', null, r.iam_action ? el('code', null, r.iam_action) : '\u2014')]))),
      ]));
    }
    if (ends.size) {
      parts.push(el('p', null, 'Unnamed addresses in this report:'));
      parts.push(el('ul', { id: 'unresolved-addresses' }, Array.from(ends).map(([ip, e]) =>
        el('li', null, [el('code', null, ip), ' \u2014 ', e.name || 'unresolved']))));
    }
    return section('names', 'Names', parts);
  }

  // ---- 9. What the numbers may miss.
  function warnings() {
    const items = [];
    // A partial report first: what could not be read changes what every number means.
    if (data.partial === true) {
      const failed = Array.isArray(data.failed_inputs) ? data.failed_inputs : [];
      items.push('Partial report: ' + failed.length + ' input(s) could not be read; their records are left out.');
      for (const f of failed) items.push('Not read: ' + String(f.input) + ': ' + String(f.error));
    }
    for (const n of (Array.isArray(data.notes) ? data.notes : [])) items.push(n);
    if (stats.files_failed > 0) items.push(stats.files_failed + ' input(s) could not be read to the end.');
    if (stats.skipped > 0) items.push(stats.skipped + ' malformed line(s) skipped.');
    if (stats.below_min_bytes > 0) items.push(stats.below_min_bytes + ' pair(s) left out by --min-bytes.');
    if (stats.unknown_address > 0) items.push(stats.unknown_address + ' record(s) with an unknown address (-) left out.');
    if (stats.unknown_bytes > 0) items.push(stats.unknown_bytes + ' record(s) counted without a byte count (-).');
    if (data.query && data.query.total_rows > rows.length) {
      items.push((data.query.total_rows - rows.length) + ' row(s) cut by --top.');
    }
    if (crossUnknown > 0) items.push(ebytes(crossUnknown) + ' moved between ends of unknown AZ: the cross-AZ figures are lower bounds.');
    for (const w of (Array.isArray(data.coverage) ? data.coverage : [])) {
      items.push(typeof w === 'string' ? w : JSON.stringify(w));
    }
    if (items.length === 0) return null;
    return section('warnings', 'Coverage and warnings', [el('ul', { class: 'warn' }, items.map((t) => el('li', null, t)))]);
  }

  // ---- 10. How this report was made.
  function provenance() {
    const run = data.efstop || {};
    const quote = (a) => /^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : "'" + a.replace(/'/g, "'\\''") + "'";
    const cmd = Array.isArray(run.command) ? run.command.map(quote).join(' ') : '(not recorded)';
    const known = ['lines', 'records', 'used', 'skipped', 'duplicates', 'not_efs', 'outside_window',
      'unknown_address', 'nodata', 'skipdata', 'unknown_bytes', 'below_min_bytes', 'files', 'files_failed'];
    // Counters this page does not know yet still show, after the known ones.
    const statKeys = known.concat(Object.keys(stats).filter((k) => !known.includes(k) && typeof stats[k] === 'number'));
    return section('provenance', 'How this report was made', [
      el('p', null, ['efstop ', el('span', { id: 'efstop-version' }, run.version || '?')]),
      el('pre', { id: 'command' }, cmd),
      el('table', { id: 'stats' }, el('tbody', null, statKeys.filter((k) => stats[k] !== undefined)
        .map((k) => el('tr', { 'data-stat': k, 'data-value': stats[k] }, [el('th', null, k.replace(/_/g, ' ')),
          el('td', { class: 'num' }, count(stats[k]))])))),
      el('p', { class: 'small' }, 'records = used + duplicates + not efs + outside window + unknown address + nodata + skipdata; ' +
        'lines = records + skipped. The data of this page is in the element #efstop-data, as efstop --output json writes it.'),
    ]);
  }

  document.title = 'efstop report' + (data.window && data.window.start ? ' from ' + data.window.start : '');
  for (const part of [header(), headline(), topClients(), flows(), perFileSystem(), timeCharts(),
    rowTable(), unresolved(), warnings(), provenance()]) {
    if (part) root.appendChild(part);
  }
  root.setAttribute('data-ready', 'true');
})();
