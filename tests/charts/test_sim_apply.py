"""Both renderings applied to the simulator (kube-sim) with the real kubectl and helm:
`kubectl apply -f crds/` (which must ignore crds/Kustomization), `kubectl apply -k
config/default`, and `helm install`/`upgrade`/`uninstall` of the chart, each on a fresh
simulator, with every rendered object then read back. Helm's CRD rule is shown for real: the
CRDs survive `helm uninstall`.

Exits 77 (CTest: skipped), naming what is missing, when kube-sim was not built in this build tree
or does not yet serve every kind the renderings hold (RBAC, PodDisruptionBudget, ...). When the
simulator serves no OpenAPI document, client-side schema validation is turned off (the server
still validates what it stores)."""
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

import chartlib as c

SKIP = 77
KUBE_SIM = os.path.join(c.BINARY_DIR, "sim", "kube-sim")
# Bounded waits: the simulator's start-up line, and each kubectl/helm call (chartlib).
SIM_START_TIMEOUT_S = 60
POLL_INTERVAL_S = 0.05


class Sim:
    """A kube-sim process on 127.0.0.1, any free port, with a kubeconfig in a scratch dir."""

    def __enter__(self):
        self.dir = tempfile.mkdtemp()
        self.kubeconfig = os.path.join(self.dir, "kubeconfig")
        log_path = os.path.join(self.dir, "kube-sim.log")
        # Output goes to a file: a pipe nobody drains would block the simulator once full.
        with open(log_path, "w") as log:
            self.proc = subprocess.Popen([KUBE_SIM, "--port", "0", "--kubeconfig-out", self.kubeconfig],
                                         stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + SIM_START_TIMEOUT_S
        while True:
            with open(log_path) as f:
                seen = f.read()
            if "listening on" in seen and os.path.exists(self.kubeconfig):
                break
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.__exit__()
                raise AssertionError(f"kube-sim did not start: {seen!r}")
            time.sleep(POLL_INTERVAL_S)
        openapi = self.kubectl("get", "--raw", "/openapi/v2", check=False).returncode == 0
        self.kubectl_validate = [] if openapi else ["--validate=false"]
        self.helm_validate = [] if openapi else ["--disable-openapi-validation"]
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    def served_kinds(self):
        """{(group, kind)} from discovery."""
        out = set()
        for line in self.kubectl("api-resources", "--no-headers").stdout.splitlines():
            words = line.split()
            group = words[-3].split("/")[0] if "/" in words[-3] else ""
            out.add((group, words[-1]))
        return out

    def kubectl(self, *args, check=True):
        return c.run([c.tool("kubectl"), "--kubeconfig", self.kubeconfig, *args], check=check)

    def helm(self, *args, check=True):
        return c.run([c.tool("helm"), "--kubeconfig", self.kubeconfig, *args], check=check)

    def assert_exists(self, test, objs):
        for o in objs:
            kind, ns, name = c.key(o)
            group = o["apiVersion"].split("/")[0] if "/" in o["apiVersion"] else ""
            resource = f"{kind.lower()}{'.' + group if group else ''}/{name}"
            args = ["get", resource, "-o", "name"] + (["-n", ns] if ns else [])
            proc = self.kubectl(*args, check=False)
            test.assertEqual(proc.returncode, 0, f"{c.key(o)} not found: {proc.stderr}")


def needed_kinds():
    """{(group, kind)} of every object the tests apply."""
    objs = c.kustomize(os.path.join(c.CONFIG_DIR, "default"))
    objs += c.helm_template(set_args=["replicaCount=2"])[0]
    return {(o["apiVersion"].rpartition("/")[0], o["kind"]) for o in objs}


def crd_names():
    return sorted(o["metadata"]["name"] for o in c.kustomize(os.path.join(c.CONFIG_DIR, "crd")))


class SimApplyTest(unittest.TestCase):
    def test_plain_manifests_apply(self):
        with Sim() as sim:
            out = sim.kubectl("apply", "--server-side", *sim.kubectl_validate, "-f", c.CRDS_DIR).stdout
            for name in crd_names():
                self.assertIn(name, out)
            sim.kubectl("wait", "--for=condition=Established", "--timeout=60s",
                        *[f"crd/{n}" for n in crd_names()])
            sim.kubectl("apply", "--server-side", *sim.kubectl_validate, "-k", os.path.join(c.CONFIG_DIR, "default"))
            sim.assert_exists(self, c.kustomize(os.path.join(c.CONFIG_DIR, "default")))

    def test_helm_install_upgrade_uninstall(self):
        with Sim() as sim:
            sim.helm("install", c.RELEASE, c.CHART_DIR, "--namespace", c.NAMESPACE, "--create-namespace",
                     *sim.helm_validate)
            rendered, _ = c.helm_template(include_crds=True)
            sim.assert_exists(self, rendered)
            ha = ["--set", "replicaCount=2"]
            sim.helm("upgrade", c.RELEASE, c.CHART_DIR, "--namespace", c.NAMESPACE, *ha, *sim.helm_validate)
            rendered, _ = c.helm_template(set_args=["replicaCount=2"], include_crds=False)
            sim.assert_exists(self, c.by_kind(rendered, "PodDisruptionBudget"))
            sim.helm("uninstall", c.RELEASE, "--namespace", c.NAMESPACE)
            gone = sim.kubectl("get", "deployment", "ferry", "-n", c.NAMESPACE, check=False)
            self.assertNotEqual(gone.returncode, 0)
            for name in crd_names():
                sim.kubectl("get", f"crd/{name}")   # Helm never deletes CRDs


if __name__ == "__main__":
    if not os.access(KUBE_SIM, os.X_OK):
        print(f"SKIP: {KUBE_SIM} not built (build the sim component in this tree)")
        sys.exit(SKIP)
    with Sim() as probe:
        missing = needed_kinds() - probe.served_kinds()
    if missing:
        print("SKIP: kube-sim does not serve " + ", ".join(sorted(f"{k}.{g}" if g else k for g, k in missing)))
        sys.exit(SKIP)
    unittest.main()
