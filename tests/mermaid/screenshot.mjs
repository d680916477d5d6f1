// Draws a `releasegen diff --output markdown` comment as a pull request shows it — GitHub's
// Markdown (micromark with its GFM extension) and the Mermaid charts drawn by Mermaid — and
// takes a screenshot in headless Chromium (Debian's chromium package), for a person to look at.
// Not run by CI. Usage: node screenshot.mjs COMMENT.md OUT.png
import fs from 'fs';
import os from 'os';
import path from 'path';
import { execFileSync } from 'child_process';
import { fileURLToPath } from 'url';
import { micromark } from 'micromark';
import { gfm, gfmHtml } from 'micromark-extension-gfm';

const [input, output] = process.argv.slice(2);
const here = path.dirname(fileURLToPath(import.meta.url));
const body = micromark(fs.readFileSync(input, 'utf8'), { allowDangerousHtml: true, extensions: [gfm()], htmlExtensions: [gfmHtml()] })
  // GitHub draws a ```mermaid block as a chart.
  .replace(/<pre><code class="language-mermaid">([\s\S]*?)<\/code><\/pre>/g, '<pre class="mermaid">$1</pre>');
const page = `<!doctype html><html><head><meta charset="utf-8"><style>
body { font: 14px -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; max-width: 880px; margin: 24px; color: #1f2328; }
table { border-collapse: collapse; } th, td { border: 1px solid #d1d9e0; padding: 6px 13px; }
code { background: #eff1f3; padding: 2px 4px; border-radius: 6px; font-size: 85%; }
</style><script src="file://${here}/node_modules/mermaid/dist/mermaid.min.js"></script></head><body>${body}
<script>document.querySelectorAll('details').forEach((d) => d.open = true); mermaid.initialize({ startOnLoad: true });</script></body></html>`;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'releasegen-comment-'));
fs.writeFileSync(path.join(dir, 'comment.html'), page);
execFileSync('/usr/bin/chromium', [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', `--user-data-dir=${path.join(dir, 'profile')}`, '--allow-file-access-from-files',
  '--virtual-time-budget=5000', '--window-size=940,2200', `--screenshot=${path.resolve(output)}`, `file://${dir}/comment.html`,
], { stdio: 'inherit' });
console.log(`wrote ${output}`);
