// Optional help on the sales and cases pages; every page works without it.
// - Type-ahead: the implant systems offered are narrowed to the maker typed,
//   and the platforms to the system typed (datalists #systems, #platforms,
//   whose options carry data-maker and data-system).
// - Batch matching: while the server matches, the button says so and cannot
//   be pressed twice.
(function () {
  "use strict";
  function narrow(listId, inputId, attr) {
    var list = document.getElementById(listId);
    var input = document.getElementById(inputId);
    if (!list || !input) { return; }
    var all = Array.prototype.slice.call(list.options).map(function (o) { return o.cloneNode(true); });
    function update() {
      var want = input.value.trim().toLowerCase();
      while (list.firstChild) { list.removeChild(list.firstChild); }
      all.forEach(function (o) {
        var of = (o.getAttribute(attr) || "").toLowerCase();
        if (!want || !of || of === want) { list.appendChild(o.cloneNode(true)); }
      });
    }
    input.addEventListener("input", update);
    update();
  }
  narrow("systems", "manufacturer", "data-maker");
  narrow("platforms", "system", "data-system");

  var form = document.getElementById("match-form");
  if (form) {
    form.addEventListener("submit", function () {
      var button = document.getElementById("match");
      var status = document.getElementById("match-progress");
      if (button) { button.disabled = true; button.textContent = "Matching…"; }
      if (status) { status.textContent = "Matching every open case; the outcome appears here when done."; }
    });
  }
})();
