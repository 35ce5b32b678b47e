// A background import's page: ask for its progress every second and move the bar; once the
// import has ended, load the page again, which then shows its result.
(function () {
  "use strict";
  var box = document.getElementById("import-progress");
  if (!box) return;
  var bar = box.querySelector(".progress-bar");
  var track = box.querySelector(".progress");
  var label = box.querySelector("[data-label]");
  function show(state) {
    bar.style.width = state.percent + "%";
    track.setAttribute("aria-valuenow", String(state.percent));
    label.textContent = state.label;
    if (state.state === "done" || state.state === "failed") {
      window.location.reload();
      return;
    }
    window.setTimeout(poll, 1000);
  }
  function poll() {
    fetch(box.getAttribute("data-url"), { credentials: "same-origin", cache: "no-store" })
      .then(function (answer) { return answer.ok ? answer.json() : Promise.reject(answer.status); })
      .then(show)
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
