/*
 * Mamoru course runtime — the SCORM side. One adapter over SCORM 1.2 (`API`) and 2004
 * (`API_1484_11`), so course.js speaks in course terms (location, score, interaction) only.
 * Without an LMS (opened from disk, previewed) every call is a no-op and the course still plays.
 */
(function () {
  'use strict';

  /** The standard search: up through window.parent (at most 500 levels), then the opener's chain. */
  function findIn(win, name) {
    for (var i = 0; win && i < 500; i++) {
      try {
        if (win[name]) return win[name];
      } catch {
        return null; // another origin: nothing to find there
      }
      if (!win.parent || win.parent === win) break;
      win = win.parent;
    }
    return null;
  }

  function find(name) {
    var api = findIn(window, name);
    if (!api && window.opener) api = findIn(window.opener, name);
    return api;
  }

  function pad(n, width) {
    var s = String(n);
    while (s.length < (width || 2)) s = '0' + s;
    return s;
  }

  /** Seconds as SCORM 1.2 CMITimespan HHHH:MM:SS.SS (hours at least two digits, at most 9999). */
  function timespan12(seconds) {
    var cs = Math.round(Math.max(0, seconds) * 100);
    var h = Math.min(9999, Math.floor(cs / 360000));
    var m = Math.floor(cs / 6000) % 60;
    var s = Math.floor(cs / 100) % 60;
    return pad(h) + ':' + pad(m) + ':' + pad(s) + '.' + pad(cs % 100);
  }

  /** Seconds as an ISO 8601 duration PT#H#M#.##S (SCORM 2004 timeinterval). */
  function duration2004(seconds) {
    var cs = Math.round(Math.max(0, seconds) * 100);
    var h = Math.floor(cs / 360000);
    var m = Math.floor(cs / 6000) % 60;
    var s = (cs % 6000) / 100;
    return 'PT' + h + 'H' + m + 'M' + s.toFixed(2) + 'S';
  }

  function time12(date) {
    return pad(date.getHours()) + ':' + pad(date.getMinutes()) + ':' + pad(date.getSeconds());
  }

  /** UTC with two fraction digits before the Z: the form every 2004 LMS validator accepts. */
  function timestamp2004(date) {
    return date.toISOString().slice(0, 22) + 'Z';
  }

  function connect(preferred) {
    var api2004 = find('API_1484_11');
    var api12 = find('API');
    var version = null;
    var api = null;
    if (preferred === '1.2' ? api12 : api2004) {
      version = preferred === '1.2' ? '1.2' : '2004';
    } else if (api2004 || api12) {
      version = api2004 ? '2004' : '1.2';
    }
    if (version) api = version === '2004' ? api2004 : api12;
    var is2004 = version === '2004';
    var live = false;
    var ended = false;

    function call(m12, m2004, args) {
      if (!live || ended) return '';
      try {
        var result = api[is2004 ? m2004 : m12].apply(api, args || []);
        return result === undefined || result === null ? '' : String(result);
      } catch {
        return '';
      }
    }
    function get(k12, k2004) {
      return call('LMSGetValue', 'GetValue', [is2004 ? k2004 : k12]);
    }
    function set(k12, k2004, value) {
      var key = is2004 ? k2004 : k12;
      if (!key) return;
      call('LMSSetValue', 'SetValue', [key, String(value)]);
    }

    var adapter = {
      version: version,
      init: function () {
        if (!api) return false;
        try {
          live = String(is2004 ? api.Initialize('') : api.LMSInitialize('')) === 'true';
        } catch {
          live = false;
        }
        return live;
      },
      get connected() {
        return live && !ended;
      },
      language: function () {
        return get('cmi.student_preference.language', 'cmi.learner_preference.language');
      },
      location: function () {
        return get('cmi.core.lesson_location', 'cmi.location');
      },
      setLocation: function (value) {
        set('cmi.core.lesson_location', 'cmi.location', value);
      },
      suspendData: function () {
        return get('cmi.suspend_data', 'cmi.suspend_data');
      },
      setSuspendData: function (value) {
        set('cmi.suspend_data', 'cmi.suspend_data', value);
      },
      /** Marks a fresh attempt as begun: 1.2 'incomplete', 2004 completion 'incomplete'. */
      markStarted: function () {
        if (is2004) {
          var c = get('', 'cmi.completion_status');
          if (c === '' || c === 'not attempted' || c === 'unknown') set('', 'cmi.completion_status', 'incomplete');
        } else {
          var s = get('cmi.core.lesson_status', '');
          if (s === '' || s === 'not attempted') set('cmi.core.lesson_status', '', 'incomplete');
        }
      },
      setProgress: function (fraction) {
        if (is2004) set('', 'cmi.progress_measure', Math.max(0, Math.min(1, fraction)).toFixed(2));
      },
      /**
       * The test result: score and passed/failed, reported only once every page was read (the
       * course locks the test until then). 2004 completion only with a passed test: an LMS that
       * counts completion alone must not count a failed test as the training done.
       */
      setResult: function (percent, passed) {
        set('cmi.core.score.min', 'cmi.score.min', 0);
        set('cmi.core.score.max', 'cmi.score.max', 100);
        set('cmi.core.score.raw', 'cmi.score.raw', percent);
        if (is2004) {
          set('', 'cmi.score.scaled', (percent / 100).toFixed(4).replace(/\.?0+$/, '') || '0');
          set('', 'cmi.success_status', passed ? 'passed' : 'failed');
          set('', 'cmi.completion_status', passed ? 'completed' : 'incomplete');
        } else {
          set('cmi.core.lesson_status', '', passed ? 'passed' : 'failed');
        }
      },
      /** One answered question. `description` is 2004 only (1.2 has no such element). */
      addInteraction: function (it) {
        var n = parseInt(get('cmi.interactions._count', 'cmi.interactions._count'), 10);
        if (isNaN(n)) n = 0;
        if (n >= 250) return; // the data model's limit; later retakes still score
        var p = 'cmi.interactions.' + n + '.';
        set(p + 'id', p + 'id', it.id);
        set(p + 'type', p + 'type', 'choice');
        set(p + 'student_response', p + 'learner_response', it.response);
        set(p + 'correct_responses.0.pattern', p + 'correct_responses.0.pattern', it.correct);
        set(p + 'result', p + 'result', it.response === it.correct ? 'correct' : is2004 ? 'incorrect' : 'wrong');
        set(p + 'latency', p + 'latency', is2004 ? duration2004(it.latencySeconds) : timespan12(it.latencySeconds));
        set(p + 'time', p + 'timestamp', is2004 ? timestamp2004(it.at) : time12(it.at));
        if (is2004) set('', p + 'description', it.description.slice(0, 250));
      },
      commit: function () {
        call('LMSCommit', 'Commit', ['']);
      },
      /** Session time, exit mode, commit, terminate — once. */
      finish: function (sessionSeconds, suspend) {
        if (!live || ended) return;
        set('cmi.core.session_time', 'cmi.session_time', is2004 ? duration2004(sessionSeconds) : timespan12(sessionSeconds));
        set('cmi.core.exit', 'cmi.exit', suspend ? 'suspend' : is2004 ? 'normal' : '');
        call('LMSCommit', 'Commit', ['']);
        call('LMSFinish', 'Terminate', ['']);
        ended = true;
      },
    };
    return adapter;
  }

  window.MamoruScorm = { connect: connect, timespan12: timespan12, duration2004: duration2004 };
})();
