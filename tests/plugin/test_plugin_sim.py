"""kubectl-ferry against the real kube-sim and the real ferry-operator, run through the real
kubectl's plugin discovery (`kubectl ferry ...` with the plugin on PATH): a Release adopted,
paused at a manual step, promoted, aborted, and each command's output and exit code checked
as a script in CI would read them.

Uses the kube-sim fixture of tests/charts (test_sim_apply.Sim) and the binaries of
$FERRY_BINARY_DIR."""
import json
import os
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "charts"))
import chartlib as c  # noqa: E402
from test_sim_apply import Sim  # noqa: E402

OPERATOR = os.path.join(c.BINARY_DIR, "operator", "cmd", "ferry-operator")
PLUGIN_DIR = os.path.join(c.BINARY_DIR, "operator", "plugin")
NS = "plug"
WAIT_S = 90


def deployment(replicas=2):
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": NS},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web"}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
            "template": {"metadata": {"labels": {"app": "web"}},
                         "spec": {"containers": [{"name": "app", "image": "example.com/web:1"}]}},
        },
    }


def release(version):
    return {
        "apiVersion": "ferry.dev/v1alpha1", "kind": "Release",
        "metadata": {"name": "web", "namespace": NS},
        "spec": {
            "targetRef": {"name": "web"},
            "version": version,
            "template": {"containers": [{"name": "app", "image": f"example.com/web:{version}"}]},
            "strategy": {"canary": {"steps": [{"setWeight": 50}, {"pause": {}}]}},
            "progressDeadlineSeconds": 60,
        },
    }


class PluginSimTest(unittest.TestCase):
    def setUp(self):
        self.sim = Sim().__enter__()
        self.addCleanup(self.sim.__exit__)
        self.sim.kubectl("apply", "--server-side", *self.sim.kubectl_validate, "-f", c.CRDS_DIR)
        self.sim.kubectl("wait", "--for=condition=Established", "--timeout=60s", "crd", "--all")
        self.sim.kubectl("create", "namespace", NS)
        self.apply(deployment())
        self.sim.kubectl("rollout", "status", "deployment/web", "-n", NS, "--timeout=60s")
        self.log = open(os.path.join(self.sim.dir, "operator.log"), "w")
        self.operator = subprocess.Popen(
            [OPERATOR, "--kubeconfig", self.sim.kubeconfig, "--metrics-bind-address=127.0.0.1:0",
             "--health-probe-bind-address=127.0.0.1:0", "--webhook-bind-address=0"],
            stdout=self.log, stderr=subprocess.STDOUT)
        self.addCleanup(self.stop_operator)

    def stop_operator(self):
        self.operator.terminate()
        self.operator.wait(timeout=40)
        self.log.close()

    def apply(self, obj):
        with tempfile.NamedTemporaryFile("w", suffix=".json", dir=self.sim.dir, delete=False) as f:
            json.dump(obj, f)
        self.sim.kubectl("apply", "--server-side", "--force-conflicts", *self.sim.kubectl_validate, "-f", f.name)

    def ferry(self, *args):
        """`kubectl ferry ARGS -n plug` through kubectl's plugin discovery."""
        env = dict(os.environ, PATH=PLUGIN_DIR + os.pathsep + os.environ.get("PATH", ""))
        return subprocess.run([c.tool("kubectl"), "ferry", *args, "--kubeconfig", self.sim.kubeconfig],
                              capture_output=True, text=True, timeout=WAIT_S + 30, env=env)

    def phase(self):
        return self.sim.kubectl("get", "release", "web", "-n", NS, "-o", "jsonpath={.status.phase}",
                                check=False).stdout

    def wait_phase(self, want):
        deadline = time.monotonic() + WAIT_S
        while self.phase() != want:
            self.assertLess(time.monotonic(), deadline, f"Release never reached {want}: {self.phase()}")
            time.sleep(0.1)

    def image(self):
        return self.sim.kubectl("get", "deployment", "web", "-n", NS, "-o",
                                "jsonpath={.spec.template.spec.containers[0].image}").stdout

    def test_status_promote_history_abort_through_kubectl(self):
        self.apply(release("1"))
        adopted = self.ferry("status", "web", "-n", NS, "--wait", "--timeout", f"{WAIT_S}s")
        self.assertEqual(adopted.returncode, 0, adopted.stdout + adopted.stderr)

        self.apply(release("2"))
        self.wait_phase("Paused")
        status = self.ferry("status", "web", "-n", NS)
        self.assertEqual(status.returncode, 0, status.stderr)
        for text in ("web", "Paused", "50"):
            self.assertIn(text, status.stdout)
        as_json = json.loads(self.ferry("status", "web", "-n", NS, "-o", "json").stdout)
        self.assertEqual(as_json["kind"], "Release")
        got = self.ferry("get", "-n", NS)
        self.assertEqual(got.returncode, 0, got.stderr)
        self.assertIn("web-canary", got.stdout, "the tree shows the canary Deployment")

        promoted = self.ferry("promote", "web", "-n", NS, "--wait", "--timeout", f"{WAIT_S}s")
        self.assertEqual(promoted.returncode, 0, promoted.stdout + promoted.stderr)
        done = self.ferry("status", "web", "-n", NS, "--wait", "--timeout", f"{WAIT_S}s")
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertEqual(self.image(), "example.com/web:2")
        history = self.ferry("history", "web", "-n", NS)
        self.assertEqual(history.returncode, 0, history.stderr)
        self.assertRegex(history.stdout, r"2\s+Promoted")

        self.apply(release("3"))
        self.wait_phase("Paused")
        aborted = self.ferry("abort", "web", "-n", NS, "--wait", "--timeout", f"{WAIT_S}s")
        self.assertEqual(aborted.returncode, 0, aborted.stdout + aborted.stderr)
        ended = self.ferry("status", "web", "-n", NS, "--wait", "--timeout", f"{WAIT_S}s")
        self.assertEqual(ended.returncode, 3, "exit 3: rolled back\n" + ended.stdout + ended.stderr)
        self.assertEqual(self.image(), "example.com/web:2", "abort leaves the stable version serving")

    def test_errors_and_version(self):
        missing = self.ferry("status", "nosuch", "-n", NS)
        self.assertEqual(missing.returncode, 1)
        self.assertIn('no Release or Pipeline named "nosuch"', missing.stderr)
        usage = self.ferry("frobnicate")
        self.assertEqual(usage.returncode, 2)
        version = self.ferry("version")
        self.assertEqual(version.returncode, 0, version.stderr)
        self.assertRegex(version.stdout, r"Client Version: v\d+\.\d+\.\d+")
        self.assertIn("Server Version: ", version.stdout)


if __name__ == "__main__":
    for binary in (OPERATOR, os.path.join(PLUGIN_DIR, "kubectl-ferry"), os.path.join(c.BINARY_DIR, "sim", "kube-sim")):
        if not os.access(binary, os.X_OK):
            print(f"SKIP: {binary} not built")
            sys.exit(77)
    unittest.main()
