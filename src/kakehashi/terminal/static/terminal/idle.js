// The signed-in terminal page: after the given seconds without input, sign out (the server also ends the
// sign-in after the same time without a request).
(function () {
  "use strict";
  var form = document.getElementById("signout-form");
  if (!form) { return; }
  var seconds = parseInt(form.getAttribute("data-idle-seconds") || "60", 10);
  var timer = null;
  function restart() {
    if (timer !== null) { window.clearTimeout(timer); }
    timer = window.setTimeout(function () { form.submit(); }, seconds * 1000);
  }
  ["keydown", "pointerdown", "touchstart", "input", "scroll", "wheel"].forEach(function (name) {
    window.addEventListener(name, restart, { passive: true });
  });
  restart();
})();
