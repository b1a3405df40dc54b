// Small progressive enhancements. Everything works without this file; no inline scripts (CSP).
(function () {
  'use strict';

  // The language picker submits itself when changed.
  document.querySelectorAll('select[data-autosubmit]').forEach(function (select) {
    select.addEventListener('change', function () {
      select.form.submit();
    });
  });

  document.querySelectorAll('[data-select-on-focus]').forEach(function (el) {
    el.addEventListener('focus', function () {
      el.select();
    });
  });

  // Buttons that start long work say so and cannot be pressed twice.
  document.querySelectorAll('form[data-busy-message]').forEach(function (form) {
    form.addEventListener('submit', function () {
      var button = form.querySelector('button[type="submit"]');
      var status = form.querySelector('[data-busy-status]');
      if (button) button.disabled = true;
      if (status) {
        status.hidden = false;
        status.textContent = form.getAttribute('data-busy-message');
      }
    });
  });

  // Uploads show their progress; the server's answer (the preview page, the refusal, or the page
  // its redirect led to) replaces this page. A redirect's page is shown as received, never asked
  // for again: it carries one-time messages (imported, with these warnings) that a second request
  // would no longer get.
  document.querySelectorAll('form[data-upload-progress]').forEach(function (form) {
    form.addEventListener('submit', function (event) {
      if (!window.XMLHttpRequest || !window.FormData) return;
      event.preventDefault();
      var area = form.querySelector('.progress-area');
      var bar = form.querySelector('progress');
      var label = form.querySelector('[data-progress-label]');
      var button = form.querySelector('button[type="submit"]');
      var xhr = new XMLHttpRequest();
      xhr.open('POST', form.action);
      xhr.setRequestHeader('x-csrf-token', form.querySelector('input[name="_csrf"]').value);
      xhr.upload.addEventListener('progress', function (e) {
        if (!e.lengthComputable) return;
        bar.value = Math.round((e.loaded / e.total) * 100);
        if (e.loaded === e.total) label.textContent = form.getAttribute('data-processing-message');
      });
      xhr.addEventListener('load', function () {
        var landed = xhr.responseURL && xhr.responseURL !== form.action ? xhr.responseURL : null;
        document.open();
        document.write(xhr.responseText);
        document.close();
        // The address bar names the page shown, so reloading it (or bookmarking it) gets that page.
        if (landed && window.history && window.history.replaceState) window.history.replaceState(null, '', landed);
      });
      xhr.addEventListener('error', function () {
        button.disabled = false;
        label.textContent = form.getAttribute('data-error-message');
      });
      if (area) area.hidden = false;
      if (button) button.disabled = true;
      label.textContent = form.getAttribute('data-uploading-message');
      xhr.send(new FormData(form));
    });
  });
})();
