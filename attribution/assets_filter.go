package attribution

import (
	"strings"

	"github.com/tallyhq/tally"
)

// assetFields are the asset properties assets are aggregated and filtered
// by, as OpenCost names them (lower case), with the name Dimension.Field
// takes. "label" takes a key.
var assetFields = map[string]string{
	"type": "type", "assettype": "type", "category": "category", "provider": "provider", "account": "account",
	"project": "project", "service": "service", "cluster": "cluster", "name": "name", "providerid": "providerID",
	"label": "label",
}

// ParseAssetDimension reads an asset property to aggregate by: type,
// category, provider, account, project, service, cluster, name,
// providerID, or label:KEY (label[KEY]).
func ParseAssetDimension(s string) (Dimension, error) {
	d, why := assetDimension(s)
	if why != "" {
		return Dimension{}, tally.Errorf(tally.EInvalid, "aggregate %q: %s", strings.TrimSpace(s), why)
	}
	return d, nil
}

// assetDimension reads an asset property, or says why it is none.
func assetDimension(s string) (Dimension, string) {
	field, key := splitDimension(s)
	name, ok := assetFields[strings.ToLower(field)]
	if !ok {
		return Dimension{}, "want type, category, provider, account, project, service, cluster, name, providerID or label:KEY"
	}
	if (name == "label") != (key != "") {
		return Dimension{}, "label takes a key (label:team), other properties none"
	}
	return Dimension{Field: name, Key: key}, ""
}

// ParseAssetFilter reads a filter of assets in OpenCost's v2 language, as
// ParseFilter does allocations' (operators, "+", "|" and parentheses), its
// dimensions asset properties (those of ParseAssetDimension; OpenCost's
// filters say assetType for type).
func ParseAssetFilter(s string) ([]Filter, error) {
	return parseFilters(s, assetDimension)
}

// Value returns a's value of the asset property d ("" when it has none).
// Service is Kubernetes: every asset is a cluster's.
func (a *Asset) Value(d Dimension) string {
	switch d.Field {
	case "type":
		return a.Type
	case "category":
		return a.Category
	case "provider":
		return a.Provider
	case "account":
		return a.Account
	case "service":
		return KubernetesService
	case "cluster":
		return a.Cluster
	case "name":
		return a.Name
	case "providerID":
		return a.ProviderID
	case "project":
		return a.Project
	case "label":
		if v, ok := a.Labels[d.Key]; ok {
			return v
		}
		return prometheusLabel(a.Labels, d.Key)
	}
	return ""
}

// prometheusLabel returns the value of the label of labels whose
// Prometheus name is k, as OpenCost's clients name labels (every character
// outside [a-zA-Z0-9_] an underscore: app_kubernetes_io_name for
// app.kubernetes.io/name), as the allocations find them: the first such
// key in order, "" if none or if k is no Prometheus name.
func prometheusLabel(labels map[string]string, k string) string {
	if !strings.Contains(k, "_") || strings.ContainsFunc(k, func(r rune) bool { return !isPrometheusNameRune(r) }) {
		return ""
	}
	found, value := "", ""
	for key, v := range labels {
		if len(key) != len(k) || found != "" && key > found {
			continue
		}
		match := true
		for i := 0; i < len(k) && match; i++ {
			if k[i] == '_' {
				match = !isPrometheusNameRune(rune(key[i])) || key[i] == '_'
			} else {
				match = key[i] == k[i]
			}
		}
		if match {
			found, value = key, v
		}
	}
	return value
}

func isPrometheusNameRune(r rune) bool {
	return r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}

// KubernetesService is the service of every asset, as OpenCost's.
const KubernetesService = "Kubernetes"

// Matches reports whether a passes every filter: type, category and
// provider compare without regard to case (assetType:"node").
func (a *Asset) Matches(filters []Filter) bool {
	fold := func(d Dimension) bool { return d.Field == "type" || d.Field == "category" || d.Field == "provider" }
	return keepsAll(filters, a, fold)
}

// keys returns the keys of a's labels (field label), each also under its
// Prometheus name (app_kubernetes_io_name for app.kubernetes.io/name), as
// OpenCost's clients name them.
func (a *Asset) keys(field string) []string {
	if field != "label" {
		return nil
	}
	var out []string
	for k := range a.Labels {
		out = append(out, k)
		if p := prometheusName(k); p != k {
			out = append(out, p)
		}
	}
	return out
}

// prometheusName is k with every character outside [a-zA-Z0-9_] an
// underscore.
func prometheusName(k string) string {
	var b strings.Builder
	for _, r := range k {
		if isPrometheusNameRune(r) {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// providerName is OpenCost's name of a provider.
func providerName(p string) string {
	switch strings.ToLower(p) {
	case tally.ProviderAWS:
		return "AWS"
	case tally.ProviderGCP:
		return "GCP"
	case "azure":
		return "Azure"
	}
	return p
}
