// welkin-gatekeeper-render renders Welkin's Gatekeeper policies the way Welkin's helmfile does:
// the platform config (common-config.yaml, then the cluster's config, then any --values file)
// feeds helmfile.d/values/gatekeeper/<release>.yaml.gotmpl, and the values that renders become
// the values of the chart helmfile.d/charts/gatekeeper/<chart>, rendered by Helm's own engine.
//
//	welkin-gatekeeper-render [--environment workload_cluster] [--values file]... [--gatekeeper-chart dir] <welkin-gatekeeper-dir>
//
// <welkin-gatekeeper-dir> holds config/ and helmfile.d/ laid out as in
// elastisys/compliantkubernetes-apps. The output is one YAML stream: the ConstraintTemplates,
// the Constraints and what the charts install beside them, each document headed by `# Source: <chart>/<file>`.
// With --gatekeeper-chart (upstream Gatekeeper's own chart, e.g. the Gatekeeper module's
// manifest_staging/charts/gatekeeper), that chart too, with Welkin's gatekeeper.yaml.gotmpl:
// Gatekeeper itself as Welkin configures it (its webhook configurations among it).
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig/v3"
	chartcommon "helm.sh/helm/v4/pkg/chart/common"
	chartutil "helm.sh/helm/v4/pkg/chart/common/util"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/engine"
	"sigs.k8s.io/yaml"
)

// A chart (a folder of helmfile.d/charts/gatekeeper, or a path) and the helmfile values template
// that feeds it. The pod-security chart is not
// rendered: the values that give it namespaces come from outside helmfile.d/values/gatekeeper,
// and with its defaults it renders only mutations that match no namespace.
type release struct {
	chart  string
	values string
}

var releases = []release{
	{chart: "templates", values: "templates.yaml.gotmpl"},
	{chart: "constraints", values: "constraints.yaml.gotmpl"},
}

type valueFiles []string

func (v *valueFiles) String() string     { return strings.Join(*v, ",") }
func (v *valueFiles) Set(s string) error { *v = append(*v, s); return nil }

func main() {
	environment := flag.String("environment", "workload_cluster", "helmfile environment: workload_cluster or service_cluster")
	var extra valueFiles
	flag.Var(&extra, "values", "a YAML file merged over the platform config (repeatable), e.g. to set what the config leaves as set-me")
	gatekeeperChart := flag.String("gatekeeper-chart", "", "upstream Gatekeeper's chart, to render with Welkin's gatekeeper.yaml.gotmpl too")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: welkin-gatekeeper-render [--environment workload_cluster] [--values file]... [--gatekeeper-chart dir] <welkin-gatekeeper-dir>")
		os.Exit(2)
	}
	if err := run(flag.Arg(0), *environment, extra, *gatekeeperChart); err != nil {
		fmt.Fprintln(os.Stderr, "welkin-gatekeeper-render:", err)
		os.Exit(1)
	}
}

func run(root, environment string, extra []string, gatekeeperChart string) error {
	config, err := platformConfig(root, environment, extra)
	if err != nil {
		return err
	}
	all := releases
	if gatekeeperChart != "" {
		all = append(all, release{chart: gatekeeperChart, values: "gatekeeper.yaml.gotmpl"})
	}
	for _, r := range all {
		values, err := helmfileValues(filepath.Join(root, "helmfile.d", "values", "gatekeeper"), r.values, config, environment)
		if err != nil {
			return fmt.Errorf("values for chart %s: %w", r.chart, err)
		}
		dir := r.chart
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(root, "helmfile.d", "charts", "gatekeeper", r.chart)
		}
		rendered, err := renderChart(dir, values)
		if err != nil {
			return fmt.Errorf("chart %s: %w", r.chart, err)
		}
		if err := printDocuments(rendered); err != nil {
			return err
		}
	}
	return nil
}

