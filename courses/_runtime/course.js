/*
 * Mamoru course runtime — the learner side. Renders window.MAMORU_COURSE (written by the build)
 * one page at a time, then the references and the 確認テスト (open once every page is read), and
 * reports through MamoruScorm.
 */
(function () {
  'use strict';
  var C = window.MAMORU_COURSE;
  var root = document.getElementById('course');
  if (!C || !root || !window.MamoruScorm) return;

  var UI = {
    ja: { pages: 'ページ一覧', tocShow: '開く', tocHide: '閉じる', prev: '前へ', next: '次へ', ask: '質問する', refs: '参考文献・出典', test: '確認テスト',
      lang: '言語', seen: '既読', noLms: 'LMS に接続されていません。学習の記録は保存されません。', of: ' / ',
      testIntro: function (n, p) { return '次の ' + n + ' 問に答えてください。合格は ' + p + '% 以上です。何度でも受け直せます。'; },
      submit: '採点する', unanswered: 'まだ答えていない問題があります: ', q: '問', score: '得点', passMark: '合格点', passed: '合格です。',
      failed: '不合格です。解説を読んでから、もう一度受けてください。', yours: 'あなたの答え', right: '正解', correct: '正解',
      wrong: '不正解', retake: 'もう一度受ける（新しい問題）',
      locked: '確認テストは、すべてのページを読むと受けられます。まだ開いていない次のページを先に読んでください。',
      lockedShort: 'すべてのページを読むと受けられます',
      read: function (n, total) { return '既読 ' + n + ' / ' + total + ' ページ'; },
      done: 'このコースを修了しました。画面を閉じてかまいません。', pageRests: 'このページの出典', published: '発行',
      loading: '読み込んでいます…', serverError: '採点サーバーに接続できませんでした。もう一度試してください。', retry: 'もう一度試す' },
    en: { pages: 'Pages', tocShow: 'Show', tocHide: 'Hide', prev: 'Previous', next: 'Next', ask: 'Ask a question', refs: 'References', test: 'Comprehension test',
      lang: 'Language', seen: 'read', noLms: 'Not connected to an LMS: your progress is not recorded.', of: ' / ',
      testIntro: function (n, p) { return 'Answer the following ' + n + ' questions. The pass mark is ' + p + '%. You may retake the test as often as you like.'; },
      submit: 'Submit answers', unanswered: 'Some questions are not answered yet: ', q: 'Q', score: 'Score', passMark: 'pass mark', passed: 'You passed.',
      failed: 'Not passed. Read the explanations, then take the test again.', yours: 'Your answer', right: 'Correct answer', correct: 'Correct',
      wrong: 'Incorrect', retake: 'Retake the test (new questions)',
      locked: 'The comprehension test opens once you have read every page. Read these pages first:',
      lockedShort: 'Opens once every page is read',
      read: function (n, total) { return n + ' of ' + total + ' pages read'; },
      done: 'You have completed this course. You may close this window.', pageRests: 'Sources of this page', published: 'Published',
      loading: 'Loading…', serverError: 'Could not reach the grading server. Please try again.', retry: 'Try again' },
  };

  var REFS = C.pages.length;       // index of the references page
  var TEST = C.pages.length + 1;   // index of the test (last)
  var started = Date.now();
  var scorm = window.MamoruScorm.connect(C.standard);
  var connected = scorm.init();
  var state = { page: 0, seen: [], lang: 'ja', test: null, best: null };

  // --- the grading server (hosted build: the bank has no answers; Mamoru draws and grades) ----
  // Course files are at /l/<token>/f/…, the launch's grading API at /l/<token>/grading/…. Requests
  // go one after another, so the test is asked for only after every page read has been reported.
  var hosted = C.hosted === true;
  var queue = Promise.resolve();
  // What Mamoru's launch page (a parent frame of this origin, beside the API) tells its course:
  // the launch's commit key (the token in the URL alone opens nothing) and the app's origin.
  function mamoruLaunch() {
    for (var w = window, i = 0; w && i < 10; w = w.parent, i++) {
      try {
        if (w.MamoruLaunch) return w.MamoruLaunch;
      } catch {
        return null;
      }
      if (w === w.parent) break;
    }
    return null;
  }
  function commitKey() {
    var launch = mamoruLaunch();
    return launch ? String(launch.commitKey || '') : '';
  }
  // 「質問する」: in Mamoru, the app's question form for this course, opened by the player in a new
  // tab (the course keeps playing); in another LMS, the packaged page that says whom to ask.
  function ask(event) {
    var launch = mamoruLaunch();
    if (!launch || typeof launch.ask !== 'function') return;
    event.preventDefault();
    launch.ask(C.slug);
  }
  function serverCall(method, path, body) {
    var call = queue.then(function () {
      return window.fetch('../grading/' + path, {
        method: method, credentials: 'omit', cache: 'no-store',
        headers: body ? { 'Content-Type': 'application/json', 'X-Mamoru-Commit-Key': commitKey() } : { 'X-Mamoru-Commit-Key': commitKey() },
        body: body ? JSON.stringify(body) : undefined,
      }).then(function (res) {
        return res.json().catch(function () { return {}; }).then(function (json) {
          if (!res.ok) { var err = new Error(json.error || 'http_' + res.status); err.reply = json; throw err; }
          return json;
        });
      });
    });
    queue = call.catch(function () {});
    return call;
  }
  function reportRead(i) {
    if (hosted && i < C.pages.length) serverCall('POST', 'pages/' + encodeURIComponent(C.pages[i].id) + '/read').catch(function () {});
  }
  var server = hosted ? {
    test: function () { return serverCall('GET', 'test'); },
    submit: function (answers) { return serverCall('POST', 'test', { answers: answers }); },
  } : null;

  // --- state <-> suspend_data (compact: 1.2 allows 4096 characters) -------------------------
  function encode() {
    var t = state.test;
    return JSON.stringify({ p: state.page, v: state.seen.map(function (s) { return s ? 1 : 0; }).join(''), l: state.lang, b: state.best,
      t: t ? { q: t.q, o: t.o, a: t.a, d: t.done, r: t.r } : null });
  }
  /** Reads saved state into `state`; true when it held the visited pages (`v`). */
  function decode(text) {
    try {
      var d = JSON.parse(text);
      if (typeof d.p === 'number' && d.p >= 0 && d.p <= TEST) state.page = d.p;
      if (typeof d.v === 'string') state.seen = d.v.split('').map(function (c) { return c === '1'; });
      // `l` (the language last used) is not read back: a resumed course opens in the app's current
      // language, which the LMS gives as the learner preference at every launch.
      if (typeof d.b === 'number') state.best = d.b;
      if (d.t && Array.isArray(d.t.q) && d.t.q.every(function (i) { return C.questions[i]; })) {
        state.test = { q: d.t.q, o: d.t.o, a: d.t.a || [], done: d.t.d === undefined ? null : d.t.d, shown: Date.now(), at: [],
          r: Array.isArray(d.t.r) ? d.t.r : undefined };
      }
      return typeof d.v === 'string';
    } catch {
      return false; // unreadable: start from the beginning
    }
  }
  function pageIndexOf(location) {
    if (location === '_references') return REFS;
    if (location === '_test') return TEST;
    for (var i = 0; i < C.pages.length; i++) if (C.pages[i].id === location) return i;
    return -1;
  }
  function locationOf(i) {
    return i === REFS ? '_references' : i === TEST ? '_test' : C.pages[i].id;
  }

  function pickLanguage() {
    var pref = (connected && scorm.language()) || '';
    if (/^en/i.test(pref)) return 'en';
    if (/^ja/i.test(pref)) return 'ja';
    var m = /[?&]lang=([a-z]{2})/i.exec(window.location.search);
    return m && m[1].toLowerCase() === 'en' ? 'en' : 'ja';
  }

  state.lang = pickLanguage();
  var hadVisited = false;
  if (connected) {
    var saved = scorm.suspendData();
    hadVisited = saved ? decode(saved) : false;
    var loc = pageIndexOf(scorm.location());
    if (loc >= 0) state.page = loc;
    scorm.markStarted();
  }
  // A bitmap from an older version of the course is padded (new pages unread) or cut.
  while (state.seen.length < C.pages.length) state.seen.push(false);
  state.seen.length = C.pages.length;
  // The runtime has always saved `v` with its state, so a resumed attempt without it lost its
  // suspend_data but kept the bookmark. Next is how learners move, so the pages up to the
  // bookmark (all of them, if it is the references or the test) count as read: a learner
  // mid-course does not have to read them again to open the test.
  if (!hadVisited) for (var i = 0; i <= Math.min(state.page, C.pages.length - 1); i++) state.seen[i] = true;

  function allSeen() { return state.seen.every(Boolean); }
  function testTaken() { return state.best !== null; }
  function finished() { return allSeen() && state.best !== null && state.best >= C.test.passPercent; }

  function save() {
    if (!connected) return;
    scorm.setLocation(locationOf(state.page));
    scorm.setSuspendData(encode());
    var seenCount = state.seen.filter(Boolean).length + (testTaken() ? 1 : 0);
    scorm.setProgress(seenCount / (C.pages.length + 1));
    // Only once every page is read: SCORM 1.2 has one status and the LMS passes a 1.2 learner on
    // the score alone (mastery score). The test is locked until then; a result from before the
    // lock (an attempt begun with an older runtime) is reported when the last page is read.
    if (testTaken() && allSeen()) scorm.setResult(state.best, state.best >= C.test.passPercent);
    scorm.commit();
  }

  // --- rendering ------------------------------------------------------------------------------
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    for (var k in attrs || {}) {
      if (k === 'text') node.textContent = attrs[k];
      else if (k === 'html') node.innerHTML = attrs[k];
      else if (k.slice(0, 2) === 'on') node.addEventListener(k.slice(2), attrs[k]);
      else if (attrs[k] !== null && attrs[k] !== undefined && attrs[k] !== false) node.setAttribute(k, attrs[k] === true ? '' : attrs[k]);
    }
    (children || []).forEach(function (c) { if (c) node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
    return node;
  }
  /** Text for screen readers only. */
  function hidden(text) { return el('span', { class: 'visually-hidden' }, [text]); }
  function t() { return UI[state.lang]; }
  function L(text) { return text[state.lang]; }
  function titleOf(i) { return i === REFS ? t().refs : i === TEST ? t().test : L(C.pages[i].title); }

  // Beside the page on a wide screen, open; above it on a tablet or phone, folded behind its toggle
  // (open, it would push the page down a screen), and folded again once a page is chosen from it.
  var wide = window.matchMedia ? window.matchMedia('(min-width: 56em)') : { matches: true };
  var tocOpen = wide.matches;
  // Framed by an LMS (Mamoru's player), whose page already shows the course's name above ours.
  var framed = (function () {
    try {
      return window.top !== window.self;
    } catch {
      return true;
    }
  })();

  function go(i) {
    if (!wide.matches) tocOpen = false;
    state.page = Math.max(0, Math.min(TEST, i));
    if (state.page < C.pages.length) state.seen[state.page] = true;
    reportRead(state.page);
    save();
    render(true);
  }

  function header() {
    var langs = el('div', { class: 'c-lang', role: 'group', 'aria-label': t().lang }, ['ja', 'en'].map(function (code) {
      return el('button', { type: 'button', lang: code, 'aria-pressed': String(state.lang === code),
        onclick: function () {
          state.lang = code;
          save();
          render(false);
          // The header was rebuilt: keep a keyboard user on the switch they pressed.
          var pressed = root.querySelector('.c-lang button[lang="' + code + '"]');
          if (pressed) pressed.focus();
        } }, [code === 'ja' ? '日本語' : 'English']);
    }));
    var askLink = el('a', { class: 'c-ask', href: 'ask.html', target: '_blank', rel: 'noopener' }, [t().ask]);
    askLink.addEventListener('click', ask);
    return el('header', { class: 'c-head' }, [framed ? null : el('p', { class: 'c-title' }, [L(C.title)]), el('div', { class: 'c-tools' }, [langs, askLink])]);
  }

  function toc() {
    var items = [];
    for (var i = 0; i <= TEST; i++) {
      (function (i) {
        var seen = i < C.pages.length && state.seen[i];
        var current = i === state.page;
        var locked = i === TEST && !allSeen();
        items.push(el('li', { class: seen ? 'seen' : locked ? 'locked' : null }, [
          el('button', { type: 'button', 'aria-current': current ? 'page' : null, onclick: function () { go(i); } }, [
            titleOf(i), seen ? hidden(' (' + t().seen + ')') : null,
            // On a line of its own; the hidden brackets keep it apart from the title when read out.
            locked ? el('span', { class: 'c-toc-note' }, [hidden(' ('), t().lockedShort, hidden(')')]) : null]),
        ]));
      })(i);
    }
    // The summary is the toggle: its name says what it holds; the word beside it (open / close)
    // is for the eye, as a screen reader announces the state itself.
    var action = el('span', { class: 'c-toc-action', 'aria-hidden': 'true' }, [tocOpen ? t().tocHide : t().tocShow]);
    var details = el('details', { class: 'c-toc', open: tocOpen }, [
      el('summary', {}, [el('span', {}, [t().pages + ' (' + (state.page + 1) + t().of + (TEST + 1) + ')']), action]),
      el('nav', { 'aria-label': t().pages }, [
        el('p', { class: 'c-read' }, [t().read(state.seen.filter(Boolean).length, C.pages.length)]),
        el('ol', {}, items)]),
    ]);
    details.addEventListener('toggle', function () {
      tocOpen = details.open;
      action.textContent = tocOpen ? t().tocHide : t().tocShow;
    });
    return details;
  }

  function footer() {
    return el('nav', { class: 'c-foot', 'aria-label': t().pages }, [
      el('button', { type: 'button', class: 'c-prev', disabled: state.page === 0, onclick: function () { go(state.page - 1); } }, ['← ' + t().prev]),
      el('span', { class: 'c-count' }, [(state.page + 1) + t().of + (TEST + 1)]),
      el('button', { type: 'button', class: 'c-next', disabled: state.page === TEST, onclick: function () { go(state.page + 1); } }, [t().next + ' →']),
    ]);
  }

  function references() {
    // Built whole by the build (courses/_build/pages.ts): title, issuer, dates, 確認日 / Checked,
    // unconfirmed, pages — the same citations the pages show, and no raw ids.
    if (C.referencesHtml) return [el('div', { class: 'c-refs-page', html: L(C.referencesHtml) })];
    var list = el('ol', { class: 'c-refs' }, C.references.map(function (r) {
      var pub = typeof r.publisher === 'string' ? r.publisher : L(r.publisher);
      var pages = C.pages.filter(function (p) { return p.sources.indexOf(r.id) >= 0; }).map(function (p) { return L(p.title); });
      return el('li', { id: 'ref-' + r.id }, [
        el('p', {}, [el('strong', {}, [L(r.title)]), ' — ' + pub + ', ' + t().published + ' ' + r.date]),
        r.note ? el('p', {}, [L(r.note)]) : null,
        pages.length ? el('p', { class: 'c-used' }, [(state.lang === 'ja' ? '使用したページ: ' : 'Used on: ') + pages.join(state.lang === 'ja' ? '、' : '; ')]) : null,
      ]);
    }));
    return [list];
  }

  function content() {
    var main = el('main', { class: 'c-main', id: 'c-main', tabindex: '-1' }, [el('h1', { tabindex: '-1' }, [titleOf(state.page)])]);
    if (!connected) main.appendChild(el('p', { class: 'c-notice', role: 'status' }, [t().noLms]));
    if (state.page < C.pages.length) main.appendChild(withoutTitle(el('div', { class: 'c-page', html: L(C.pages[state.page].html) })));
    else if (state.page === REFS) references().forEach(function (n) { main.appendChild(n); });
    else if (!allSeen()) unreadPages().forEach(function (n) { main.appendChild(n); });
    else window.MamoruTest.render(main, api);
    return main;
  }

  /** A page whose text opens with its own title as a heading would show it twice, under the h1. */
  function withoutTitle(page) {
    var first = page.firstElementChild;
    var squash = function (text) { return String(text || '').replace(/\s+/g, ' ').trim(); };
    if (first && /^H[1-3]$/.test(first.tagName) && squash(first.textContent) === squash(titleOf(state.page))) page.removeChild(first);
    return page;
  }

  /** The locked test: which pages are left, each a link there (an anchor, so Enter follows it). */
  function unreadPages() {
    var links = [];
    C.pages.forEach(function (p, i) {
      if (state.seen[i]) return;
      links.push(el('li', {}, [el('a', { href: '#' + p.id, onclick: function (e) { e.preventDefault(); go(i); } }, [L(p.title)])]));
    });
    return [el('p', { class: 'c-locked' }, [t().locked]), el('ul', { class: 'c-unread' }, links)];
  }

  // A page's citation links to its entry on the references page (<a href="#ref-<id>" data-ref="<id>">,
  // written by the build): go there and put the entry in view and in focus.
  root.addEventListener('click', function (e) {
    var a = e.target && e.target.closest ? e.target.closest('a[data-ref]') : null;
    if (!a || !root.contains(a)) return;
    e.preventDefault();
    go(REFS);
    var entry = document.getElementById('ref-' + a.getAttribute('data-ref'));
    if (entry) {
      entry.setAttribute('tabindex', '-1');
      entry.focus();
      entry.scrollIntoView({ block: 'start' });
    }
  });

  function render(moveFocus) {
    document.documentElement.lang = state.lang;
    document.title = titleOf(state.page) + ' — ' + L(C.title);
    root.textContent = '';
    root.appendChild(header());
    root.appendChild(el('div', { class: 'c-body' }, [toc(), content()]));
    root.appendChild(footer());
    if (moveFocus) {
      var h = root.querySelector('h1');
      if (h) h.focus();
      window.scrollTo(0, 0);
    }
  }

  // What the test module (course-test.js) needs from here.
  var api = { C: C, state: state, scorm: scorm, ui: t, L: L, el: el, save: save, rerender: function () { render(true); }, server: server,
    // The server says these pages were never reported read: they are shown as unread again.
    unread: function (ids) {
      C.pages.forEach(function (p, i) { if (ids.indexOf(p.id) >= 0) state.seen[i] = false; });
      save();
      render(true);
    } };

  function leave() {
    if (!connected) return;
    save();
    scorm.finish((Date.now() - started) / 1000, !finished());
  }
  window.addEventListener('pagehide', leave);
  window.addEventListener('beforeunload', leave);

  if (state.page < C.pages.length) state.seen[state.page] = true;
  reportRead(state.page);
  save();
  render(false);
})();
