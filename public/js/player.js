// The SCORM player, on the app origin. Each SCO plays in a sandboxed frame on the content origin:
// a launch page there holds scorm-again's API (where the SCO looks for it) and saves on the
// launch's token; it tells this page by postMessage what to show (saved, failed, finished). The
// content never sees this page's session or CSRF token. No inline script: the configuration is a JSON block.
(function () {
  'use strict';

  var config = JSON.parse(document.getElementById('player-config').textContent);
  var frame = document.getElementById('content-frame');
  var statusLine = document.getElementById('player-status');
  var notice = document.getElementById('player-notice');
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute('content');
  var current = null;

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

  // The open launch: its SCO, what the server answered (session, CMI, launch page URL), and the
  // exact origin its launch page is on. Messages from anything else are ignored.
  function isFromLaunch(event) {
    return Boolean(current && current.origin && event.origin === current.origin && event.source === frame.contentWindow);
  }

  // What the launch page says of each save (it saves on its own token, and retries a failure).
  function onCommitResult(ok) {
    if (ok) setStatus(config.review ? config.messages.review : config.messages.saved, false);
    else setStatus(config.messages.saveFailed, true);
  }

  window.addEventListener('message', function (event) {
    if (!isFromLaunch(event)) return;
    var message = event.data;
    if (!message || typeof message.type !== 'string') return;
    var launch = current;
    if (message.type === 'ready' && !launch.started && launch.data) {
      // Once per launch: a launch page that reloads does not get its CMI back (it would rewind it).
      launch.started = true;
      frame.contentWindow.postMessage(
        { type: 'launch', standard: config.standard, review: launch.data.review, cmi: launch.data.cmi, commitKey: launch.data.commitKey },
        launch.origin,
      );
    } else if (message.type === 'commitResult') {
      if (!launch.data.review) onCommitResult(message.ok === true);
    } else if (message.type === 'initialized') {
      if (launch.warned) notice.hidden = true;
    } else if (message.type === 'notInitialized') {
      launch.warned = true;
      showNotice(config.messages.notInitialized);
    } else if (message.type === 'finished') {
      launch.terminated = true;
      afterFinish(launch, typeof message.navRequest === 'string' ? message.navRequest : '_none_');
    } else if (message.type === 'ask') {
      // The course's 「質問する」: the question form for that course, in a tab of the app's own
      // (the click inside the course is this page's user activation too, so no popup blocker).
      var course = typeof message.course === 'string' && /^[a-z0-9-]{1,100}$/.test(message.course) ? message.course : '';
      window.open('/questions/new' + (course ? '?course=' + encodeURIComponent(course) : ''), '_blank', 'noopener');
    } else if (message.type === 'unloaded' && launch.onUnloaded) {
      var next = launch.onUnloaded;
      launch.onUnloaded = null;
      next();
    }
  });

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
  function afterFinish(launch, request) {
    // The terminate commit is on its way: ask shortly after it, and once more in case it was slow.
    setTimeout(refreshToc, 500);
    setTimeout(refreshToc, 2500);
    setTimeout(function () {
      // Finished because the learner chose another SCO in the table of contents: it is already loading.
      if (current !== launch) return;
      var sco = launch.sco;
      var i = indexOf(sco.id);
      var choice = /^\{target=([^}]+)\}(choice|jump)$/.exec(request);
      if (request === 'continue' && config.scos[i + 1]) return switchTo(config.scos[i + 1]);
      if (request === 'previous' && config.scos[i - 1]) return switchTo(config.scos[i - 1]);
      if (choice) {
        var target = config.scos.filter(function (s) {
          return s.identifier === choice[1];
        })[0];
        if (target) return switchTo(target);
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
                  switchTo(next);
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

  // Leaving the open SCO first: its launch page unloads it (its unload handler runs against a live
  // API) and finishes the session, then says so; a launch page that does not answer is not waited for.
  function leaveCurrent(then) {
    var launch = current;
    if (!launch || !launch.started || launch.terminated || !frame.contentWindow) return then();
    var went = false;
    var go = function () {
      if (went) return;
      went = true;
      then();
    };
    launch.onUnloaded = go;
    frame.contentWindow.postMessage({ type: 'unload' }, launch.origin);
    setTimeout(go, 3000);
  }

  function switchTo(sco) {
    leaveCurrent(function () {
      openLaunch(sco);
    });
  }

  function openLaunch(sco) {
    notice.hidden = true;
    notice.textContent = '';
    var launch = { sco: sco, data: null, origin: null, started: false };
    current = launch;
    markCurrent(sco.id);
    frame.src = 'about:blank';
    var xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/attempts/' + config.attemptId + '/scos/' + sco.id + '/launch');
    xhr.setRequestHeader('x-csrf-token', csrf);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.onload = function () {
      if (current !== launch) return;
      if (xhr.status !== 200) {
        // A refusal in words (a closed year, too many launches) is shown as the server put it.
        var refusal = null;
        try {
          refusal = JSON.parse(xhr.responseText).error;
        } catch {
          refusal = null;
        }
        setStatus(refusal && typeof refusal.message === 'string' ? refusal.message : config.messages.saveFailed, true);
        return;
      }
      launch.data = JSON.parse(xhr.responseText);
      launch.origin = new URL(launch.data.launchUrl).origin;
      if (launch.data.review) setStatus(config.messages.review, false);
      frame.src = launch.data.launchUrl;
    };
    xhr.onerror = function () {
      setStatus(config.messages.saveFailed, true);
    };
    xhr.send();
  }

  document.querySelectorAll('.toc-item').forEach(function (b) {
    b.addEventListener('click', function () {
      var i = indexOf(Number(b.getAttribute('data-sco-id')));
      if (i >= 0 && (!current || config.scos[i] !== current.sco)) switchTo(config.scos[i]);
    });
  });

  var start = config.scos[Math.max(0, indexOf(config.startScoId))];
  if (start) openLaunch(start);
})();
