// The SCORM player: creates scorm-again's API for one SCO at a time, preloaded with what the
// server stored, before the content frame loads (the content finds window.API / API_1484_11
// by walking up from its frame). No inline script: the configuration is a JSON block.
(function () {
  'use strict';

  var config = JSON.parse(document.getElementById('player-config').textContent);
  var frame = document.getElementById('content-frame');
  var statusLine = document.getElementById('player-status');
  var notice = document.getElementById('player-notice');
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute('content');
  var is12 = config.standard === '1.2';
  var api = null;
  var current = null;
  var retryTimer = null;

  function setStatus(text, isError) {
    statusLine.textContent = text;
    statusLine.classList.toggle('error', Boolean(isError));
  }

  function showNotice(text, actions) {
    notice.hidden = false;
    notice.textContent = text;
    (actions || []).forEach(function (a) {
      var b = document.createElement('button');
      b.type = 'button';
      b.textContent = a.label;
      b.addEventListener('click', a.run);
      notice.appendChild(document.createTextNode(' '));
      notice.appendChild(b);
    });
  }

  function indexOf(scoId) {
    for (var i = 0; i < config.scos.length; i++) if (config.scos[i].id === scoId) return i;
    return -1;
  }

  function markCurrent(scoId) {
    document.querySelectorAll('.toc-item').forEach(function (b) {
      b.setAttribute('aria-current', String(Number(b.getAttribute('data-sco-id')) === scoId));
    });
  }

  // A failed save is shown and retried: the learner must not lose what they did.
  function onCommitResult(ok) {
    if (ok) {
      if (retryTimer) {
        clearTimeout(retryTimer);
        retryTimer = null;
      }
      setStatus(config.review ? config.messages.review : config.messages.saved, false);
      return;
    }
    setStatus(config.messages.saveFailed, true);
    if (!retryTimer && api) {
      retryTimer = setTimeout(function () {
        retryTimer = null;
        if (!api) return;
        try {
          if (is12) api.LMSCommit('');
          else api.Commit('');
        } catch {
          /* shown by the next result */
        }
      }, 5000);
    }
  }

  function xhrResponseHandler(xhr) {
    var body = {};
    try {
      body = JSON.parse(xhr.responseText);
    } catch {
      body = {};
    }
    var ok = xhr.status >= 200 && xhr.status < 300 && (body.result === true || body.result === 'true');
    onCommitResult(ok);
    return { result: ok ? 'true' : 'false', errorCode: ok ? 0 : body.errorCode || 391 };
  }

  function createApi(sco, launch) {
    var commitUrl =
      '/api/attempts/' +
      config.attemptId +
      '/scos/' +
      sco.id +
      '/commit?session=' +
      launch.sessionNo +
      '&_csrf=' +
      encodeURIComponent(csrf);
    // A commit that got no answer at all (the connection dropped) never reaches xhrResponseHandler:
    // scorm-again tells the content (391), and the commit listener below tells the learner and retries.
    var answered = false;
    var settings = {
      autocommit: true,
      autocommitSeconds: 10,
      lmsCommitUrl: launch.review ? false : commitUrl,
      xhrHeaders: { 'x-csrf-token': csrf, Accept: 'application/json' },
      includeCommitSequence: true,
      terminateCommitParam: 'terminate',
      xhrResponseHandler: function (xhr) {
        answered = true;
        return xhrResponseHandler(xhr);
      },
      logLevel: 4,
    };
    var instance = is12 ? new window.Scorm12API(settings) : new window.Scorm2004API(settings);
    instance.on(is12 ? 'LMSCommit' : 'Commit', function () {
      if (!answered && !launch.review && String(instance.lastErrorCode) !== '0') onCommitResult(false);
      answered = false;
    });
    instance.loadFromJSON(launch.cmi, '');
    if (is12) {
      window.API = instance;
      instance.on('LMSFinish', function () {
        afterFinish(sco);
      });
    } else {
      window.API_1484_11 = instance;
      instance.on('Terminate', function () {
        afterFinish(sco);
      });
    }
    return instance;
  }

  // The table of contents' statuses as the server now derives them (mastery score, thresholds and
  // the completion rule are the server's), and a word to the learner once the attempt is satisfied.
  function refreshToc() {
    var xhr = new XMLHttpRequest();
    xhr.open('GET', '/api/attempts/' + config.attemptId + '/scos');
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.onload = function () {
      var data = null;
      try {
        data = xhr.status === 200 ? JSON.parse(xhr.responseText) : null;
      } catch {
        data = null;
      }
      if (!data) return;
      data.scos.forEach(function (s) {
        var label = document.querySelector('.toc-item[data-sco-id="' + s.id + '"] .toc-status');
        if (!label) return;
        label.textContent = s.status;
        label.classList.toggle('done', s.done);
      });
      if (data.satisfied && !config.review) setStatus(config.messages.courseCompleted, false);
    };
    xhr.send();
  }

  // What happens after a SCO ends: SCORM 2004 content may ask for the next, previous or a chosen
  // activity, or to exit; otherwise the learner decides from the table of contents.
  function afterFinish(sco) {
    var request = !is12 && api && api.adl && api.adl.nav ? String(api.adl.nav.request || '_none_') : '_none_';
    // The terminate commit goes by beacon, which the page cannot wait for: ask shortly after it,
    // and once more in case the beacon was slow.
    setTimeout(refreshToc, 300);
    setTimeout(refreshToc, 2000);
    setTimeout(function () {
      // Finished because the learner chose another SCO in the table of contents: it is already loading.
      if (current !== sco) return;
      var i = indexOf(sco.id);
      var choice = /^\{target=([^}]+)\}(choice|jump)$/.exec(request);
      if (request === 'continue' && config.scos[i + 1]) return launch(config.scos[i + 1]);
      if (request === 'previous' && config.scos[i - 1]) return launch(config.scos[i - 1]);
      if (choice) {
        var target = config.scos.filter(function (s) {
          return s.identifier === choice[1];
        })[0];
        if (target) return launch(target);
      }
      if (request === 'exit' || request === 'exitAll' || request === 'suspendAll' || request === 'abandonAll') {
        // The content asked the LMS to take it away: only suspendAll means "continue later".
        frame.src = 'about:blank';
        showNotice(request === 'suspendAll' ? config.messages.exited : config.messages.finished, [
          {
            label: config.messages.back,
            run: function () {
              window.location.assign(config.courseHref);
            },
          },
        ]);
        var button = notice.querySelector('button');
        if (button) button.focus();
        return;
      }
      var next = config.scos[i + 1];
      showNotice(
        config.messages.finished,
        next
          ? [
              {
                label: config.messages.next + ': ' + next.title,
                run: function () {
                  launch(next);
                },
              },
            ]
          : [
              {
                label: config.messages.back,
                run: function () {
                  window.location.assign(config.courseHref);
                },
              },
            ],
      );
    }, 0);
  }

  function finishCurrent() {
    if (!api) return;
    try {
      if (api.isInitialized()) {
        if (is12) api.LMSFinish('');
        else api.Terminate('');
      }
    } catch {
      /* the SCO may already have finished */
    }
    api = null;
  }

  function launch(sco) {
    finishCurrent();
    notice.hidden = true;
    notice.textContent = '';
    current = sco;
    markCurrent(sco.id);
    frame.src = 'about:blank';
    var xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/attempts/' + config.attemptId + '/scos/' + sco.id + '/launch');
    xhr.setRequestHeader('x-csrf-token', csrf);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.onload = function () {
      if (xhr.status !== 200) {
        setStatus(config.messages.saveFailed, true);
        return;
      }
      var data = JSON.parse(xhr.responseText);
      api = createApi(sco, data);
      if (data.review) setStatus(config.messages.review, false);
      frame.src = sco.launchUrl;
    };
    xhr.onerror = function () {
      setStatus(config.messages.saveFailed, true);
    };
    xhr.send();
  }

  document.querySelectorAll('.toc-item').forEach(function (b) {
    b.addEventListener('click', function () {
      var i = indexOf(Number(b.getAttribute('data-sco-id')));
      if (i >= 0 && config.scos[i] !== current) launch(config.scos[i]);
    });
  });

  var start = config.scos[Math.max(0, indexOf(config.startScoId))];
  if (start) launch(start);
})();
