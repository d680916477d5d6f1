// Parses each flowchart named on the command line with Mermaid's own parser (the one GitHub
// and GitLab use to draw it in a pull request) and checks that it has exactly the nodes
// releasegen meant: per state one entry node and one per version, so user text (a header value
// with quotes, arrows or brackets) cannot have added a node. Usage:
//   node check.mjs VERSIONS FILE.mmd ...   (VERSIONS: versions of the release, 0 = KServe-native/none)
import { JSDOM } from 'jsdom';
import fs from 'fs';

const dom = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import('mermaid');
mermaid.initialize({ startOnLoad: false });

let failed = 0;
let passed = 0;
for (const arg of process.argv.slice(2)) {
  const [file, versions] = arg.split(':');
  const text = fs.readFileSync(file, 'utf8');
  try {
    await mermaid.parse(text);
    const db = (await mermaid.mermaidAPI.getDiagramFromText(text)).db;
    const vertices = db.getVertices();
    const nodes = vertices instanceof Map ? vertices.size : Object.keys(vertices).length;
    const subgraphs = db.getSubGraphs().length;
    const n = Number(versions);
    if (n > 0 && nodes !== subgraphs * (n + 1)) {
      throw new Error(`${nodes} nodes in ${subgraphs} states; expected ${subgraphs * (n + 1)}`);
    }
    passed++;
  } catch (err) {
    failed++;
    console.log(`FAIL ${file}: ${String(err.message || err).slice(0, 400)}`);
  }
}
console.log(`mermaid: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
