// Argo CD's health assessment, as its application controller runs it (gitops-engine's
// pkg/health), for the cluster harness: it reads one object as JSON on stdin and prints its
// health status (Healthy, Progressing, Degraded, Suspended, Missing, Unknown) and message.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/argoproj/gitops-engine/pkg/health"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func main() {
	data, err := io.ReadAll(os.Stdin)
	if err != nil {
		fail(err)
	}
	obj := &unstructured.Unstructured{}
	if err := json.Unmarshal(data, &obj.Object); err != nil {
		fail(err)
	}
	status, err := health.GetResourceHealth(obj, nil)
	if err != nil {
		fail(err)
	}
	if status == nil {
		// No health check for this kind: Argo CD treats it as healthy.
		fmt.Println("Healthy")
		return
	}
	fmt.Printf("%s\t%s\n", status.Status, status.Message)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "argocd-health:", err)
	os.Exit(1)
}
