/* A text field with a maxlength says so before the browser cuts anything silently: near
   the limit a counter appears under it ("270/300 ký tự"), at the limit it says that more
   is not taken, and a paste that was cut says by how much. The counter is a polite live
   region, so a screen reader hears it without losing its place. Without this script the
   browser still stops at the limit and the server still refuses a longer text. */
(function () {
  var script = document.currentScript;
  var text = {
    count: script.getAttribute('data-count'),
    full: script.getAttribute('data-full'),
    cut: script.getAttribute('data-cut')
  };
  var SHOW_FROM = 0.8;  // of the limit: below it the counter stays out of the way
  var SKIP = { hidden: 1, password: 1, search: 1, number: 1, date: 1, email: 1 };

  function say(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_m, key) { return values[key]; });
  }

  function attach(field, index) {
    var max = parseInt(field.getAttribute('maxlength'), 10);
    if (!(max > 0) || SKIP[field.type] || field.readOnly || field.disabled) { return; }
    var note = document.createElement('div');
    note.className = 'form-text char-count';
    note.id = (field.id || 'field-' + index) + '-count';
    note.setAttribute('aria-live', 'polite');
    field.insertAdjacentElement('afterend', note);
    var cut = 0;

    function update() {
      var n = field.value.length;
      var message = '';
      if (cut > 0) {
        message = say(text.cut, { max: max, cut: cut });
      } else if (n >= max) {
        message = say(text.full, { max: max });
      } else if (n >= max * SHOW_FROM) {
        message = say(text.count, { n: n, max: max });
      }
      cut = 0;
      note.textContent = message;
      note.classList.toggle('char-count-full', n >= max);
    }

    field.addEventListener('paste', function (event) {
      var data = event.clipboardData && event.clipboardData.getData('text');
      if (!data) { return; }
      var selected = (field.selectionEnd || 0) - (field.selectionStart || 0);
      var wanted = field.value.length - selected + data.replace(/\r\n/g, '\n').length;
      cut = Math.max(0, wanted - max);
      // Nothing at all gets in when the field is full already: no input event follows.
      if (cut > 0) { setTimeout(function () { if (cut > 0) { update(); } }, 0); }
    });
    field.addEventListener('input', update);
    if (field.value.length >= max * SHOW_FROM) { update(); }
  }

  var fields = document.querySelectorAll('input[maxlength], textarea[maxlength]');
  for (var i = 0; i < fields.length; i++) { attach(fields[i], i); }
})();
