"""The operator runs with exactly the chart's permissions: the rules `helm template charts/ferry`
binds to the operator's ServiceAccount (the same as `kubectl kustomize config/default` binds)
become kube-sim --grant flags for that ServiceAccount's user, and the real ferry-operator, holding
only that user's token, adopts a Deployment, rolls a canary routed by an HTTPRoute to Healthy,
runs a Pipeline and hands its revision to the Release, with leader election on. Not one request
may be forbidden (the operator's log and kube-sim's /sim/stats both tell). A second test takes
one needed verb away and sees the operator report Forbidden, so the check can fail.

Exits 77 (CTest: skipped) when kube-sim or ferry-operator is not built in this build tree, or the
built kube-sim predates namespaced grants (`--grant ...@NAMESPACE`, needed for Roles)."""
import base64
import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

import yaml

import chartlib as c

SKIP = 77
KUBE_SIM = os.path.join(c.BINARY_DIR, "sim", "kube-sim")
OPERATOR = os.path.join(c.BINARY_DIR, "operator", "cmd", "ferry-operator")
ADMIN_TOKEN = "rbac-test-admin"
SA_TOKEN = "rbac-test-service-account"
APP_NS = "shop"
APP = "web"
REVISION = "1111111111111111111111111111111111111111"
START_TIMEOUT_S = 60
# Bound on each wait for the operator (adoption, a canary, a pipeline run): generous for a
# loaded 2-core machine; the whole test takes well under a minute when idle.
WAIT_TIMEOUT_S = 90
POLL_INTERVAL_S = 0.1
FORBIDDEN = re.compile(r"forbidden|\b403\b", re.IGNORECASE)


def eventually(pred, what, timeout=WAIT_TIMEOUT_S, describe=lambda: ""):
    """Polls pred until it returns a truthy value (returned) or timeout (AssertionError)."""
    deadline = time.monotonic() + timeout
    while True:
        got = pred()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}\n{describe()}")
        time.sleep(POLL_INTERVAL_S)


# --- The chart's permissions ------------------------------------------------------------------

def service_account(objs):
    sa = c.one(objs, "ServiceAccount")
    return sa["metadata"]["namespace"], sa["metadata"]["name"]


def bound_permissions(objs, sa_ns, sa_name):
    """{(namespace or "" for cluster-wide, apiGroup, resource, verb)} granted to the ServiceAccount
    by every (Cluster)RoleBinding naming it. Fails on what kube-sim grants cannot express."""
    roles = {(o["kind"], o["metadata"].get("namespace", ""), o["metadata"]["name"]): o
             for o in objs if o["kind"] in ("Role", "ClusterRole")}
    out = set()
    for b in objs:
        if b["kind"] not in ("RoleBinding", "ClusterRoleBinding"):
            continue
        if not any(s.get("kind") == "ServiceAccount" and s.get("name") == sa_name
                   and s.get("namespace") == sa_ns for s in b.get("subjects", [])):
            continue
        ns = b["metadata"]["namespace"] if b["kind"] == "RoleBinding" else ""
        ref = b["roleRef"]
        role = roles.get((ref["kind"], ns if ref["kind"] == "Role" else "", ref["name"]))
        if role is None:
            raise AssertionError(f"{c.key(b)} binds {ref}, which the rendering does not hold")
        for rule in role.get("rules", []):
            unsupported = {"resourceNames", "nonResourceURLs"} & set(rule)
            if unsupported or "*" in rule.get("apiGroups", []):
                raise AssertionError(f"{c.key(role)}: kube-sim grants cannot express {rule}")
            for group in rule["apiGroups"]:
                for resource in rule["resources"]:
                    out.update((ns, group, resource, verb) for verb in rule["verbs"])
    return out


def grant_flags(user, permissions):
    """kube-sim --grant flags: NAME=VERBS@RESOURCE[.GROUP][@NAMESPACE]."""
    verbs = {}
    for ns, group, resource, verb in permissions:
        verbs.setdefault((ns, group, resource), set()).add(verb)
    flags = []
    for (ns, group, resource), vs in sorted(verbs.items()):
        target = resource + (f".{group}" if group else "") + (f"@{ns}" if ns else "")
        flags += ["--grant", f"{user}={','.join(sorted(vs))}@{target}"]
    return flags


