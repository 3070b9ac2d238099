"""metrics_contract: reading a /metrics exposition and finding what the dashboard and alerts
need but the operator does not serve."""
import unittest

import chartlib as c
import metrics_contract as mc

EXPOSITION = """\
# HELP ferry_reconcile_total Reconciles by controller and result.
# TYPE ferry_reconcile_total counter
ferry_reconcile_total{controller="release",result="success"} 3
# HELP ferry_pipeline_stage_duration_seconds Stage durations.
# TYPE ferry_pipeline_stage_duration_seconds histogram
# HELP workqueue_depth Depth.
# TYPE workqueue_depth gauge
workqueue_depth{name="release"} 0
ferry_leader_election_master_status 1
"""


class MetricsContractTest(unittest.TestCase):
    def test_served_series_reads_samples_and_declared_families(self):
        served = mc.served_series(EXPOSITION)
        for name in ("ferry_reconcile_total", "workqueue_depth", "ferry_leader_election_master_status",
                     "ferry_pipeline_stage_duration_seconds_bucket", "ferry_pipeline_stage_duration_seconds_count"):
            self.assertIn(name, served)
        self.assertNotIn("HELP", served)
        self.assertNotIn("ferry_reconcile_total_bucket", served)

    def test_missing_series_lists_only_operator_names_not_served(self):
        missing = mc.missing_series(EXPOSITION)
        self.assertIn("ferry_release_canary_weight", missing)
        self.assertNotIn("ferry_reconcile_total", missing)
        self.assertNotIn("ferry_pipeline_stage_duration_seconds_bucket", missing)
        self.assertNotIn("up", missing, "added by Prometheus, not the operator")
        full = "\n".join(f"{n} 1" for n, o in c.referenced_metrics().items() if o == "operator")
        self.assertEqual(mc.missing_series(full), [])


if __name__ == "__main__":
    unittest.main()
