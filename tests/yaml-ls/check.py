#!/usr/bin/env python3
"""The schema in an editor: yaml-language-server (the language server behind VS Code's YAML
extension, Neovim, Helix, …) reads `releasegen schema` and `releasegen schema --release`.

Speaks the Language Server Protocol to the real server over stdio: every fixture (and every
fixture as a Release document) must open with no diagnostic; typical mistakes must give a
diagnostic on the line of the key at fault; hovering a key must show its description.

Usage: check.py RELEASEGEN_BINARY SERVER_JS   (run by .ci/run for both pinned lines of the
server, 1.x as the VS Code YAML extension long shipped it, and 2.x; see package.json)
"""
import json
import pathlib
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN, SERVER = sys.argv[1], sys.argv[2]


class Server:
    def __init__(self, schemas):
        self.p = subprocess.Popen(["node", SERVER, "--stdio"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.next_id = 0
        self.diagnostics = {}
        self.version = (self.request("initialize", {"processId": None, "rootUri": None, "capabilities": {
            "textDocument": {"hover": {"contentFormat": ["plaintext", "markdown"]}},
            "workspace": {"configuration": True}}}) or {}).get("serverInfo", {}).get("version", "?")
        self.notify("initialized", {})
        self.settings = {"validate": True, "hover": True, "completion": True, "schemaStore": {"enable": False}, "schemas": schemas}
        self.notify("workspace/didChangeConfiguration", {"settings": {"yaml": self.settings}})

    def send(self, msg):
        body = json.dumps(msg).encode()
        self.p.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.p.stdin.flush()

    def read(self):
        length = 0
        while True:
            line = self.p.stdout.readline()
            if not line:
                raise SystemExit("yaml-language-server exited")
            line = line.strip()
            if not line:
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        return json.loads(self.p.stdout.read(length))

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method, params):
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        return self.wait(lambda m: m.get("id") == self.next_id and "method" not in m).get("result")

    def wait(self, done):
        while True:
            m = self.read()
            if m.get("method") == "textDocument/publishDiagnostics":
                self.diagnostics[m["params"]["uri"]] = m["params"]["diagnostics"]
            elif m.get("method") == "workspace/configuration":  # the server pulls its settings
                sections = [i.get("section") for i in m["params"]["items"]]
                self.send({"jsonrpc": "2.0", "id": m["id"], "result": [self.settings if x == "yaml" else None for x in sections]})
            elif "method" in m and "id" in m:  # any other request from the server
                self.send({"jsonrpc": "2.0", "id": m["id"], "result": None})
            if done(m):
                return m

    def check(self, uri, text):
        """Opens a document and returns its diagnostics (the server validates on open)."""
        self.diagnostics.pop(uri, None)
        self.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}})
        # A hover request is answered after validation has been scheduled; then wait for it.
        self.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}})
        if uri not in self.diagnostics:
            self.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri)
        self.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
        return self.diagnostics[uri]

    def hover(self, uri, text, line, character):
        self.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}})
        r = self.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}})
        self.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
        return json.dumps(r or {})

    def close(self):
        self.request("shutdown", None)
        self.notify("exit", None)
        self.p.wait(timeout=10)


def release_document(values_text):
    body = "".join("  " + line if line.strip() else line for line in values_text.splitlines(True))
    return f"apiVersion: releasegen.dev/v1alpha1\nkind: Release\nmetadata:\n  name: demo\nspec:\n{body}"


# Mistakes, each with the 0-based line of the key at fault and a word the message must hold.
MISTAKES = [
    ("typo in a version", "environment: deployment\napplication:\n  versions:\n  - image: x\n    wieght: 3\n", 4, "wieght"),
    ("misplaced strategy", "environment: deployment-istio\nstrategy: canary\napplication:\n  versions:\n  - image: x\n", 1, "strategy"),
    ("weight as text", "environment: deployment\napplication:\n  versions:\n  - image: x\n    weight: abc\n", 4, "nteger"),
    ("unknown environment", "environment: nomad\napplication:\n  versions:\n  - image: x\n", 0, "deployment-istio"),
    ("strategy the environment lacks", "environment: deployment\napplication:\n  strategy: canary\n  versions:\n  - image: x\n", 2, ""),
    ("match clause field", "environment: deployment-istio\napplication:\n  strategy: canary\n  versions:\n  - image: x\n  - image: y\n    match:\n    - header: {}\n", 7, "header"),
    ("routing-actions action", "appType: deployment\naction: init\n", 1, ""),
]


def main():
    passed = failed = 0

    def check(ok, what):
        nonlocal passed, failed
        passed, failed = passed + ok, failed + (not ok)
        if not ok:
            print("FAIL:", what)

    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        for name, args in (("values", []), ("release", ["--release"])):
            (tmp / f"{name}.schema.json").write_bytes(subprocess.run([BIN, "schema", *args], check=True, capture_output=True).stdout)
        schemas = {(tmp / "values.schema.json").as_uri(): ["/w/values/*.yaml"], (tmp / "release.schema.json").as_uri(): ["/w/releases/*.yaml"]}
        s = Server(schemas)
        s_version = s.version
        fixtures = sorted((ROOT / "fixtures").glob("*.yaml"))
        check(len(fixtures) > 40, f"only {len(fixtures)} fixtures found under {ROOT}")
        for fixture in fixtures:
            text = fixture.read_text()
            for form, uri, doc in (("values", f"file:///w/values/{fixture.name}", text),
                                   ("release", f"file:///w/releases/{fixture.name}", release_document(text))):
                d = s.check(uri, doc)
                check(d == [], f"{fixture.name} as {form}: {[x['message'] for x in d]}")
        # The example Release documents, as written.
        examples = sorted((ROOT / "examples").glob("**/releases/*.yaml"))
        check(len(examples) >= 2, "no example Release documents found")
        for f in examples:
            d = s.check(f"file:///w/releases/example-{f.name}", f.read_text())
            check(d == [], f"{f}: {[x['message'] for x in d]}")
        for n, (what, text, line, word) in enumerate(MISTAKES):
            for form, uri, doc, shift in (("values", f"file:///w/values/bad-{n}.yaml", text, 0),
                                          ("release", f"file:///w/releases/bad-{n}.yaml", release_document(text), 5)):
                d = s.check(uri, doc)
                at = [x for x in d if x["range"]["start"]["line"] == line + shift and word in x["message"]]
                check(at != [], f"{what} ({form}): wanted a diagnostic on line {line + shift + 1}; got {[(x['range']['start']['line'] + 1, x['message']) for x in d]}")
        # The integrations guide's modeline, with a path relative to the values file.
        modeline = "# yaml-language-server: $schema=./values.schema.json\n" + MISTAKES[0][1]
        d = s.check((tmp / "modeline.yaml").as_uri(), modeline)
        check([x["range"]["start"]["line"] for x in d] == [5], f"modeline: {[x['message'] for x in d]}")
        # Hover help: the description of the key under the cursor.
        text = "environment: deployment\napplication:\n  versions:\n  - image: x\n    weight: 3\n"
        check("relative share" in s.hover("file:///w/values/hover.yaml", text, 4, 6), "hover on weight shows no description")
        check("Where the release runs" in s.hover("file:///w/values/hover2.yaml", text, 0, 3), "hover on environment shows no description")
        s.close()
    print(f"yaml-language-server {s_version}: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
