/*
 * Mamoru course runtime — the 確認テスト. Draws test.draw questions from the bank, shuffles
 * their choices, scores against test.passPercent and reports each answer as an interaction.
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
    var list = el('ol', { class: 'c-feedback' }, test.q.map(function (qi, n) {
      var question = C.questions[qi];
      var ok = test.a[n] === question.answer;
      return el('li', { class: ok ? 'is-right' : 'is-wrong' }, [
        el('h2', {}, [t.q + (n + 1) + '. ' + L(question.prompt)]),
        el('p', { class: 'c-mark' }, [ok ? '✓ ' + t.correct : '✗ ' + t.wrong]),
        el('p', {}, [t.yours + ': ' + choiceText(question, test.a[n], L)]),
        ok ? null : el('p', {}, [t.right + ': ' + choiceText(question, question.answer, L)]),
        el('p', { class: 'c-explain' }, [L(question.explanation)]),
      ]);
    }));
    main.appendChild(list);
    main.appendChild(el('button', { type: 'button', class: 'c-primary', onclick: function () { st.test = draw(C); x.save(); x.rerender(); } }, [t.retake]));
  }

  window.MamoruTest = {
    render: function (main, x) {
      if (!x.state.test) {
        x.state.test = draw(x.C);
        x.save();
      }
      if (x.state.test.done === null) renderForm(main, x);
      else renderResult(main, x);
    },
  };
})();
