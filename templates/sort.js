(function () {
  function key(row, i, num) {
    var c = row.cells[i];
    var v = c ? (c.getAttribute('data-v') || c.textContent) : '';
    if (!num) { return v.trim(); }
    var n = parseFloat(v);
    return isNaN(n) ? -Infinity : n;
  }
  var tables = document.querySelectorAll('table.sortable');
  Array.prototype.forEach.call(tables, function (t) {
    var heads = t.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, i) {
      var kind = th.getAttribute('data-sort');
      if (!kind) { return; }
      th.tabIndex = 0;
      th.classList.add('sorter');
      function go() {
        var asc = th.getAttribute('aria-sort') !== 'ascending';
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
        var body = t.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        var num = kind === 'num';
        rows.sort(function (x, y) {
          var a = key(x, i, num), b = key(y, i, num);
          var r = num ? (a < b ? -1 : a > b ? 1 : 0) : a.localeCompare(b, 'zh-CN');
          return asc ? r : -r;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      }
      th.addEventListener('click', go);
      th.addEventListener('keydown', function (e) {
        if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); go(); }
      });
    });
  });
  document.documentElement.classList.add('js');
})();
