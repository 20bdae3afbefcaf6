/* global document, window, setTimeout */
// Served as /ui/assets/forms.js to every page (no build step). A form is sent once: a second
// submit while the page waits for the answer (a double click, Enter pressed twice) is dropped,
// and the form's buttons are disabled meanwhile. Without this script the server still answers a
// repeat with the first submit's outcome (the form's Idempotency-Key).

(function () {
  'use strict';

  function buttonsOf(form) {
    return form.querySelectorAll('button, input[type=submit]');
  }

  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (event.defaultPrevented || form.method !== 'post') return;
    if (form.hasAttribute('data-sent')) {
      event.preventDefault();
      return;
    }
    form.setAttribute('data-sent', '');
    form.setAttribute('aria-busy', 'true');
    // After this turn: a button disabled now would be left out of what the form sends, and the
    // one clicked may name the action (name/value)
    setTimeout(function () {
      var buttons = buttonsOf(form);
      for (var i = 0; i < buttons.length; i++) buttons[i].disabled = true;
    }, 0);
  });

  // Back to a page kept in the browser's history cache: its forms can be sent again (a repeat
  // of one already answered shows that answer).
  window.addEventListener('pageshow', function (event) {
    if (!event.persisted) return;
    var sent = document.querySelectorAll('form[data-sent]');
    for (var i = 0; i < sent.length; i++) {
      sent[i].removeAttribute('data-sent');
      sent[i].removeAttribute('aria-busy');
      var buttons = buttonsOf(sent[i]);
      for (var j = 0; j < buttons.length; j++) buttons[j].disabled = false;
    }
  });
})();
