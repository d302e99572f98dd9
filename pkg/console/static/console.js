// vendorflow ops console: small conveniences only; every page works
// without this file. Loaded from the console itself (no inline script, no CDN).
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // "select all" on the dead-letter list: shown only when this script runs.
  document.querySelectorAll("input.select-all").forEach(function (all) {
    var table = all.closest("table");
    if (!table) { return; }
    var boxes = table.querySelectorAll("tbody input[type=checkbox][name=id]");
    all.hidden = false;
    all.addEventListener("change", function () {
      boxes.forEach(function (b) { b.checked = all.checked; });
    });
    boxes.forEach(function (b) {
      b.addEventListener("change", function () {
        var n = 0;
        boxes.forEach(function (x) { if (x.checked) { n++; } });
        all.checked = n === boxes.length;
        all.indeterminate = n > 0 && n < boxes.length;
      });
    });
  });
});
