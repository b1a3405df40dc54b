/** The generated files of a package: the launch page, the "how to ask" page and course-data.js. */
import type { BuildStandard } from './package';
import type { LocalText, Reference } from './schema';
import { type CourseSource, SOURCES_PARAGRAPH } from './source';

type Lang = keyof LocalText;

const html = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * The launch file: an empty shell the runtime fills. `?lang=en` in the launch URL picks English.
 * #course is not a live region: the runtime re-renders all of it on every page, which a screen
 * reader would read out whole; it moves focus to the new page's heading instead.
 */
export function indexHtml(course: CourseSource): string {
  const { title } = course.meta;
  return `<!DOCTYPE html>
<html lang="ja">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${html(title.ja)} / ${html(title.en)}</title>
<!-- Played in Mamoru, the app's locally served Noto Sans JP covers machines without a Japanese font; elsewhere this link is simply not found. -->
<link rel="stylesheet" href="/static/fonts/noto-sans-jp/400.css">
<link rel="stylesheet" href="runtime/course.css">
</head>
<body>
<div id="course" class="course"></div>
<noscript><p>このコースの表示には JavaScript が必要です。 / This course needs JavaScript.</p></noscript>
<script src="course-data.js"></script>
<script src="runtime/scorm.js"></script>
<script src="runtime/course-test.js"></script>
<script src="runtime/course.js"></script>
</body>
</html>
`;
}

/** Until the app's question channel exists, the course says how to ask the security officer. */
export function askHtml(course: CourseSource): string {
  const { title, slug } = course.meta;
  return `<!DOCTYPE html>
<html lang="ja">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>質問する / Ask a question</title>
<!-- Played in Mamoru, the app's locally served Noto Sans JP covers machines without a Japanese font; elsewhere this link is simply not found. -->
<link rel="stylesheet" href="/static/fonts/noto-sans-jp/400.css">
<link rel="stylesheet" href="runtime/course.css">
</head>
<body>
<main class="course ask">
<section lang="ja">
<h1>質問する</h1>
<p>「${html(title.ja)}」の内容について分からないことがあれば、院内の情報セキュリティ担当者（医療情報システム安全管理責任者またはその指名する担当者）に質問してください。</p>
<ul>
<li>所属部署の上長を通じて、または院内の連絡先（内線・院内メール）で担当者に連絡できます。</li>
<li>質問するときは、コース名（${html(slug)}）とページ名を伝えてください。</li>
<li>不審なメールや画面など、いま起きている事態は質問ではなく、すぐに院内の緊急連絡先へ報告してください。</li>
</ul>
</section>
<section lang="en">
<h1>Ask a question</h1>
<p>If anything in “${html(title.en)}” is unclear, ask your hospital's information security officer (the person responsible for the safe management of medical information systems, or someone they name).</p>
<ul>
<li>Contact them through your department head or the hospital's internal contacts (extension, internal mail).</li>
<li>Please name the course (${html(slug)}) and the page you are asking about.</li>
<li>Something happening now, such as a suspicious e-mail or screen, is not a question: report it at once to the hospital's emergency contact.</li>
</ul>
</section>
<p class="ask-close">このページを閉じてコースに戻ってください。 / Close this page to return to the course.</p>
</main>
</body>
</html>
`;
}

/** The words the build writes around citations (the runtime's own words are in course.js). */
const CITE_TEXT = {
  ja: {
    sources: '出典',
    published: '発行',
    checked: '確認日',
    unconfirmed: '未確定の内容を含む',
    unconfirmedHeading: '未確定の内容を含む：',
    unconfirmedWhy: '一次資料（告示・通知などの原文）でまだ確認できていない内容を含みます。院内で扱うときは最新の通知で確認してください。',
    usedOn: '使用したページ: ',
    listSep: '、',
  },
  en: {
    sources: 'Sources',
    published: 'Published',
    checked: 'Checked',
    unconfirmed: 'contains unconfirmed details',
    unconfirmedHeading: 'Contains unconfirmed details: ',
    unconfirmedWhy:
      'Some of its details are not yet confirmed from the primary text (the notice or announcement itself); check the current notice before relying on them.',
    usedOn: 'Used on: ',
    listSep: '; ',
  },
} as const;

const publisherOf = (r: Reference, lang: Lang) => (typeof r.publisher === 'string' ? r.publisher : r.publisher[lang]);

