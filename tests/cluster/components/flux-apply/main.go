// The apply and prune of Flux's kustomize-controller, with the library it applies with
// (github.com/fluxcd/pkg/ssa), for the cluster harness:
//
//	flux-apply -name KS -namespace NS -inventory FILE < STREAM
//
// It reads the objects `kustomize build` printed, labels them as the controller labels what a
// Kustomization owns, applies them in stages (CRDs and namespaces first) server-side with the
// field manager kustomize-controller, deletes what the previous inventory held and the new set
// no longer has (only objects carrying the Kustomization's labels, as the controller prunes),
// writes the new inventory, and prints the change set, a line per object.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/fluxcd/cli-utils/pkg/kstatus/polling"
	"github.com/fluxcd/pkg/ssa"
	"github.com/fluxcd/pkg/ssa/utils"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
)

// entry is one object of the inventory.
type entry struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace"`
	Name       string `json:"name"`
}

func main() {
	name := flag.String("name", "", "the Kustomization's name")
	namespace := flag.String("namespace", "flux-system", "the Kustomization's namespace")
	inventory := flag.String("inventory", "", "the file holding the inventory of the last apply")
	flag.Parse()
	if err := run(*name, *namespace, *inventory); err != nil {
		fmt.Fprintln(os.Stderr, "flux-apply:", err)
		os.Exit(1)
	}
}

func run(name, namespace, inventory string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cfg, err := clientcmd.BuildConfigFromFlags("", os.Getenv("KUBECONFIG"))
	if err != nil {
		return err
	}
	httpClient, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return err
	}
	mapper, err := apiutil.NewDynamicRESTMapper(cfg, httpClient)
	if err != nil {
		return err
	}
	kube, err := client.New(cfg, client.Options{Mapper: mapper})
	if err != nil {
		return err
	}
	manager := ssa.NewResourceManager(kube, polling.NewStatusPoller(kube, mapper, polling.Options{}),
		ssa.Owner{Field: "kustomize-controller", Group: "kustomize.toolkit.fluxcd.io"})

	objects, err := utils.ReadObjects(os.Stdin)
	if err != nil {
		return err
	}
	owned := map[string]string{
		"kustomize.toolkit.fluxcd.io/name":      name,
		"kustomize.toolkit.fluxcd.io/namespace": namespace,
	}
	applied := []entry{}
	for _, o := range objects {
		labels := o.GetLabels()
		if labels == nil {
			labels = map[string]string{}
		}
		for k, v := range owned {
			labels[k] = v
		}
		o.SetLabels(labels)
		applied = append(applied, entry{o.GetAPIVersion(), o.GetKind(), o.GetNamespace(), o.GetName()})
	}
	changes, err := manager.ApplyAllStaged(ctx, objects, ssa.DefaultApplyOptions())
	if err != nil {
		return err
	}
	for _, c := range changes.Entries {
		fmt.Println(c.String())
	}

	stale, err := staleObjects(inventory, applied)
	if err != nil {
		return err
	}
	if len(stale) > 0 {
		opts := ssa.DefaultDeleteOptions()
		opts.Inclusions = owned
		deleted, err := manager.DeleteAll(ctx, stale, opts)
		if err != nil {
			return err
		}
		for _, c := range deleted.Entries {
			fmt.Println(c.String())
		}
	}
	data, err := json.Marshal(applied)
	if err != nil {
		return err
	}
	return os.WriteFile(inventory, data, 0o644)
}

// staleObjects: what the last inventory holds and the new set does not.
func staleObjects(inventory string, applied []entry) ([]*unstructured.Unstructured, error) {
	data, err := os.ReadFile(inventory)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var last []entry
	if err := json.Unmarshal(data, &last); err != nil {
		return nil, err
	}
	kept := map[entry]bool{}
	for _, e := range applied {
		kept[e] = true
	}
	var stale []*unstructured.Unstructured
	for _, e := range last {
		if kept[e] {
			continue
		}
		o := &unstructured.Unstructured{}
		o.SetAPIVersion(e.APIVersion)
		o.SetKind(e.Kind)
		o.SetNamespace(e.Namespace)
		o.SetName(e.Name)
		stale = append(stale, o)
	}
	return stale, nil
}
