"""The Helm chart charts/ferry, rendered by the real helm: lint, every mode of the chart, the
security posture, least-privilege RBAC, and values.schema.json rejecting bad values."""
import json
import os
import shutil
import tempfile
import unittest

import yaml

import chartlib as c

VALUES_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "values")
SCENARIOS = ["namespaced.yaml", "ha.yaml", "monitoring.yaml", "everything.yaml"]

# What ferry-operator may do, written out independently of config/rbac/role.yaml so a change
# there must be made here too, on purpose. (apiGroup, resource) -> verbs.
EXPECTED_RULES = {
    ("ferry.dev", "pipelines"): {"get", "list", "watch", "patch"},
    ("ferry.dev", "releases"): {"get", "list", "watch", "patch"},
    ("ferry.dev", "pipelines/status"): {"get", "patch"},
    ("ferry.dev", "releases/status"): {"get", "update", "patch"},
    ("ferry.dev", "pipelines/finalizers"): {"update"},
    ("ferry.dev", "releases/finalizers"): {"update"},
    ("apps", "deployments"): {"get", "list", "watch", "create", "patch", "delete"},
    ("apps", "replicasets"): {"list"},
    ("", "pods"): {"list", "watch"},
    ("batch", "jobs"): {"get", "list", "watch", "create", "delete"},
    ("", "services"): {"get", "create", "patch"},
    ("networking.k8s.io", "ingresses"): {"get", "create", "patch", "delete"},
    ("gateway.networking.k8s.io", "httproutes"): {"get", "patch"},
    ("", "secrets"): {"get"},
    ("", "events"): {"create", "patch"},
}
EXPECTED_LEADER_ELECTION_RULES = {
    ("coordination.k8s.io", "leases"): {"get", "create", "update"},
    ("", "events"): {"create", "patch"},
}


def flatten_rules(rules):
    """RBAC rules as {(group, resource): verbs}; fails on wildcards and resourceNames."""
    out = {}
    for r in rules:
        assert set(r) <= {"apiGroups", "resources", "verbs"}, f"unexpected rule fields: {r}"
        for g in r["apiGroups"]:
            for res in r["resources"]:
                assert "*" not in (g, res) and "*" not in r["verbs"], f"wildcard in {r}"
                out.setdefault((g, res), set()).update(r["verbs"])
    return out


def scenario(name):
    return c.load_yaml(os.path.join(VALUES_DIR, name))


def container(objs):
    return c.one(objs, "Deployment")["spec"]["template"]["spec"]["containers"][0]


class LintTest(unittest.TestCase):
    def test_lint_strict_with_default_and_every_scenario(self):
        c.run([c.tool("helm"), "lint", "--strict", c.CHART_DIR])
        for name in SCENARIOS:
            with self.subTest(values=name):
                proc = c.run([c.tool("helm"), "lint", "--strict", c.CHART_DIR,
                              "--values", os.path.join(VALUES_DIR, name)], check=False)
                self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)

    def test_every_scenario_renders_and_is_valid_yaml_with_names_and_kinds(self):
        for name in SCENARIOS:
            with self.subTest(values=name):
                objs, _ = c.helm_template(scenario(name))
                keys = [c.key(o) for o in objs]
                self.assertEqual(len(keys), len(set(keys)), f"duplicate objects: {keys}")
                for o in objs:
                    self.assertIn("apiVersion", o)
                    self.assertLessEqual(len(o["metadata"]["name"]), 63)


class DefaultRenderingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.objs, _ = c.helm_template(include_crds=False)

    def test_renders_exactly_the_default_kinds(self):
        kinds = sorted(c.key(o)[0] for o in self.objs)
        self.assertEqual(kinds, sorted(["ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role",
                                        "RoleBinding", "Deployment", "Service", "Service"]))

    def test_namespaced_objects_name_their_namespace(self):
        """So `helm template | kubectl apply -f -` lands objects where helm install would."""
        for name in ["default.yaml"] + SCENARIOS:
            objs, _ = c.helm_template({} if name == "default.yaml" else scenario(name), include_crds=False)
            for o in objs:
                with self.subTest(values=name, object=c.key(o)):
                    cluster_scoped = o["kind"] in ("ClusterRole", "ClusterRoleBinding")
                    self.assertEqual("namespace" in o["metadata"], not cluster_scoped)

    def test_every_object_has_the_standard_labels(self):
        for o in self.objs:
            labels = o["metadata"]["labels"]
            for k in ("app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/component",
                      "app.kubernetes.io/part-of", "app.kubernetes.io/version", "app.kubernetes.io/managed-by",
                      "helm.sh/chart"):
                self.assertIn(k, labels, c.key(o))

    def test_pod_and_container_are_locked_down(self):
        pod = c.one(self.objs, "Deployment")["spec"]["template"]["spec"]
        psc, csc = pod["securityContext"], pod["containers"][0]["securityContext"]
        self.assertIs(psc["runAsNonRoot"], True)
        self.assertIsInstance(psc["runAsUser"], int)
        self.assertNotEqual(psc["runAsUser"], 0)
        self.assertEqual(psc["seccompProfile"], {"type": "RuntimeDefault"})
        self.assertIs(csc["runAsNonRoot"], True)
        self.assertIs(csc["readOnlyRootFilesystem"], True)
        self.assertIs(csc["allowPrivilegeEscalation"], False)
        self.assertEqual(csc["capabilities"], {"drop": ["ALL"]})
        self.assertEqual(csc["seccompProfile"], {"type": "RuntimeDefault"})
        self.assertNotIn("hostNetwork", pod)
        mounts = {m["mountPath"] for m in pod["containers"][0]["volumeMounts"]}
        self.assertIn("/tmp", mounts, "a read-only root filesystem needs a writable /tmp")

    def test_probes_use_the_health_port(self):
        ct = container(self.objs)
        ports = {p["name"]: p["containerPort"] for p in ct["ports"]}
        self.assertEqual(ports, {"metrics": 8080, "health": 8081, "webhook": 8443})
        self.assertEqual(ct["livenessProbe"]["httpGet"], {"path": "/healthz", "port": "health"})
        self.assertEqual(ct["readinessProbe"]["httpGet"], {"path": "/readyz", "port": "health"})
        self.assertIn("requests", ct["resources"])
        self.assertIn("memory", ct["resources"]["limits"])

    def test_args_enable_leader_election_and_bind_the_ports(self):
        args = container(self.objs)["args"]
        for a in ("--metrics-bind-address=:8080", "--health-probe-bind-address=:8081",
                  "--webhook-bind-address=:8443", "--leader-elect", "--leader-election-id=ferry-operator",
                  "--leader-election-namespace=$(POD_NAMESPACE)", "--log-format=json"):
            self.assertIn(a, args)
        self.assertFalse([a for a in args if a.startswith("--namespace")], "watches all namespaces")
        self.assertFalse([a for a in args if a.startswith(("--qps", "--burst", "--workers"))],
                         "unset tuning values keep the operator's defaults")
        env = {e["name"]: e for e in container(self.objs)["env"]}
        self.assertEqual(env["POD_NAMESPACE"]["valueFrom"]["fieldRef"]["fieldPath"], "metadata.namespace")

    def test_image_defaults_to_app_version(self):
        app_version = c.load_yaml(os.path.join(c.CHART_DIR, "Chart.yaml"))["appVersion"]
        self.assertEqual(container(self.objs)["image"], f"ghcr.io/ferry-dev/ferry-operator:{app_version}")

    def test_cluster_role_has_exactly_the_expected_rules(self):
        self.assertEqual(flatten_rules(c.one(self.objs, "ClusterRole")["rules"]), EXPECTED_RULES)
        binding = c.one(self.objs, "ClusterRoleBinding")
        self.assertEqual(binding["roleRef"]["name"], c.one(self.objs, "ClusterRole")["metadata"]["name"])
        self.assertEqual(binding["subjects"], [{"kind": "ServiceAccount", "name": "ferry", "namespace": c.NAMESPACE}])

    def test_leader_election_role_is_namespaced_to_the_release(self):
        role = c.one(self.objs, "Role")
        self.assertEqual(role["metadata"]["namespace"], c.NAMESPACE)
        self.assertEqual(flatten_rules(role["rules"]), EXPECTED_LEADER_ELECTION_RULES)
        self.assertEqual(c.one(self.objs, "RoleBinding")["roleRef"]["name"], role["metadata"]["name"])

    def test_services_select_the_pods_and_target_named_ports(self):
        dep = c.one(self.objs, "Deployment")
        pod_labels = dep["spec"]["template"]["metadata"]["labels"]
        self.assertLessEqual(dep["spec"]["selector"]["matchLabels"].items(), pod_labels.items())
        port_names = {p["name"] for p in container(self.objs)["ports"]}
        names = set()
        for svc in c.by_kind(self.objs, "Service"):
            names.add(svc["metadata"]["name"])
            self.assertLessEqual(svc["spec"]["selector"].items(), pod_labels.items())
            for p in svc["spec"]["ports"]:
                self.assertIn(p["targetPort"], port_names)
        self.assertEqual(names, {"ferry-metrics", "ferry-webhook"})

    def test_single_replica_has_no_pdb(self):
        self.assertEqual(c.one(self.objs, "Deployment")["spec"]["replicas"], 1)
        self.assertFalse(c.by_kind(self.objs, "PodDisruptionBudget"))