/** One reference as a learner reads it: title, issuer, date. The id is only in the link to its entry on the references page. */
function citation(r: Reference, lang: Lang): string {
  const t = CITE_TEXT[lang];
  const title = `<a href="#ref-${html(r.id)}" data-ref="${html(r.id)}"><cite>${html(r.title[lang])}</cite></a>`;
  const where = lang === 'ja' ? `（${html(publisherOf(r, lang))}、${html(r.date)}）` : ` (${html(publisherOf(r, lang))}, ${html(r.date)})`;
  const flag = r.unconfirmed
    ? ` <span class="c-ref-unconfirmed">${lang === 'ja' ? `【${t.unconfirmed}】` : `[${t.unconfirmed}]`}</span>`
    : '';
  return title + where + flag;
}

/**
 * A page as a learner sees it: its `<p class="sources">出典: [a], [b]</p>` line becomes a labelled
 * list of readable citations, so no raw key reaches the page (loadCourse has already refused an
 * unknown key, and any other text in the line).
 */
export function renderPageHtml(source: string, lang: Lang, references: Reference[]): string {
  const byId = new Map(references.map((r) => [r.id, r]));
  return source.replace(SOURCES_PARAGRAPH, (_whole, inner: string) => {
    const cited = [...new Set([...inner.matchAll(/\[([^\]\s]+)\]/g)].map((m) => m[1]!))].map((id) => byId.get(id));
    const items = cited.filter((r): r is Reference => r !== undefined).map((r) => `<li data-ref="${html(r.id)}">${citation(r, lang)}</li>`);
    if (items.length === 0) return '';
    return `<p class="sources">${CITE_TEXT[lang].sources}</p>\n<ul class="sources">\n${items.join('\n')}\n</ul>`;
  });
}

/**
 * The references page, whole: every reference with its title, issuer, date, the date it was
 * checked, a warning when it is unconfirmed, its note and the pages that cite it. `ref-<id>` is
 * the anchor the pages' citations link to.
 */
export function referencesHtml(course: CourseSource, lang: Lang): string {
  const t = CITE_TEXT[lang];
  const items = course.meta.references.map((r) => {
    const pages = course.pages.filter((p) => p.sources.includes(r.id)).map((p) => html(p.title[lang]));
    const lines = [
      `<p><strong>${html(r.title[lang])}</strong> — ${html(publisherOf(r, lang))}${lang === 'ja' ? '、' : ', '}${t.published} ${html(r.date)}</p>`,
      `<p class="c-ref-checked">${t.checked} <time datetime="${r.checked}">${r.checked}</time></p>`,
      r.unconfirmed ? `<p class="c-ref-unconfirmed"><strong>${t.unconfirmedHeading}</strong>${t.unconfirmedWhy}</p>` : '',
      r.note ? `<p>${html(r.note[lang])}</p>` : '',
      pages.length ? `<p class="c-used">${t.usedOn}${pages.join(t.listSep)}</p>` : '',
    ].filter(Boolean);
    return `<li id="ref-${html(r.id)}" data-ref="${html(r.id)}">\n${lines.join('\n')}\n</li>`;
  });
  return `<ol class="c-refs">\n${items.join('\n')}\n</ol>`;
}

/** How a package is built: for another LMS (the browser grades) or for Mamoru (the server grades). */
export interface BuildOptions {
  /**
   * The server draws and grades the test (scorm/grading): the bank ships without its answers and
   * explanations, which the server returns only once a test is submitted.
   */
  hosted?: boolean;
}

/** Everything the runtime renders, as one global (a file, so no inline script is needed). */
export function courseDataJs(course: CourseSource, standard: BuildStandard, options: BuildOptions = {}): string {
  const { meta } = course;
  const data = {
    slug: meta.slug,
    /** Which API the runtime looks for first (an LMS may offer both). */
    standard,
    version: meta.version,
    title: meta.title,
    description: meta.description,
    audience: meta.audience,
    minutes: meta.minutes,
    test: meta.test,
    pages: course.pages.map((p) => ({
      id: p.id,
      title: p.title,
      html: { ja: renderPageHtml(p.html.ja, 'ja', meta.references), en: renderPageHtml(p.html.en, 'en', meta.references) },
      sources: p.sources,
    })),
    /** The list as data (with `checked` and `unconfirmed`), and rendered whole for the references page. */
    references: meta.references,
    referencesHtml: { ja: referencesHtml(course, 'ja'), en: referencesHtml(course, 'en') },
    ...(options.hosted ? { hosted: true } : {}),
    questions: course.questions.map((q) =>
      options.hosted
        ? { id: q.id, prompt: q.prompt, choices: q.choices }
        : { id: q.id, prompt: q.prompt, choices: q.choices, answer: q.answer, explanation: q.explanation },
    ),
  };
  return `/* Generated by courses/build.ts from courses/${meta.slug}/ — do not edit. */\nwindow.MAMORU_COURSE = ${JSON.stringify(data)};\n`;
}
