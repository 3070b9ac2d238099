"""Ferry's alerts (config/prometheus/prometheusrule.yaml, shipped by the chart) are valid
Prometheus rules and behave: `promtool check rules`, then `promtool test rules` with
alerts_test.yaml, on the plain manifest and on the chart's rendering."""
import os
import shutil
import tempfile
import unittest

import yaml

import chartlib as c

HERE = os.path.dirname(os.path.abspath(__file__))


def promtool_on(rule, test):
    """Writes rule's groups as a rules file beside a copy of alerts_test.yaml and runs promtool."""
    tmp = tempfile.mkdtemp()
    try:
        with open(os.path.join(tmp, "ferry-alerts.rules.yaml"), "w") as f:
            yaml.safe_dump({"groups": rule["spec"]["groups"]}, f, sort_keys=False)
        shutil.copy(os.path.join(HERE, "alerts_test.yaml"), tmp)
        check = c.run([c.tool("promtool"), "check", "rules", "ferry-alerts.rules.yaml"], check=False, cwd=tmp)
        test.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        unit = c.run([c.tool("promtool"), "test", "rules", "alerts_test.yaml"], check=False, cwd=tmp)
        test.assertEqual(unit.returncode, 0, unit.stdout + unit.stderr)
    finally:
        shutil.rmtree(tmp)


class AlertsTest(unittest.TestCase):
    def test_plain_manifest_rules_pass_promtool(self):
        promtool_on(c.load_yaml(os.path.join(c.CONFIG_DIR, "prometheus", "prometheusrule.yaml")), self)

    def test_chart_rules_pass_promtool(self):
        objs, _ = c.helm_template({"metrics": {"prometheusRule": {"enabled": True}}}, include_crds=False)
        promtool_on(c.one(objs, "PrometheusRule"), self)

    def test_every_alert_is_unit_tested(self):
        rule = c.load_yaml(os.path.join(c.CONFIG_DIR, "prometheus", "prometheusrule.yaml"))
        alerts = {r["alert"] for g in rule["spec"]["groups"] for r in g["rules"]}
        tests = c.load_yaml(os.path.join(HERE, "alerts_test.yaml"))["tests"]
        fired = {t["alertname"] for case in tests for t in case.get("alert_rule_test", []) if t["exp_alerts"]}
        self.assertEqual(sorted(alerts - fired), [], "alerts never shown to fire in alerts_test.yaml")
        for r in (r for g in rule["spec"]["groups"] for r in g["rules"]):
            self.assertIn(r["labels"]["severity"], ("critical", "warning"))
            self.assertTrue(r["annotations"]["summary"] and r["annotations"]["description"])


if __name__ == "__main__":
    unittest.main()