class ScenarioTest(unittest.TestCase):
    def test_namespaced_mode_uses_a_role_in_the_watched_namespace(self):
        objs, _ = c.helm_template(scenario("namespaced.yaml"), include_crds=False)
        self.assertFalse(c.by_kind(objs, "ClusterRole") + c.by_kind(objs, "ClusterRoleBinding"))
        role, le_role = c.one(objs, "Role", "ferry"), c.one(objs, "Role", "ferry-leader-election")
        self.assertEqual(role["metadata"]["namespace"], "team-a")
        self.assertEqual(flatten_rules(role["rules"]), EXPECTED_RULES)
        self.assertEqual(le_role["metadata"]["namespace"], c.NAMESPACE)
        binding = c.one(objs, "RoleBinding", "ferry")
        self.assertEqual(binding["metadata"]["namespace"], "team-a")
        self.assertEqual(binding["roleRef"], {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "ferry"})
        self.assertEqual(binding["subjects"][0]["namespace"], c.NAMESPACE)
        args = container(objs)["args"]
        for a in ("--namespace=team-a", "--leader-election-id=ferry-team-a", "--qps=50", "--burst=100",
                  "--workers=8", "--instance-id=team-a", "--log-format=text", "--log-level=debug"):
            self.assertIn(a, args)

    def test_two_replicas_get_a_pdb_and_spread(self):
        objs, _ = c.helm_template(scenario("ha.yaml"), include_crds=False)
        dep = c.one(objs, "Deployment")
        self.assertEqual(dep["spec"]["replicas"], 2)
        pdb = c.one(objs, "PodDisruptionBudget")
        self.assertEqual(pdb["spec"]["minAvailable"], 1)
        self.assertEqual(pdb["spec"]["selector"]["matchLabels"], dep["spec"]["selector"]["matchLabels"])
        anti = dep["spec"]["template"]["spec"]["affinity"]["podAntiAffinity"]
        term = anti["preferredDuringSchedulingIgnoredDuringExecution"][0]["podAffinityTerm"]
        self.assertEqual(term["labelSelector"]["matchLabels"], dep["spec"]["selector"]["matchLabels"])
        self.assertIn("--leader-elect", container(objs)["args"])

    def test_replicas_without_leader_election_are_refused(self):
        _, proc = c.helm_template({"replicaCount": 2, "leaderElection": {"enabled": False, "id": "x"}}, check=False)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("leaderElection.enabled", proc.stderr)

    def test_leader_election_off_drops_flag_and_role(self):
        objs, _ = c.helm_template({"leaderElection": {"enabled": False, "id": "x"}}, include_crds=False)
        self.assertFalse([a for a in container(objs)["args"] if a.startswith("--leader-elect")])
        self.assertFalse(c.by_kind(objs, "Role"))

    def test_port_collisions_are_refused(self):
        for values, message in [({"health": {"port": 8080}}, "metrics.port and health.port must differ"),
                                ({"webhook": {"port": 8081, "service": {"enabled": True, "type": "ClusterIP", "port": 80}}},
                                 "webhook.port must differ")]:
            with self.subTest(values=values):
                _, proc = c.helm_template(values, check=False)
                self.assertNotEqual(proc.returncode, 0)
                self.assertIn(message, proc.stderr)

    def test_rbac_and_service_account_can_be_brought_by_the_user(self):
        objs, _ = c.helm_template({"rbac": {"create": False}, "serviceAccount": {"create": False, "name": "cd-sa"}},
                                  include_crds=False)
        self.assertEqual(sorted({o["kind"] for o in objs}), ["Deployment", "Service"])
        self.assertEqual(c.one(objs, "Deployment")["spec"]["template"]["spec"]["serviceAccountName"], "cd-sa")
        _, proc = c.helm_template({"serviceAccount": {"create": False}}, check=False)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("serviceAccount.name must name an existing ServiceAccount", proc.stderr)

    def test_monitoring_objects_point_at_the_metrics_service(self):
        objs, _ = c.helm_template(scenario("monitoring.yaml"), include_crds=False)
        svc = c.one(objs, "Service", "ferry-metrics")
        sm = c.one(objs, "ServiceMonitor")
        self.assertLessEqual(sm["spec"]["selector"]["matchLabels"].items(), svc["metadata"]["labels"].items())
        webhook = c.one(objs, "Service", "ferry-webhook")
        self.assertFalse(sm["spec"]["selector"]["matchLabels"].items() <= webhook["metadata"]["labels"].items(),
                         "the ServiceMonitor must not scrape the webhook Service")
        self.assertEqual(sm["spec"]["endpoints"][0]["port"], svc["spec"]["ports"][0]["name"])
        self.assertEqual(sm["spec"]["endpoints"][0]["interval"], "15s")
        self.assertEqual(sm["metadata"]["labels"]["release"], "prometheus")
        rule = c.one(objs, "PrometheusRule")
        self.assertEqual(rule["metadata"]["labels"]["release"], "prometheus")
        source = c.load_yaml(os.path.join(c.CONFIG_DIR, "prometheus", "prometheusrule.yaml"))
        self.assertEqual(rule["spec"], source["spec"])
        alerts = {r["alert"] for g in rule["spec"]["groups"] for r in g["rules"]}
        for a in ("FerryReleaseRolledBack", "FerryReconcileErrors", "FerryWorkqueueBacklog",
                  "FerryLeaderMissing", "FerryAnalysisFailing"):
            self.assertIn(a, alerts)

    def test_alerts_and_dashboard_follow_a_renamed_release(self):
        objs, _ = c.helm_template(scenario("everything.yaml"), include_crds=False)
        metrics_svc = [s["metadata"]["name"] for s in c.by_kind(objs, "Service")
                       if s["metadata"]["labels"]["app.kubernetes.io/component"] == "metrics"]
        self.assertEqual(metrics_svc, ["cd-metrics"])
        exprs = c.alert_exprs(c.one(objs, "PrometheusRule"))
        self.assertTrue(all('job="ferry-metrics"' not in e for e in exprs))
        self.assertTrue(any('job="cd-metrics"' in e for e in exprs))
        dash = c.one(objs, "ConfigMap", "cd-dashboard")["data"]["ferry-dashboard.json"]
        self.assertIn("cd-metrics", dash)
        self.assertNotIn("ferry-metrics", dash)

    def test_grafana_dashboard_configmap_for_the_sidecar(self):
        objs, _ = c.helm_template(scenario("monitoring.yaml"), include_crds=False)
        cm = c.one(objs, "ConfigMap", "ferry-dashboard")
        self.assertEqual(cm["metadata"]["namespace"], "monitoring")
        self.assertEqual(cm["metadata"]["labels"]["grafana_dashboard"], "1")
        self.assertEqual(cm["metadata"]["annotations"], {"grafana_folder": "Ferry"})
        with open(os.path.join(c.CONFIG_DIR, "grafana", "ferry-dashboard.json")) as f:
            source = f.read()
        self.assertEqual(cm["data"]["ferry-dashboard.json"], source)
        self.assertEqual(json.loads(cm["data"]["ferry-dashboard.json"])["uid"], "ferry-overview")

    def test_network_policy_opens_only_the_operator_ports(self):
        objs, _ = c.helm_template(scenario("monitoring.yaml"), include_crds=False)
        np = c.one(objs, "NetworkPolicy")
        dep = c.one(objs, "Deployment")
        self.assertEqual(np["spec"]["podSelector"]["matchLabels"], dep["spec"]["selector"]["matchLabels"])
        self.assertEqual(np["spec"]["policyTypes"], ["Ingress"])
        port_names = {p["name"] for p in container(objs)["ports"]}
        opened = {}
        for rule in np["spec"]["ingress"]:
            for p in rule["ports"]:
                self.assertIn(p["port"], port_names)
                opened[p["port"]] = rule.get("from")
        self.assertEqual(set(opened), {"metrics", "health", "webhook"})
        self.assertEqual(opened["metrics"], [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}])
        self.assertIsNone(opened["webhook"], "empty webhook.from allows any source (git providers)")

    def test_everything_scenario_wires_values_through(self):
        objs, _ = c.helm_template(scenario("everything.yaml"), include_crds=False)
        dep = c.one(objs, "Deployment", "cd")
        pod = dep["spec"]["template"]["spec"]
        ct = pod["containers"][0]
        self.assertEqual(ct["image"], "registry.example.com/ferry/ferry-operator:0.1.0-rc1@sha256:" + "0123456789abcdef" * 4)
        self.assertEqual(pod["serviceAccountName"], "cd-operator")
        self.assertEqual(c.one(objs, "ServiceAccount")["metadata"]["name"], "cd-operator")
        for b in c.by_kind(objs, "RoleBinding"):
            self.assertEqual(b["subjects"][0]["name"], "cd-operator")
        self.assertEqual(c.one(objs, "Role", "cd-leader-election")["metadata"]["namespace"], "kube-system")
        self.assertIn("--leader-election-namespace=kube-system", ct["args"])
        self.assertIn("--qps=7.5", ct["args"])
        self.assertEqual({p["name"]: p["containerPort"] for p in ct["ports"]}, {"metrics": 9080, "health": 9081, "webhook": 9443})
        self.assertIn("--metrics-bind-address=:9080", ct["args"])
        self.assertEqual(c.one(objs, "PodDisruptionBudget")["spec"]["minAvailable"], "50%")
        self.assertIn("nodeAffinity", pod["affinity"])
        self.assertNotIn("podAntiAffinity", pod["affinity"], "user affinity replaces the default spread")
        self.assertEqual(c.one(objs, "Service", "cd-webhook")["spec"]["type"], "LoadBalancer")
        self.assertEqual(dep["spec"]["template"]["metadata"]["labels"]["team"], "platform")