// platformConfig merges the defaults as Welkin's `ck8s` does: common first, then the cluster's.
func platformConfig(root, environment string, extra []string) (map[string]any, error) {
	cluster := map[string]string{"workload_cluster": "wc-config.yaml", "service_cluster": "sc-config.yaml"}[environment]
	if cluster == "" {
		return nil, fmt.Errorf("unknown environment %q: workload_cluster or service_cluster", environment)
	}
	files := []string{filepath.Join(root, "config", "common-config.yaml"), filepath.Join(root, "config", cluster)}
	config := map[string]any{}
	for _, f := range append(files, extra...) {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		layer := map[string]any{}
		if err := yaml.Unmarshal(data, &layer); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		config = loader.MergeMaps(config, layer)
	}
	return config, nil
}

// helmfileValues renders a helmfile values template (Go template with sprig and helmfile's
// YAML/JSON functions, the folder's _helpers.tpl defined beside it) into a values map.
func helmfileValues(dir, name string, config map[string]any, environment string) (map[string]any, error) {
	t := template.New(name).Option("missingkey=zero")
	funcs := sprig.TxtFuncMap()
	funcs["toYaml"] = func(v any) string {
		out, err := yaml.Marshal(v)
		if err != nil {
			return ""
		}
		return strings.TrimSuffix(string(out), "\n")
	}
	funcs["fromYaml"] = func(s string) map[string]any {
		m := map[string]any{}
		if err := yaml.Unmarshal([]byte(s), &m); err != nil {
			m["Error"] = err.Error()
		}
		return m
	}
	funcs["fromJson"] = funcs["fromYaml"] // JSON is YAML; sigs.k8s.io/yaml reads both
	funcs["include"] = func(name string, data any) (string, error) {
		var b strings.Builder
		err := t.ExecuteTemplate(&b, name, data)
		return b.String(), err
	}
	t.Funcs(funcs)
	helpers := filepath.Join(dir, "_helpers.tpl")
	if data, err := os.ReadFile(helpers); err == nil {
		if _, err := t.New("_helpers.tpl").Parse(string(data)); err != nil {
			return nil, fmt.Errorf("_helpers.tpl: %w", err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	body, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return nil, err
	}
	if _, err := t.New(name).Parse(string(body)); err != nil {
		return nil, err
	}
	var out strings.Builder
	data := map[string]any{"Values": config, "Environment": map[string]any{"Name": environment}}
	if err := t.ExecuteTemplate(&out, name, data); err != nil {
		return nil, err
	}
	values := map[string]any{}
	if err := yaml.Unmarshal([]byte(strings.ReplaceAll(out.String(), "<no value>", "")), &values); err != nil {
		return nil, fmt.Errorf("rendered %s is not YAML: %w", name, err)
	}
	return values, nil
}

func renderChart(dir string, values map[string]any) (map[string]string, error) {
	chart, err := loader.LoadDir(dir)
	if err != nil {
		return nil, err
	}
	options := chartcommon.ReleaseOptions{Name: "gatekeeper-" + filepath.Base(dir), Namespace: "gatekeeper-system", IsInstall: true}
	renderValues, err := chartutil.ToRenderValues(chart, values, options, nil)
	if err != nil {
		return nil, err
	}
	return engine.Render(chart, renderValues)
}

// printDocuments prints the rendered files in name order, skipping empty ones and notes.
func printDocuments(rendered map[string]string) error {
	names := make([]string, 0, len(rendered))
	for name := range rendered {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		body := strings.TrimSpace(rendered[name])
		if body == "" || strings.HasSuffix(name, "NOTES.txt") {
			continue
		}
		for _, doc := range strings.Split(body, "\n---") {
			doc = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(doc), "---"))
			if doc == "" || isOnlyComments(doc) {
				continue
			}
			if _, err := fmt.Printf("---\n# Source: %s\n%s\n", name, doc); err != nil {
				return err
			}
		}
	}
	return nil
}

func isOnlyComments(doc string) bool {
	for _, line := range strings.Split(doc, "\n") {
		if l := strings.TrimSpace(line); l != "" && !strings.HasPrefix(l, "#") {
			return false
		}
	}
	return true
}
