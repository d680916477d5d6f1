// Executes routing templates exactly as the Iter8 controller v1.1 does
// (controllers/routemap.go): html/template, Option("missingkey=zero"), executed with a value
// whose Weights method returns the state's weights as []uint32.
//
// Protocol, one JSON object per line on stdin: {"template": "...", "weights": [..]};
// one JSON object per line on stdout: {"output": "..."} or {"error": "..."}.
// Used by the Rust tests (tests/common/mod.rs), which keep one process for a whole run.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"html/template"
	"os"
)

type request struct {
	Template string   `json:"template"`
	Weights  []uint32 `json:"weights"`
}

type response struct {
	Output string `json:"output"`
	Error  string `json:"error,omitempty"`
}

// routemap stands in for the controller's routemap: templates see only Weights.
type routemap struct{ weights []uint32 }

// Weights is what a routing template calls as .Weights.
func (r *routemap) Weights() []uint32 { return r.weights }

func execute(req request) response {
	tpl, err := template.New("routing").Option("missingkey=zero").Parse(req.Template)
	if err != nil {
		return response{Error: "parse: " + err.Error()}
	}
	var buf bytes.Buffer
	if err := tpl.Execute(&buf, &routemap{weights: req.Weights}); err != nil {
		return response{Error: "execute: " + err.Error()}
	}
	return response{Output: buf.String()}
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 0, 1<<20), 64<<20)
	out := bufio.NewWriter(os.Stdout)
	enc := json.NewEncoder(out)
	for in.Scan() {
		var req request
		resp := response{}
		if err := json.Unmarshal(in.Bytes(), &req); err != nil {
			resp.Error = "request: " + err.Error()
		} else {
			resp = execute(req)
		}
		if err := enc.Encode(resp); err != nil {
			os.Exit(1)
		}
		if err := out.Flush(); err != nil {
			os.Exit(1)
		}
	}
}
