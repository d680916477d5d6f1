// Reads each `releasegen diff --output markdown` comment in a directory as GitHub does — a
// CommonMark parser with GitHub's extensions (tables, autolinks, strikethrough) — and checks
// that it is the document releasegen meant, whatever the user's values held:
// - every table has the three columns traffic | before | after in every row;
// - the only HTML is the <details>/<summary> wrappers of the object changes and of the folded states;
// - the only code blocks are Mermaid charts;
// - no link, image or strikethrough came from user text;
// - every chart parses with Mermaid's own parser and has exactly the nodes meant (NAME.nodes).
// Usage: node check-markdown.mjs DIR
import { JSDOM } from 'jsdom';
import fs from 'fs';
import path from 'path';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { gfm } from 'micromark-extension-gfm';
import { gfmFromMarkdown } from 'mdast-util-gfm';

const dom = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import('mermaid');
mermaid.initialize({ startOnLoad: false });

const allowedHtml = [/^<details><summary>\d+ objects? differ(s)?<\/summary>$/, /^<details><summary>\d+ other states? change<\/summary>$/, /^<\/details>$/];

function walk(node, visit) {
  visit(node);
  for (const child of node.children || []) walk(child, visit);
}

async function check(file, nodes) {
  const text = fs.readFileSync(file, 'utf8');
  const tree = fromMarkdown(text, { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] });
  const problems = [];
  const charts = [];
  const codes = [];
  walk(tree, (n) => {
    switch (n.type) {
      case 'table':
        for (const row of n.children) {
          if (row.children.length !== 3) problems.push(`a table row with ${row.children.length} cells at line ${row.position.start.line}`);
        }
        break;
      case 'html':
        if (!allowedHtml.some((re) => re.test(n.value.trim()))) problems.push(`HTML at line ${n.position.start.line}: ${n.value.slice(0, 80)}`);
        break;
      case 'code':
        if (n.lang === 'mermaid') charts.push(n.value);
        else problems.push(`a ${n.lang || 'plain'} code block at line ${n.position.start.line}`);
        break;
      case 'inlineCode':
        codes.push(n.value);
        break;
      case 'link':
      case 'image':
      case 'delete':
      case 'footnoteReference':
        problems.push(`a ${n.type}: ${JSON.stringify(n).slice(0, 200)}`);
        break;
    }
  });
  // The hostile comment's header value is one code span, whole.
  if (path.basename(file) === 'hostile.md' && !codes.some((c) => c.includes('<script>alert(1)</script> ~~no~~ www.example.com ```'))) {
    problems.push(`the hostile header value is not one code span: ${JSON.stringify(codes)}`);
  }
  for (const chart of charts) {
    try {
      await mermaid.parse(chart);
      const db = (await mermaid.mermaidAPI.getDiagramFromText(chart)).db;
      // A subgraph named in a link (the invisible one that orders before and after) is listed
      // among the vertices too; it is not a node.
      const vertices = db.getVertices();
      const ids = vertices instanceof Map ? [...vertices.keys()] : Object.keys(vertices);
      const subgraphs = new Set(db.getSubGraphs().map((g) => g.id));
      const count = ids.filter((id) => !subgraphs.has(id)).length;
      if (count !== nodes) problems.push(`a chart with ${count} nodes; expected ${nodes}`);
    } catch (err) {
      problems.push(`a chart Mermaid refuses: ${String(err.message || err).slice(0, 300)}`);
    }
  }
  return { problems, charts: charts.length };
}

const dir = process.argv[2];
let passed = 0;
let failed = 0;
let charts = 0;
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.md')).sort();
for (const f of files) {
  const nodes = Number(fs.readFileSync(path.join(dir, f.replace(/\.md$/, '.nodes')), 'utf8'));
  const r = await check(path.join(dir, f), nodes);
  charts += r.charts;
  if (r.problems.length) {
    failed++;
    console.log(`FAIL ${f}: ${r.problems.join('; ')}`);
  } else {
    passed++;
  }
}
if (files.length === 0) {
  console.log(`no comments in ${dir}`);
  failed++;
}
console.log(`markdown: ${passed} passed, ${failed} failed (${charts} Mermaid charts)`);
process.exit(failed ? 1 : 0);
