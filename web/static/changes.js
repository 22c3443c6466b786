// Change page: while a push or rollback runs, poll the progress endpoint and update each
// device's state and the progress bar; reload the page once the run has ended.
(function () {
  "use strict";
  var box = document.getElementById("change-progress");
  if (!box) { return; }
  function update(data) {
    document.getElementById("change-bar").max = data.total || 1;
    document.getElementById("change-bar").value = data.done;
    document.getElementById("change-done").textContent = String(data.done);
    document.getElementById("change-total").textContent = String(data.total);
    var state = document.getElementById("change-state");
    state.textContent = data.state_label;
    state.className = "cstate cstate-" + data.state;
    box.dataset.state = data.state;
    data.devices.forEach(function (d) {
      var cell = document.querySelector('.dstate[data-node="' + d.node + '"]');
      if (cell) { cell.textContent = d.state_label; cell.className = "dstate dstate-" + d.state; }
      var err = document.querySelector('[data-error="' + d.node + '"]');
      if (err) { err.textContent = d.error || ""; }
    });
  }
  function poll() {
    fetch(box.dataset.url, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (data) {
        update(data);
        if (data.running) {
          window.setTimeout(poll, 1000);
        } else if (box.dataset.running === "true") {
          window.location.reload();  // the actions and the history follow the new state
        }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  if (box.dataset.running === "true") { poll(); }
}());
