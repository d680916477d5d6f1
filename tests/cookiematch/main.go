// Matches Cookie headers against version affinity's regexes with Go's regexp, the RE2 syntax
// and semantics that Istio's webhook validates with and Envoy (RE2) matches with, two ways:
// as Envoy does (the whole header value must match) and as a proxy that searches in the value.
//
// Protocol, one JSON object per line on stdin: {"regex": "...", "headers": ["...", ...]};
// one per line on stdout: {"full": [bool, ...], "search": [bool, ...]} or {"error": "..."}.
// Used by tests/affinity.rs, which keeps one process for a whole run.
package main

import (
	"bufio"
	"encoding/json"
	"os"
	"regexp"
)

type request struct {
	Regex   string   `json:"regex"`
	Headers []string `json:"headers"`
}

type response struct {
	Full   []bool `json:"full"`
	Search []bool `json:"search"`
	Error  string `json:"error,omitempty"`
}

func match(req request) response {
	search, err := regexp.Compile(req.Regex)
	if err != nil {
		return response{Error: err.Error()}
	}
	full := regexp.MustCompile(`^(?:` + req.Regex + `)$`)
	out := response{Full: []bool{}, Search: []bool{}}
	for _, h := range req.Headers {
		out.Full = append(out.Full, full.MatchString(h))
		out.Search = append(out.Search, search.MatchString(h))
	}
	return out
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
			resp = match(req)
		}
		if err := enc.Encode(resp); err != nil {
			os.Exit(1)
		}
		if err := out.Flush(); err != nil {
			os.Exit(1)
		}
	}
}
