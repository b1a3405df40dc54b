import { analysePackage, externalHostsOf, inspectZip, scanExternalAssets } from '../../server/scorm/package';
import { buildPackage, singleSco12 } from '../support/scorm-packages';

// A package whose pages load from a CDN imports, but the content CSP blocks those loads when it
// plays: the import says which pages and which hosts, so the officer knows before anyone learns.

const page = (head: string, body = '') => `<!doctype html><html><head>${head}</head><body>${body}</body></html>`;

describe('externalHostsOf', () => {
  it('finds scripts, stylesheets and fonts loaded by absolute and protocol-relative URLs', () => {
    const html = page(
      `<script src="https://code.jquery.com/jquery-3.7.1.min.js"></script>
       <SCRIPT type="text/javascript" SRC='//cdn.jsdelivr.net/npm/x.js'></SCRIPT>
       <link rel="stylesheet" href="http://fonts.googleapis.com/css?family=Noto+Sans&amp;display=swap">
       <link rel="preload" as="font" href="https://fonts.gstatic.com/s/a.woff2" crossorigin>
       <style>@import "https://unpkg.com/reset.css"; body { background: url('//img.example.net/bg.png') }</style>`,
      `<img srcset="local.png 1x, https://images.example.org/hi.png 2x" src="local.png">
       <div style="background-image: url(https://style.example.com/a.png)"></div>
       <iframe src="https://www.youtube.com/embed/xyz"></iframe>`,
    );
    expect(externalHostsOf(html)).toEqual([
      'code.jquery.com',
      'cdn.jsdelivr.net',
      'fonts.googleapis.com',
      'fonts.gstatic.com',
      'images.example.org',
      'style.example.com',
      'www.youtube.com',
      'unpkg.com',
      'img.example.net',
    ]);
  });

  it('ignores the package own files, links people follow, comments and non-fetched link relations', () => {
    const html = page(
      `<script src="scripts/api.js"></script><script src="/abs/path.js"></script>
       <link rel="stylesheet" href="../shared/style.css">
       <link rel="canonical" href="https://example.com/course">
       <!-- <script src="https://commented.example.com/x.js"></script> -->
       <script>var u = "https://in-a-string.example.com/"; if (a < b && c > d) {}</script>`,
      `<a href="https://www.mhlw.go.jp/">厚生労働省</a><img src="data:image/png;base64,AAAA"><input type="text" src="https://no.example.com/">`,
    );
    expect(externalHostsOf(html)).toEqual([]);
  });

  it('reads an unclosed comment, style or tag without scanning the page again and again', () => {
    const hostile = '<style>' + '<!--'.repeat(50_000) + '<a<a<a'.repeat(50_000) + '<script src="https://x.example';
    const started = Date.now();
    expect(externalHostsOf(hostile)).toEqual([]);
    expect(externalHostsOf('<script src="https://late.example.com/a.js"></script><!-- never closed' + 'x'.repeat(100_000))).toEqual([
      'late.example.com',
    ]);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('scanning a package', () => {
  const spec = singleSco12();
  const files = {
    ...spec.files,
    'shared/launchpage.html': page('<script src="https://cdn.example.com/lib.js"></script>'),
    'shared/quiz.htm': page(
      '<link rel="stylesheet" href="//fonts.example.net/a.css"><script src="https://cdn.example.com/quiz.js"></script>',
    ),
    'shared/ok.html': page('<script src="lib.js"></script>'),
    // Not HTML: a script may well name URLs, but it is not read.
    'shared/lib.js': 'fetch("https://api.example.com/")',
  };

  it('warns of each HTML page that loads from the internet, naming its hosts, and still accepts the package', async () => {
    const analysis = await analysePackage(await buildPackage({ ...spec, files }));
    if (!analysis.ok) throw new Error(JSON.stringify(analysis.problems));
    expect(analysis.warnings).toEqual([
      { code: 'scorm.import.externalAssets', file: 'shared/launchpage.html', params: { hosts: 'cdn.example.com' } },
      { code: 'scorm.import.externalAssets', file: 'shared/quiz.htm', params: { hosts: 'fonts.example.net, cdn.example.com' } },
    ]);
  });

  it('reads no page over its per-file cap and stops at the total cap; names a few pages and counts the rest', async () => {
    const many: Record<string, string | Buffer> = { ...spec.files };
    for (let i = 0; i < 6; i++) many[`p${i}.html`] = page(`<script src="https://cdn${i}.example.com/a.js"></script>`);
    many['big.html'] = page('<script src="https://big.example.com/a.js"></script>', 'x'.repeat(5000));
    const zip = await buildPackage({ ...spec, files: many });
    const inspection = await inspectZip(zip);
    if (!inspection.ok) throw new Error('not a zip');
    const sizeOf = (name: string) => inspection.entries.find((e) => e.name === name)!.uncompressedSize;
    // Room for the launch page and four of the six pages: the fifth and sixth are not read, big.html is over the per-file cap.
    const maxTotalBytes = sizeOf('shared/launchpage.html') + 4 * sizeOf('p0.html');

    const capped = await scanExternalAssets(zip, inspection.entries, { maxBytesPerFile: 1000, maxTotalBytes, maxReportedFiles: 2 });
    expect(capped).toEqual([
      { code: 'scorm.import.externalAssets', file: 'p0.html', params: { hosts: 'cdn0.example.com' } },
      { code: 'scorm.import.externalAssets', file: 'p1.html', params: { hosts: 'cdn1.example.com' } },
      { code: 'scorm.import.externalAssetsMore', params: { count: 2 } },
    ]);
  });

  it('shows at most five hosts of a page and says how many more', async () => {
    const scripts = Array.from({ length: 7 }, (_, i) => `<script src="https://h${i}.example.com/a.js"></script>`).join('');
    const zip = await buildPackage({ ...spec, files: { ...spec.files, 'shared/launchpage.html': page(scripts) } });
    const analysis = await analysePackage(zip);
    if (!analysis.ok) throw new Error(JSON.stringify(analysis.problems));
    expect(analysis.warnings.map((w) => w.params?.hosts)).toEqual([
      'h0.example.com, h1.example.com, h2.example.com, h3.example.com, h4.example.com (+2)',
    ]);
  });
});