def operator_args(objs, sa_ns):
    """The chart's operator arguments, bound to loopback ports, with $(POD_NAMESPACE) resolved."""
    deployment = c.one(objs, "Deployment")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    local = {"--metrics-bind-address", "--health-probe-bind-address", "--webhook-bind-address"}
    args = [a.replace("$(POD_NAMESPACE)", sa_ns) for a in container["args"]
            if a.split("=", 1)[0] not in local]
    return args + [f"{flag}=127.0.0.1:0" for flag in sorted(local)]


HELM_OBJS = c.helm_template(include_crds=False)[0]
SA_NS, SA_NAME = service_account(HELM_OBJS)
SA_USER = f"system:serviceaccount:{SA_NS}:{SA_NAME}"
CHART_PERMISSIONS = bound_permissions(HELM_OBJS, SA_NS, SA_NAME)


# --- The simulator and the operator --------------------------------------------------------------

class Cluster:
    """kube-sim (admin token + the ServiceAccount's token and grants) and ferry-operator holding
    only the ServiceAccount's token. Every process is stopped on exit, also after a failure."""

    def __init__(self, permissions):
        self.permissions = permissions
        self.procs = []

    def __enter__(self):
        self.dir = tempfile.mkdtemp()
        try:
            self._start_sim()
            self._create_base()
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        for proc in reversed(self.procs):
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.procs = []
        shutil.rmtree(self.dir, ignore_errors=True)

    def _spawn(self, args, log_name):
        log_path = os.path.join(self.dir, log_name)
        with open(log_path, "w") as log:   # a file: an undrained pipe would block the process
            self.procs.append(subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT))
        return log_path

    def _start_sim(self):
        self.kubeconfig = os.path.join(self.dir, "admin.kubeconfig")
        # TLS: kubectl sends bearer tokens only over HTTPS.
        args = [KUBE_SIM, "--port", "0", "--tls", "--kubeconfig-out", self.kubeconfig,
                "--token", ADMIN_TOKEN, "--user", f"{SA_TOKEN}={SA_USER}",
                *grant_flags(SA_USER, self.permissions)]
        self.sim_log = self._spawn(args, "kube-sim.log")
        proc = self.procs[-1]
        written = lambda: os.path.exists(self.kubeconfig) and ADMIN_TOKEN in read(self.kubeconfig)
        started = lambda: "listening on" in read(self.sim_log) and written()
        eventually(lambda: started() or proc.poll() is not None, "kube-sim to start", START_TIMEOUT_S)
        if proc.poll() is not None:
            raise AssertionError(f"kube-sim exited: {read(self.sim_log)}")
        config = c.load_yaml(self.kubeconfig)
        cluster = config["clusters"][0]["cluster"]
        self.server = cluster["server"]
        self.tls = ssl.create_default_context(
            cadata=base64.b64decode(cluster["certificate-authority-data"]).decode())
        config["users"][0]["user"] = {"token": SA_TOKEN}
        self.sa_kubeconfig = os.path.join(self.dir, "sa.kubeconfig")
        with open(self.sa_kubeconfig, "w") as f:
            yaml.safe_dump(config, f)

    def _create_base(self):
        self.kubectl("apply", "--server-side", "--validate=false", "-f", c.CRDS_DIR)
        self.kubectl("wait", "--for=condition=Established", "--timeout=60s", "crd", "--all")
        for ns in sorted({SA_NS, APP_NS}):
            self.kubectl("create", "namespace", ns)

    def kubectl(self, *args, stdin=None, check=True):
        return c.run([c.tool("kubectl"), "--kubeconfig", self.kubeconfig, *args], check=check,
                     input=stdin)

    def apply(self, obj):
        self.kubectl("apply", "--server-side", "--validate=false", "-f", "-", stdin=json.dumps(obj))

    def get(self, resource, name, ns=APP_NS):
        """The object, or {} when it does not exist; any other failure raises."""
        proc = self.kubectl("get", resource, name, "-n", ns, "-o", "json", check=False)
        if proc.returncode != 0 and "NotFound" not in proc.stderr:
            raise AssertionError(f"kubectl get {resource} {name}: {proc.stderr}")
        return json.loads(proc.stdout) if proc.returncode == 0 else {}

    def sim_stats(self):
        with urllib.request.urlopen(self.server + "/sim/stats", timeout=10, context=self.tls) as r:
            return json.load(r)

    def start_operator(self):
        args = [OPERATOR, f"--kubeconfig={self.sa_kubeconfig}", *operator_args(HELM_OBJS, SA_NS)]
        self.operator_log = self._spawn(args, "ferry-operator.log")

    def operator_output(self):
        return read(self.operator_log)


