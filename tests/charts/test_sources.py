"""One source of truth: the chart's CRDs are crds/, its RBAC rules, alerts and dashboard are the
files in config/, the packaged chart carries real copies of them, versions agree, and
metrics-referenced.txt lists exactly the series the dashboard and alerts query."""
import glob
import json
import os
import re
import shutil
import tarfile
import tempfile
import unittest

import chartlib as c


def crd_files():
    return sorted(glob.glob(os.path.join(c.CRDS_DIR, "*.yaml")))


class CrdSourceTest(unittest.TestCase):
    def test_chart_crds_folder_is_the_repository_crds_folder(self):
        link = os.path.join(c.CHART_DIR, "crds")
        self.assertTrue(os.path.islink(link), "charts/ferry/crds must link to crds/, not copy it")
        self.assertEqual(os.path.realpath(link), os.path.realpath(c.CRDS_DIR))

    def test_crds_exist_and_are_ferry_crds(self):
        files = crd_files()
        self.assertTrue(files, "crds/ holds no CRD (*.yaml) yet")
        for path in files:
            crd = c.load_yaml(path)
            with self.subTest(crd=os.path.basename(path)):
                self.assertEqual(crd["apiVersion"], "apiextensions.k8s.io/v1")
                self.assertEqual(crd["kind"], "CustomResourceDefinition")
                spec = crd["spec"]
                self.assertEqual(spec["group"], "ferry.dev")
                self.assertEqual(crd["metadata"]["name"], f"{spec['names']['plural']}.ferry.dev")
                self.assertEqual(os.path.basename(path), f"ferry.dev_{spec['names']['plural']}.yaml")

    def test_crds_kustomization_lists_every_crd_file(self):
        kust = c.load_yaml(os.path.join(c.CRDS_DIR, "Kustomization"))
        self.assertEqual(sorted(kust["resources"]), [os.path.basename(p) for p in crd_files()])

    def test_helm_installs_the_crd_files_verbatim(self):
        objs, _ = c.helm_template(include_crds=True)
        rendered = {o["metadata"]["name"]: o for o in c.by_kind(objs, "CustomResourceDefinition")}
        expected = {c.load_yaml(p)["metadata"]["name"]: c.load_yaml(p) for p in crd_files()}
        self.assertEqual(rendered, expected)


class ChartFilesTest(unittest.TestCase):
    LINKS = {"role.yaml": "config/rbac/role.yaml",
             "leader_election_role.yaml": "config/rbac/leader_election_role.yaml",
             "prometheusrule.yaml": "config/prometheus/prometheusrule.yaml",
             "ferry-dashboard.json": "config/grafana/ferry-dashboard.json"}

    def test_chart_files_link_into_config(self):
        files_dir = os.path.join(c.CHART_DIR, "files")
        self.assertEqual(sorted(os.listdir(files_dir)), sorted(self.LINKS))
        for name, target in self.LINKS.items():
            path = os.path.join(files_dir, name)
            self.assertTrue(os.path.islink(path), f"{path} must link to {target}")
            self.assertEqual(os.path.realpath(path), os.path.realpath(os.path.join(c.SOURCE_DIR, target)))

    def test_packaged_chart_carries_real_files_and_renders_the_same(self):
        tmp = tempfile.mkdtemp()
        try:
            c.run([c.tool("helm"), "package", c.CHART_DIR, "--destination", tmp])
            (tgz,) = glob.glob(os.path.join(tmp, "ferry-*.tgz"))
            with tarfile.open(tgz) as tar:
                members = {m.name: m for m in tar.getmembers()}
                for name, target in self.LINKS.items():
                    m = members[f"ferry/files/{name}"]
                    self.assertTrue(m.isfile(), f"{name} packaged as a symlink")
                    with open(os.path.join(c.SOURCE_DIR, target), "rb") as f:
                        self.assertEqual(tar.extractfile(m).read(), f.read())
                for path in crd_files():
                    m = members[f"ferry/crds/{os.path.basename(path)}"]
                    with open(path, "rb") as f:
                        self.assertEqual(tar.extractfile(m).read(), f.read())
                self.assertNotIn("ferry/metrics-referenced.txt", members)
            values = {"metrics": {"serviceMonitor": {"enabled": True}, "prometheusRule": {"enabled": True}},
                      "grafanaDashboard": {"enabled": True}, "replicaCount": 2}
            packaged, proc = c.helm_template(values, chart=tgz)
            source, _ = c.helm_template(values)
            self.assertEqual(packaged, source)
            self.assertNotIn("symbolic link", proc.stderr)
        finally:
            shutil.rmtree(tmp)


class VersionTest(unittest.TestCase):
    def test_chart_app_version_is_the_project_version_and_the_manifest_image_tag(self):
        with open(os.path.join(c.SOURCE_DIR, "CMakeLists.txt")) as f:
            project_version = re.search(r"project\(ferry VERSION ([0-9.]+)", f.read()).group(1)
        chart = c.load_yaml(os.path.join(c.CHART_DIR, "Chart.yaml"))
        self.assertEqual(chart["appVersion"], project_version)
        manager = c.load_yaml(os.path.join(c.CONFIG_DIR, "manager", "manager.yaml"))
        image = manager["spec"]["template"]["spec"]["containers"][0]["image"]
        self.assertEqual(image.rsplit(":", 1)[1], project_version)


class MetricsReferencedTest(unittest.TestCase):
    def queried(self):
        with open(os.path.join(c.CONFIG_DIR, "grafana", "ferry-dashboard.json")) as f:
            dashboard = json.load(f)
        rule = c.load_yaml(os.path.join(c.CONFIG_DIR, "prometheus", "prometheusrule.yaml"))
        names = set()
        for expr in c.dashboard_exprs(dashboard) + c.alert_exprs(rule):
            names |= c.metric_names(expr)
        return names

    def test_extraction_understands_promql(self):
        expr = ('sum by (le, stage) (rate(a_bucket{job="x", s=~"a|b"}[$__rate_interval])) / on(x) '
                'group_left(y) max(b) + 1e-9 * histogram_quantile(0.9, c offset 5m) or vector(0)')
        self.assertEqual(c.metric_names(expr), {"a_bucket", "b", "c"})

    def test_every_queried_series_is_listed_and_every_listed_one_is_queried(self):
        listed = c.referenced_metrics()
        queried = self.queried()
        self.assertEqual(sorted(queried - set(listed)), [], "add these to charts/ferry/metrics-referenced.txt")
        self.assertEqual(sorted(set(listed) - queried), [], "no longer queried: remove from metrics-referenced.txt")
        self.assertTrue(set(listed.values()) <= {"operator", "prometheus"})
        for name in listed:
            self.assertRegex(name, r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")


if __name__ == "__main__":
    unittest.main()
