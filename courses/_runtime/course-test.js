/*
 * Mamoru course runtime — the 確認テスト. Draws test.draw questions from the bank, shuffles
 * their choices, scores against test.passPercent and reports each answer as an interaction.
 * In the hosted build (x.server set) the bank carries no answers: the server draws the test,
 * grades the answers and says, per question, whether it was right, the right answer and the
 * explanation; the score reported to SCORM is the server's.
 */
(function () {
  'use strict';

  function shuffle(list) {
    var a = list.slice();
    for (var i = a.length - 1; i > 0; i--) {
      var j = Math.floor(Math.random() * (i + 1));
      var x = a[i]; a[i] = a[j]; a[j] = x;
    }
    return a;
  }

  function draw(C) {
    var picked = shuffle(C.questions.map(function (_, i) { return i; })).slice(0, Math.min(C.test.draw, C.questions.length));
    return {
      q: picked,
      o: picked.map(function (i) { return shuffle(C.questions[i].choices.map(function (c) { return c.id; })); }),
      a: picked.map(function () { return null; }),
      done: null, shown: Date.now(), at: [],
    };
  }

  function choiceText(question, id, L) {
    for (var i = 0; i < question.choices.length; i++) if (question.choices[i].id === id) return L(question.choices[i].text);
    return '';
  }

  /** The server's draw as the runtime's test state (indices into the bank, the server's choice order). */
  function fromServer(C, drawn, previous) {
    var index = {};
    C.questions.forEach(function (q, i) { index[q.id] = i; });
    if (!drawn.questions.every(function (q) { return index[q.id] !== undefined; })) return null;
    var q = drawn.questions.map(function (dq) { return index[dq.id]; });
    // The same draw as before (a learner who came back): keep the answers already chosen.
    var same = previous && previous.done === null && previous.q.join() === q.join();
    return {
      q: q, o: drawn.questions.map(function (dq) { return dq.choices.map(function (c) { return c.id; }); }),
      a: same ? previous.a : q.map(function () { return null; }), done: null, shown: Date.now(), at: [], live: true,
    };
  }

  function loadFromServer(main, x) {
    var t = x.ui(), el = x.el;
    var status = el('p', { class: 'c-notice', role: 'status' }, [t.loading]);
    main.appendChild(status);
    x.server.test().then(function (drawn) {
      var test = fromServer(x.C, drawn, x.state.test);
      if (!test) throw new Error('unknown_question');
      x.state.test = test;
      x.save();
      x.rerender();
    }, function (err) {
      if (err.reply && err.reply.error === 'pages_unread' && Array.isArray(err.reply.unread)) return x.unread(err.reply.unread);
      throw err;
    }).catch(function () { showServerError(status, x, function () { x.rerender(); }); });
  }

  function showServerError(node, x, retry) {
    var t = x.ui();
    node.textContent = t.serverError + ' ';
    node.className = 'c-error';
    node.setAttribute('role', 'alert');
    node.hidden = false;
    node.appendChild(x.el('button', { type: 'button', onclick: retry }, [t.retry]));
  }

  function submitToServer(x, form, errorBox) {
    var st = x.state, test = st.test, C = x.C;
    var button = form.querySelector('button[type="submit"]');
    if (button) button.disabled = true;
    var answers = test.q.map(function (qi, n) { return { questionId: C.questions[qi].id, choice: test.a[n] }; });
    x.server.submit(answers).then(function (graded) {
      var now = Date.now();
      test.r = graded.results.map(function (r) { return { c: r.correct ? 1 : 0, a: r.answer }; });
      test.x = graded.results.map(function (r) { return r.explanation; });
      test.q.forEach(function (qi, n) {
        var question = C.questions[qi];
        x.scorm.addInteraction({
          id: question.id, response: test.a[n], correct: graded.results[n].answer,
          latencySeconds: Math.max(0, ((test.at[n] || now) - test.shown) / 1000), at: new Date(test.at[n] || now),
          description: x.L(question.prompt),
        });
      });
      test.done = graded.score;
      st.best = st.best === null ? test.done : Math.max(st.best, test.done);
      x.save();
      x.rerender();
    }).catch(function () {
      if (button) button.disabled = false;
      showServerError(errorBox, x, function () { submitToServer(x, form, errorBox); });
    });
  }

  function submit(x, form, errorBox) {
    var st = x.state, test = st.test, C = x.C, t = x.ui();
    var missing = [];
    test.q.forEach(function (_, n) { if (!test.a[n]) missing.push(n + 1); });
    if (missing.length) {
      errorBox.textContent = t.unanswered + missing.map(function (n) { return t.q + n; }).join(', ');
      errorBox.hidden = false;
      var first = form.querySelector('input[name="q' + (missing[0] - 1) + '"]');
      if (first) first.focus();
      return;
    }
    if (x.server) return submitToServer(x, form, errorBox);
    var now = Date.now(), right = 0;
    test.q.forEach(function (qi, n) {
      var question = C.questions[qi];
      if (test.a[n] === question.answer) right++;
      x.scorm.addInteraction({
        id: question.id, response: test.a[n], correct: question.answer,
        latencySeconds: Math.max(0, ((test.at[n] || now) - test.shown) / 1000), at: new Date(test.at[n] || now),
        description: x.L(question.prompt),
      });
    });
    test.done = Math.round((right * 100) / test.q.length);
    st.best = st.best === null ? test.done : Math.max(st.best, test.done);
    x.save();
    x.rerender();
  }

  function renderForm(main, x) {
    var C = x.C, test = x.state.test, t = x.ui(), L = x.L, el = x.el;
    main.appendChild(el('p', {}, [t.testIntro(test.q.length, C.test.passPercent)]));
    var errorBox = el('p', { class: 'c-error', role: 'alert', hidden: true });
    var form = el('form', { class: 'c-test', novalidate: true });
    test.q.forEach(function (qi, n) {
      var question = C.questions[qi];
      var options = test.o[n].map(function (cid) {
        var id = 'q' + n + '-' + cid;
        return el('div', { class: 'c-choice' }, [
          el('input', { type: 'radio', id: id, name: 'q' + n, value: cid, checked: test.a[n] === cid,
            onchange: function () { test.a[n] = cid; test.at[n] = Date.now(); errorBox.hidden = true; x.save(); } }),
          el('label', { for: id }, [choiceText(question, cid, L)]),
        ]);
      });
      form.appendChild(el('fieldset', { class: 'c-question' }, [el('legend', {}, [t.q + (n + 1) + '. ' + L(question.prompt)])].concat(options)));
    });
    form.appendChild(errorBox);
    form.appendChild(el('button', { type: 'submit', class: 'c-primary' }, [t.submit]));
    form.addEventListener('submit', function (e) { e.preventDefault(); submit(x, form, errorBox); });
    main.appendChild(form);
  }

  function renderResult(main, x) {
    var C = x.C, st = x.state, test = st.test, t = x.ui(), L = x.L, el = x.el;
    var passed = test.done >= C.test.passPercent;
    main.appendChild(el('div', { class: 'c-result ' + (passed ? 'is-pass' : 'is-fail'), role: 'status' }, [
      el('p', { class: 'c-score' }, [t.score + ': ' + test.done + '% (' + t.passMark + ' ' + C.test.passPercent + '%)']),
      el('p', {}, [passed ? t.passed : t.failed]),
      // Shown only once every page is read (course.js locks the test until then): passing finishes.
      passed ? el('p', {}, [t.done]) : null,
    ]));
    // Graded by the server: its verdict per question (kept in suspend_data) and, until the page is left, its explanations.
    var graded = !x.server ? null : test.r || [];
    var list = el('ol', { class: 'c-feedback' }, test.q.map(function (qi, n) {
      var question = C.questions[qi];
      if (graded && !graded[n]) return null;
      var right = graded ? graded[n].a : question.answer;
      var ok = graded ? graded[n].c === 1 : test.a[n] === question.answer;
      var explanation = graded ? test.x && test.x[n] : question.explanation;
      return el('li', { class: ok ? 'is-right' : 'is-wrong' }, [
        el('h2', {}, [t.q + (n + 1) + '. ' + L(question.prompt)]),
        el('p', { class: 'c-mark' }, [ok ? '✓ ' + t.correct : '✗ ' + t.wrong]),
        el('p', {}, [t.yours + ': ' + choiceText(question, test.a[n], L)]),
        ok ? null : el('p', {}, [t.right + ': ' + choiceText(question, right, L)]),
        explanation ? el('p', { class: 'c-explain' }, [L(explanation)]) : null,
      ]);
    }).filter(Boolean));
    main.appendChild(list);
    main.appendChild(el('button', { type: 'button', class: 'c-primary', onclick: function () {
      // Hosted: the server draws the next test when it is opened.
      st.test = x.server ? null : draw(C);
      x.save();
      x.rerender();
    } }, [t.retake]));
  }

  window.MamoruTest = {
    render: function (main, x) {
      // Hosted: an unanswered test is always the server's open draw, asked for once per page load.
      if (x.server && (!x.state.test || (x.state.test.done === null && !x.state.test.live))) return loadFromServer(main, x);
      if (!x.state.test) {
        x.state.test = draw(x.C);
        x.save();
      }
      if (x.state.test.done === null) renderForm(main, x);
      else renderResult(main, x);
    },
  };
})();