def read(path):
    with open(path, errors="replace") as f:
        return f.read()


def at(obj, *path):
    for p in path:
        obj = obj.get(p, {}) if isinstance(obj, dict) else (obj[p] if len(obj) > p else {})
    return obj


# --- The objects the operator drives -------------------------------------------------------------

def image(tag):
    return f"registry.example.com/web:{tag}"


def target_deployment():
    labels = {"app": APP}
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": APP, "namespace": APP_NS},
            "spec": {"replicas": 2, "selector": {"matchLabels": labels},
                     "strategy": {"type": "RollingUpdate",
                                  "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}},
                     "template": {"metadata": {"labels": labels}, "spec": {"containers": [
                         {"name": "server", "image": image("1")}]}}}}


def stable_service():
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": APP, "namespace": APP_NS},
            "spec": {"selector": {"app": APP},
                     "ports": [{"name": "http", "port": 80, "targetPort": 8080}]}}


def http_route():
    """The user's route to the stable Service; Ferry shifts its weights during a canary."""
    return {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
            "metadata": {"name": APP, "namespace": APP_NS},
            "spec": {"parentRefs": [{"name": "public"}], "hostnames": ["web.example.com"],
                     "rules": [{"matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
                                "backendRefs": [{"name": APP, "port": 80, "weight": 100}]}]}}


def release(version):
    """A canary routed by the Gateway API: 50% of the route's weight, then 100%."""
    routing = {"stableService": APP, "gatewayAPI": {"httpRoute": APP}}
    return {"apiVersion": "ferry.dev/v1alpha1", "kind": "Release",
            "metadata": {"name": APP, "namespace": APP_NS},
            "spec": {"targetRef": {"name": APP}, "version": version,
                     "template": {"containers": [{"name": "server", "image": image(version)}]},
                     "strategy": {"canary": {"trafficRouting": routing,
                                             "steps": [{"setWeight": 50}, {"setWeight": 100}]}}}}


def pipeline():
    """One stage (a simulated pod exiting 0), then the revision handed off to the Release. (The
    image names the revision, not a stage result: results are covered by tests/integration.)"""
    stage = {"name": "build", "image": "example.com/tools:1", "checkout": False,
             "podMetadata": {"annotations": {"sim/exit-code": "0", "sim/duration-seconds": "0.5"}}}
    return {"apiVersion": "ferry.dev/v1alpha1", "kind": "Pipeline",
            "metadata": {"name": APP, "namespace": APP_NS},
            "spec": {"source": {"url": "https://git.example.com/acme/web.git",
                                "revision": REVISION},
                     "stages": [stage],
                     "handoff": {"releaseRef": {"name": APP},
                                 "image": image("$(revision)")}}}


def target_image(k):
    return at(k.get("deployment", APP), "spec", "template", "spec", "containers", 0, "image")


