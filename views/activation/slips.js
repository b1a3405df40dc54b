// The print page's one button (no inline scripts: the CSP allows only same-origin files).
/* global document, window */
(function () {
  'use strict';
  document.querySelectorAll('[data-print]').forEach(function (button) {
    button.addEventListener('click', function () {
      window.print();
    });
  });
})();
