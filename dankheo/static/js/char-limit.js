/* A text field with a maxlength says so before the browser cuts anything silently: near
   the limit a counter appears under it ("270/300 ký tự"), at the limit it says that more
   is not taken, and a paste that was cut says by how much. Without this script the
   browser still stops at the limit and the server still refuses a longer text.

   Two elements, as in GOV.UK's character count: the counter that is seen, updated at
   every keystroke and named in the field's aria-describedby (so it is read with the
   field), and a visually hidden polite live region that a screen reader hears. The live
   one waits for a pause in typing, or every keystroke past 80 % would be read out; it
   speaks at once when the limit is reached or a paste was cut. The counter goes under
   the field's row when the field sits in a flex row or an input group (a field and its
   button), not between the field and the button. */
(function () {
  var script = document.currentScript;
  var text = {
    count: script.getAttribute('data-count'),
    full: script.getAttribute('data-full'),
    cut: script.getAttribute('data-cut')
  };
  var SHOW_FROM = 0.8;  // of the limit: below it the counter stays out of the way
  var QUIET_MS = 1000;  // typing pause before the live region speaks
  var SKIP = { hidden: 1, password: 1, search: 1, number: 1, date: 1, email: 1 };

  function say(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_m, key) { return values[key]; });
  }

  /* The element to put the counter after: the field, or the flex row or input group that
     holds it (a counter inside a row would squeeze between the field and its button). */
  function rowOf(field) {
    var anchor = field;
    var parent = field.parentElement;
    for (var depth = 0; parent && parent !== document.body && depth < 3; depth++) {
      var style = window.getComputedStyle(parent);
      var flexRow = /flex/.test(style.display) && style.flexDirection.indexOf('row') === 0;
      if (!flexRow && !parent.classList.contains('input-group')) { break; }
      anchor = parent;
      parent = parent.parentElement;
    }
    return anchor;
  }

  function attach(field, index) {
    var max = parseInt(field.getAttribute('maxlength'), 10);
    if (!(max > 0) || SKIP[field.type] || field.readOnly || field.disabled) { return; }
    var id = (field.id || 'field-' + index) + '-count';
    var note = document.createElement('div');
    note.className = 'form-text char-count';
    note.id = id;
    note.setAttribute('aria-hidden', 'true');  // read through aria-describedby and `live`
    var live = document.createElement('div');
    live.className = 'visually-hidden';
    live.id = id + '-live';
    live.setAttribute('aria-live', 'polite');
    rowOf(field).insertAdjacentElement('afterend', note);
    note.insertAdjacentElement('afterend', live);
    var described = (field.getAttribute('aria-describedby') || '').split(/\s+/);
    if (described.indexOf(id) < 0) {
      field.setAttribute('aria-describedby', described.concat(id).join(' ').trim());
    }
    var cut = 0;
    var pasting = false;
    var pending = null;

    // A limit reached or a paste cut is said again even when the words are the same.
    function announce(message, again) {
      clearTimeout(pending);
      pending = null;
      if (again || live.textContent !== message) { live.textContent = message; }
    }

    function update(quiet) {
      var n = field.value.length;
      var message = '';
      var urgent = cut > 0 || n >= max;
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
      if (quiet === true) { return; }
      if (urgent) {
        announce(message, true);
      } else {
        clearTimeout(pending);
        pending = setTimeout(function () { announce(message, false); }, QUIET_MS);
      }
    }

    // A single-line field takes no line break from a paste: the ones at its end are
    // dropped, the others become spaces (Chromium, Firefox) or are dropped too (older
    // engines; the first one that got in tells). So they are not counted as cut.
    function lengthAfterPaste(data, start, got) {
      data = data.replace(/\r\n?/g, '\n');
      if (field.tagName === 'TEXTAREA') { return data.length; }
      data = data.replace(/\n+$/, '');
      var at = data.indexOf('\n');
      if (at >= 0 && at < got && field.value.charAt(start + at) !== ' ') {
        data = data.replace(/\n/g, '');
      }
      return data.length;
    }

    field.addEventListener('paste', function (event) {
      var data = event.clipboardData && event.clipboardData.getData('text');
      if (!data) { return; }
      var start = Math.min(field.selectionStart || 0, field.selectionEnd || 0);
      var kept = field.value.length - Math.abs((field.selectionEnd || 0) - start);
      // Counted once the paste is in (its input event waits for this; none follows
      // when nothing at all got in).
      pasting = true;
      setTimeout(function () {
        pasting = false;
        var got = field.value.length - kept;
        cut = Math.max(0, kept + lengthAfterPaste(data, start, got) - max);
        update();
      }, 0);
    });
    field.addEventListener('input', function () { if (!pasting) { update(); } });
    if (field.value.length >= max * SHOW_FROM) { update(true); }
  }

  var fields = document.querySelectorAll('input[maxlength], textarea[maxlength]');
  for (var i = 0; i < fields.length; i++) { attach(fields[i], i); }
})();
