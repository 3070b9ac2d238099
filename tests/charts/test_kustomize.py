"""config/ (kustomize) installs the same objects as the Helm chart with default values:
`kubectl kustomize` of each layer renders, and config/default, config/prometheus and
config/grafana equal the chart's rendering object for object (labels only Helm adds aside)."""
import os
import unittest

import chartlib as c

LAYERS = ["crd", "rbac", "manager", "prometheus", "grafana", "default"]


def by_key(objs):
    return {c.key(o): c.strip_helm_labels(o) for o in objs}


class KustomizeTest(unittest.TestCase):
    def assertSameObjects(self, kustomized, helm):
        k, h = by_key(kustomized), by_key(helm)
        self.assertEqual(sorted(k), sorted(h))
        for key in k:
            with self.subTest(object=key):
                self.assertEqual(k[key], h[key])

    def test_every_layer_renders(self):
        for layer in LAYERS:
            with self.subTest(layer=layer):
                self.assertTrue(c.kustomize(os.path.join(c.CONFIG_DIR, layer)))

    def test_default_installs_what_helm_installs(self):
        kustomized = c.kustomize(os.path.join(c.CONFIG_DIR, "default"))
        namespace = c.one(kustomized, "Namespace")
        self.assertEqual(namespace["metadata"]["name"], c.NAMESPACE)
        self.assertEqual(namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"], "restricted")
        helm, _ = c.helm_template(include_crds=True)
        self.assertSameObjects([o for o in kustomized if o["kind"] != "Namespace"], helm)

    def test_prometheus_layer_is_the_charts_monitoring(self):
        kustomized = c.kustomize(os.path.join(c.CONFIG_DIR, "prometheus"))
        helm, _ = c.helm_template({"metrics": {"serviceMonitor": {"enabled": True},
                                               "prometheusRule": {"enabled": True}}}, include_crds=False)
        self.assertSameObjects(kustomized, [o for o in helm if o["kind"] in ("ServiceMonitor", "PrometheusRule")])

    def test_grafana_layer_is_the_charts_dashboard_configmap(self):
        kustomized = c.kustomize(os.path.join(c.CONFIG_DIR, "grafana"))
        helm, _ = c.helm_template({"grafanaDashboard": {"enabled": True}}, include_crds=False)
        self.assertSameObjects(kustomized, c.by_kind(helm, "ConfigMap"))


if __name__ == "__main__":
    unittest.main()
