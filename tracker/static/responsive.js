// Small screens. A list table (class "table-cards") becomes one card per row on a phone
// (app.css): each cell shows its column's name, copied here from the header row into a
// data-label. A chart wider than its box scrolls sideways (class "chart-scroll"): the box
// is made focusable while it overflows, so a keyboard can scroll it too.
(function () {
  "use strict";

  function label(table) {
    var head = table.tHead && table.tHead.rows[0];
    if (!head) return;
    var names = [];
    Array.prototype.forEach.call(head.cells, function (th) {
      var name = th.textContent.replace(/\s+/g, " ").trim();
      for (var i = 0; i < th.colSpan; i++) names.push(name);
    });
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (row) {
        var column = 0;
        Array.prototype.forEach.call(row.cells, function (cell) {
          if (!cell.hasAttribute("data-label")) cell.setAttribute("data-label", names[column] || "");
          // A card leaves out what a row does not have, rather than a name with nothing after it.
          if (!cell.textContent.trim() && !cell.querySelector("input, button, img, svg")) {
            cell.setAttribute("data-blank", "");
          }
          column += cell.colSpan;
        });
      });
    });
  }

  function reachable() {
    document.querySelectorAll(".chart-scroll").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1) box.setAttribute("tabindex", "0");
      else box.removeAttribute("tabindex");
    });
  }

  document.querySelectorAll("table.table-cards").forEach(label);
  reachable();
  window.addEventListener("resize", reachable);
})();
