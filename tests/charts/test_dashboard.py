"""The Grafana dashboard (config/grafana/ferry-dashboard.json): valid dashboard JSON a Grafana
sidecar can load, every query valid PromQL (checked by promtool), a sane grid, and the views
issue 10 asks for."""
import json
import os
import re
import shutil
import tempfile
import unittest

import yaml

import chartlib as c

GRID_COLUMNS = 24


def load():
    with open(os.path.join(c.CONFIG_DIR, "grafana", "ferry-dashboard.json")) as f:
        return json.load(f)


def all_panels(dashboard):
    out = []
    def walk(panels):
        for p in panels:
            out.append(p)
            walk(p.get("panels", []))
    walk(dashboard["panels"])
    return out


class DashboardTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dash = load()
        cls.panels = all_panels(cls.dash)

    def test_identity(self):
        self.assertEqual(self.dash["uid"], "ferry-overview")
        self.assertEqual(self.dash["title"], "Ferry")
        self.assertGreaterEqual(self.dash["schemaVersion"], 36)
        self.assertNotIn("id", self.dash, "a provisioned dashboard must not carry a database id")

    def test_panel_ids_unique_and_grid_without_overlap(self):
        ids = [p["id"] for p in self.panels]
        self.assertEqual(len(ids), len(set(ids)))
        cells = {}
        for p in self.panels:
            g = p["gridPos"]
            self.assertGreater(g["w"], 0)
            self.assertGreater(g["h"], 0)
            self.assertLessEqual(g["x"] + g["w"], GRID_COLUMNS, p["title"])
            for x in range(g["x"], g["x"] + g["w"]):
                for y in range(g["y"], g["y"] + g["h"]):
                    self.assertNotIn((x, y), cells, f"{p['title']} overlaps {cells.get((x, y))}")
                    cells[(x, y)] = p["title"]

    def test_queries_use_the_datasource_variable_and_defined_variables(self):
        variables = {v["name"] for v in self.dash["templating"]["list"]} | {
            "__rate_interval", "__interval", "__range", "__range_s"}
        self.assertIn("datasource", variables)
        for p in self.panels:
            if p["type"] == "row":
                continue
            with self.subTest(panel=p["title"]):
                self.assertEqual(p["datasource"]["uid"], "${datasource}")
                self.assertTrue(p["targets"])
                self.assertTrue(p.get("description"))
                ref_ids = [t["refId"] for t in p["targets"]]
                self.assertEqual(len(ref_ids), len(set(ref_ids)))
                for t in p["targets"]:
                    for var in re.findall(r"\$\{?(\w+)", t["expr"]):
                        self.assertIn(var, variables)

    def test_every_query_is_valid_promql(self):
        """promtool parses each query as a recording rule (Grafana variables substituted)."""
        rules = [{"record": f"ferry:dashboard:query{i}", "expr": c.grafana_expr_to_promql(e)}
                 for i, e in enumerate(c.dashboard_exprs(self.dash))]
        self.assertGreater(len(rules), 15)
        tmp = tempfile.mkdtemp()
        try:
            path = os.path.join(tmp, "dashboard.rules.yaml")
            with open(path, "w") as f:
                yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}, f)
            proc = c.run([c.tool("promtool"), "check", "rules", path], check=False)
            self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        finally:
            shutil.rmtree(tmp)

    def test_shows_what_issue_10_asks_for(self):
        titles = " | ".join(p["title"].lower() for p in self.panels)
        for view in ("releases in flight", "canary weight", "analysis values against thresholds",
                     "rollbacks", "stage duration against estimate", "deployment frequency",
                     "lead time for changes", "change failure rate", "time to restore"):
            self.assertIn(view, titles)
        exprs = " ".join(c.dashboard_exprs(self.dash))
        self.assertIn("ferry_analysis_threshold", exprs)
        self.assertIn("ferry_pipeline_stage_estimate_seconds", exprs)


if __name__ == "__main__":
    unittest.main()