class RbacTest(unittest.TestCase):
    def test_renderings_grant_the_same_rules(self):
        kustomized = c.kustomize(os.path.join(c.CONFIG_DIR, "default"))
        self.assertEqual(service_account(kustomized), (SA_NS, SA_NAME))
        self.assertEqual(bound_permissions(kustomized, SA_NS, SA_NAME), CHART_PERMISSIONS)
        # Leases only in the operator's namespace (a Role), never cluster-wide.
        leases = {p for p in CHART_PERMISSIONS if p[2] == "leases"}
        self.assertTrue(leases)
        self.assertEqual({p[0] for p in leases}, {SA_NS})

    def test_operator_with_chart_permissions_releases_and_runs_a_pipeline(self):
        with Cluster(CHART_PERMISSIONS) as k:
            k.apply(target_deployment())
            k.apply(stable_service())
            k.apply(http_route())
            declared_route = k.get("httproutes.gateway.networking.k8s.io", APP)["spec"]
            eventually(lambda: at(k.get("deployment", APP), "status", "availableReplicas") == 2,
                       "the target Deployment to become available")
            k.apply(release("1"))
            k.start_operator()
            describe = lambda: self.describe(k)

            def healthy_on(version):
                r = k.get("releases.ferry.dev", APP)
                return at(r, "status", "phase") == "Healthy" and \
                    at(r, "status", "stable", "version") == version
            eventually(lambda: healthy_on("1"), "adoption of version 1", describe=describe)
            k.apply(release("2"))   # a canary: 50%, then 100%
            eventually(lambda: healthy_on("2"), "the canary to version 2", describe=describe)
            self.assertEqual(target_image(k), image("2"))
            self.assertTrue(k.get("service", f"{APP}-canary"), "no canary Service was applied")
            route = lambda: k.get("httproutes.gateway.networking.k8s.io", APP)["spec"]
            eventually(lambda: route() == declared_route,
                       "the HTTPRoute to return to its declared weights", describe=describe)

            k.apply(pipeline())
            pipeline_phase = lambda: at(k.get("pipelines.ferry.dev", APP), "status", "phase")
            eventually(lambda: pipeline_phase() == "Succeeded", "the pipeline run to succeed",
                       describe=describe)
            run = at(k.get("pipelines.ferry.dev", APP), "status", "currentRun")
            self.assertEqual(at(run, "stages", 0, "phase"), "Succeeded", run)
            self.assertEqual(at(run, "handoff", "phase"), "Succeeded", run)
            eventually(lambda: healthy_on(REVISION), "the handed-off version to roll out",
                       describe=describe)
            self.assertEqual(target_image(k), image(REVISION))

            lease_id = next(a.split("=", 1)[1] for a in operator_args(HELM_OBJS, SA_NS)
                            if a.startswith("--leader-election-id="))
            lease = k.get("leases.coordination.k8s.io", lease_id, ns=SA_NS)
            self.assertTrue(at(lease, "spec", "holderIdentity"), f"no leader Lease: {lease}")
            forbidden = [l for l in k.operator_output().splitlines() if FORBIDDEN.search(l)]
            self.assertEqual(forbidden, [], "the operator was refused with the chart's rules")
            self.assertEqual(k.sim_stats()["forbidden"]["count"], 0, k.sim_stats()["forbidden"])

    def test_a_missing_rule_is_reported_forbidden(self):
        missing = ("", "batch", "jobs", "create")
        self.assertIn(missing, CHART_PERMISSIONS)
        with Cluster(CHART_PERMISSIONS - {missing}) as k:
            k.start_operator()
            k.apply(pipeline())
            eventually(lambda: any(FORBIDDEN.search(l) and "jobs" in l
                                   for l in k.operator_output().splitlines()),
                       "the operator to log the forbidden Job creation",
                       describe=lambda: self.describe(k))
            messages = k.sim_stats()["forbidden"]["messages"]
            self.assertTrue(any("cannot create resource \"jobs\"" in m for m in messages), messages)

    @staticmethod
    def describe(k):
        out = [f"{kind}: {json.dumps(k.get(kind, APP).get('status'), indent=1)}"
               for kind in ("releases.ferry.dev", "pipelines.ferry.dev")]
        out.append("operator log (tail):\n" + "\n".join(k.operator_output().splitlines()[-40:]))
        out.append(f"kube-sim forbidden: {k.sim_stats().get('forbidden')}")
        return "\n".join(out)


def missing_binaries():
    missing = [p for p in (KUBE_SIM, OPERATOR) if not os.access(p, os.X_OK)]
    if missing:
        return f"not built in this tree: {', '.join(missing)}"
    if "@NS" not in c.run([KUBE_SIM, "--help"], check=False).stdout:
        return f"{KUBE_SIM} predates namespaced grants (rebuild kube-sim)"
    return ""


if __name__ == "__main__":
    reason = missing_binaries()
    if reason:
        print(f"SKIP: {reason}")
        sys.exit(SKIP)
    unittest.main()
