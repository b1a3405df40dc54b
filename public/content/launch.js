// The launch page, on the content origin: it holds the SCO's run-time API (scorm-again) where the
// SCO finds it (window.API / API_1484_11 in its parent frame), saves on the launch's token to this
// origin, and tells the player page (on the app origin) by postMessage what it must show. The
// content never sees the app's session or CSRF token; every message is checked against the
// exact origin and window expected.
(function () {
  'use strict';

  var config = JSON.parse(document.getElementById('launch-config').textContent);
  var frame = document.getElementById('sco-frame');
  var player = window.parent;
  var api = null;
  var is12 = false;
  var launched = false;
  var initialized = false;
  var finished = false;
  // A SCO that never calls Initialize saves nothing: the player tells the learner.
  var NOT_INITIALIZED_AFTER_MS = 15000;

  function post(message) {
    player.postMessage(message, config.appOrigin);
  }

  // Saves go to this origin's run-time API on the launch's token (the session and CSRF token stay
  // with the player page): synchronously, as the SCO expects, so it is told when one fails. The
  // player is told too, to show it; a failed save is retried here until one lands.
  var retryTimer = null;
  function onCommitResult(ok) {
    post({ type: 'commitResult', ok: ok });
    if (ok) {
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = null;
      return;
    }
    if (retryTimer || !api) return;
    retryTimer = setTimeout(function () {
      retryTimer = null;
      if (!api || finished) return;
      try {
        if (is12) api.LMSCommit('');
        else api.Commit('');
      } catch {
        /* shown by the next result */
      }
    }, 5000);
  }

  function readAnswer(xhr) {
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

  function finish() {
    if (!api || !initialized || finished) return;
    try {
      if (is12) api.LMSFinish('');
      else api.Terminate('');
    } catch {
      /* the SCO may already have finished */
    }
  }

  function start(launch) {
    is12 = launch.standard === '1.2';
    // A commit that got no answer at all (the connection dropped) never reaches readAnswer:
    // scorm-again tells the content (391); the commit listener below tells the player and retries.
    var answered = false;
    var settings = {
      autocommit: true,
      autocommitSeconds: 10,
      // Relative to this page (/l/<token>/): the terminate commit goes by beacon to the same place.
      lmsCommitUrl: launch.review ? false : 'commit',
      xhrHeaders: { Accept: 'application/json' },
      includeCommitSequence: true,
      terminateCommitParam: 'terminate',
      // The commit key (from the player, never in a URL) goes in every commit's body, the beacon's too.
      requestHandler: function (commitObject) {
        return Object.assign({}, commitObject, { commitKey: String(launch.commitKey || '') });
      },
      xhrResponseHandler: function (xhr) {
        answered = true;
        return readAnswer(xhr);
      },
      logLevel: 4,
    };
    api = is12 ? new window.Scorm12API(settings) : new window.Scorm2004API(settings);
    api.on(is12 ? 'LMSCommit' : 'Commit', function () {
      if (!answered && !launch.review && String(api.lastErrorCode) !== '0') onCommitResult(false);
      answered = false;
    });
    api.loadFromJSON(launch.cmi, '');
    api.on(is12 ? 'LMSInitialize' : 'Initialize', function () {
      initialized = true;
      post({ type: 'initialized' });
    });
    api.on(is12 ? 'LMSFinish' : 'Terminate', function () {
      finished = true;
      var nav = !is12 && api.adl && api.adl.nav ? String(api.adl.nav.request || '_none_') : '_none_';
      post({ type: 'finished', navRequest: nav });
    });
    if (is12) window.API = api;
    else window.API_1484_11 = api;
    // Our own courses send the key with each grading request (courses/_runtime/course.js); only
    // frames of this origin see it, as they see the API.
    // The app's origin too: our courses' 「質問する」 opens the app's question form there.
    // 「質問する」 in our courses asks the player to open the app's question form: a tab opened
    // from this sandboxed frame would be sandboxed too, and the app's pages refuse that.
    window.MamoruLaunch = {
      commitKey: String(launch.commitKey || ''),
      ask: function (course) {
        post({ type: 'ask', course: String(course || '') });
      },
    };
    frame.addEventListener('load', function onFirstLoad() {
      frame.removeEventListener('load', onFirstLoad);
      setTimeout(function () {
        if (!initialized) post({ type: 'notInitialized' });
      }, NOT_INITIALIZED_AFTER_MS);
    });
    frame.src = config.scoUrl;
  }

  // Leaving this SCO (the learner chose another one): the SCO's own unload handler runs first,
  // against a live API, so what it saves there (session time, exit=suspend) is kept; then the
  // session is finished if the SCO did not finish it, and the player is told it may go on.
  function unload() {
    var done = false;
    function then() {
      if (done) return;
      done = true;
      finish();
      post({ type: 'unloaded' });
    }
    frame.addEventListener('load', then);
    frame.src = 'about:blank';
    setTimeout(then, 2000);
  }

  window.addEventListener('message', function (event) {
    if (event.origin !== config.appOrigin || event.source !== player) return;
    var message = event.data;
    if (!message || typeof message.type !== 'string') return;
    if (message.type === 'launch' && !launched) {
      launched = true;
      start(message);
    } else if (message.type === 'unload') {
      unload();
    }
  });

  // The page goes (the player closed or navigated): a SCO that did not finish is finished now.
  window.addEventListener('pagehide', finish);

  // Said until the player answers: a 'ready' that reached it while it was still switching from
  // the previous launch is not lost.
  var tries = 0;
  (function sayReady() {
    if (launched || tries++ >= 20) return;
    post({ type: 'ready' });
    setTimeout(sayReady, 500);
  })();
})();
