// What would otherwise be inline handlers, which the Content-Security-Policy forbids (script-src 'self').
// Delegated from the document, so that it also works in fragments htmx swaps in.
//   <button type="button" data-print>   prints the page
//   <select data-autosubmit>            submits its form when the choice changes (the language switcher)
"use strict";
document.addEventListener("click", function (event) {
  if (event.target instanceof Element && event.target.closest("[data-print]")) {
    window.print();
  }
});
document.addEventListener("change", function (event) {
  var field = event.target;
  if (field instanceof Element && field.matches("[data-autosubmit]") && field.form) {
    field.form.requestSubmit();
  }
});