class SchemaTest(unittest.TestCase):
    BAD_VALUES = [
        ("replicaCount", {"replicaCount": "two"}),
        ("replicaCount", {"replicaCount": -1}),
        ("Additional property replicas", {"replicas": 2}),
        ("pullPolicy", {"image": {"repository": "x", "tag": "", "pullPolicy": "Sometimes"}}),
        ("runAsNonRoot", {"podSecurityContext": {"runAsNonRoot": False}}),
        ("allowPrivilegeEscalation", {"securityContext": {"allowPrivilegeEscalation": True, "runAsNonRoot": True}}),
        ("logFormat", {"operator": {"logLevel": "info", "logFormat": "xml"}}),
        ("port", {"metrics": {"port": 70000}}),
        ("watchNamespace", {"watchNamespace": "Team_A"}),
        ("workers", {"operator": {"logLevel": "info", "logFormat": "json", "workers": 0}}),
        ("interval", {"metrics": {"serviceMonitor": {"enabled": True, "interval": "soon"}}}),
        ("from", {"networkPolicy": {"enabled": True, "metrics": {"from": [{}]}}}),
        ("podLabels", {"podLabels": {"app.kubernetes.io/name": "other"}}),
        ("digest", {"image": {"repository": "x", "tag": "", "pullPolicy": "Always", "digest": "latest"}}),
    ]

    def test_schema_rejects_bad_values_naming_the_field(self):
        for field, values in self.BAD_VALUES:
            with self.subTest(values=values):
                _, proc = c.helm_template(values, check=False)
                self.assertNotEqual(proc.returncode, 0, f"accepted {values}")
                self.assertIn("values don't meet the specifications of the schema", proc.stderr)
                self.assertIn(field, proc.stderr)

    def test_schema_covers_every_value(self):
        """Every key in values.yaml is declared in the schema and every declared object rejects
        unknown keys (helm lint, above, validates values.yaml against it)."""
        values = c.load_yaml(os.path.join(c.CHART_DIR, "values.yaml"))
        with open(os.path.join(c.CHART_DIR, "values.schema.json")) as f:
            schema = json.load(f)
        self.assertEqual(schema["$schema"], "http://json-schema.org/draft-07/schema#")

        def walk(value, sch, path):
            if "properties" in sch:
                self.assertIs(sch.get("additionalProperties"), False, f"{path or '/'} accepts unknown keys")
            if not isinstance(value, dict):
                self.assertTrue({"type", "enum", "const", "oneOf"} & set(sch), f"{path} has no type")
                return
            for k, v in value.items():
                if "properties" in sch:
                    self.assertIn(k, sch["properties"], f"{path}.{k} is not in values.schema.json")
                    walk(v, sch["properties"][k], f"{path}.{k}")
                else:
                    self.assertIn("additionalProperties", sch, f"{path} is an open object")
        walk(values, schema, "")


