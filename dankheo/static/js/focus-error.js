/* After a refused submit the page comes back with errors: move focus to the first field in
   error (its aria-describedby reads the message), or else to the error message itself, so a
   keyboard or screen-reader user does not start again from the top of the page. */
(function () {
  var target = document.querySelector('[aria-invalid="true"]') ||
    document.querySelector('.alert-danger[role="alert"]');
  if (!target) { return; }
  if (!target.matches('input, select, textarea, button, a[href]')) {
    target.setAttribute('tabindex', '-1');
  }
  target.focus();
})();