class NotesTest(unittest.TestCase):
    def test_notes_render_the_next_steps(self):
        """helm renders NOTES.txt only on install; render it as a template of a copy instead."""
        tmp = tempfile.mkdtemp()
        try:
            chart = os.path.join(tmp, "ferry")
            shutil.copytree(c.CHART_DIR, chart, symlinks=False)
            shutil.copy(os.path.join(chart, "templates", "NOTES.txt"), os.path.join(chart, "files", "notes.txt"))
            with open(os.path.join(chart, "templates", "zz-notes.yaml"), "w") as f:
                f.write('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: notes}\n'
                        'data:\n  notes: {{ tpl (.Files.Get "files/notes.txt") . | toJson }}\n')
            for values, expect in [({}, ["every namespace", "replicaCount=2", "serviceMonitor.enabled=true"]),
                                   (scenario("namespaced.yaml"), ["namespace team-a only", "-n team-a"]),
                                   (scenario("ha.yaml"), ["others stand by"])]:
                objs, _ = c.helm_template(values, chart=chart, include_crds=False)
                notes = c.one(objs, "ConfigMap", "notes")["data"]["notes"]
                for text in expect + ["rollout status deployment/ferry", "helm show crds <new chart> | kubectl apply --server-side --force-conflicts -f -",
                                      "ferry-webhook.ferry-system.svc:8443"]:
                    self.assertIn(text, notes)
        finally:
            shutil.rmtree(tmp)


if __name__ == "__main__":
    unittest.main()
