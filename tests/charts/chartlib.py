"""Shared helpers for the packaging tests: locate the repository and the real helm, kubectl and
promtool, render the chart and the kustomize layout, and pick objects out of the renderings.

Every test in tests/charts imports this module. Paths come from FERRY_SOURCE_DIR (set by CTest);
run by hand, the repository is found relative to this file.
"""
import os
import shutil
import subprocess
import tempfile
import yaml

SOURCE_DIR = os.environ.get("FERRY_SOURCE_DIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
BINARY_DIR = os.environ.get("FERRY_BINARY_DIR") or os.path.join(SOURCE_DIR, "build")
CHART_DIR = os.path.join(SOURCE_DIR, "charts", "ferry")
CONFIG_DIR = os.path.join(SOURCE_DIR, "config")
CRDS_DIR = os.path.join(SOURCE_DIR, "crds")
TOOLS_BIN = os.path.join(SOURCE_DIR, ".tools", "bin")

RELEASE = "ferry"
NAMESPACE = "ferry-system"
# Labels only Helm adds; everything else must match the plain manifests exactly.
HELM_ONLY_LABELS = ("app.kubernetes.io/managed-by", "app.kubernetes.io/version", "helm.sh/chart")
# Seconds any one helm or kubectl invocation may take on a loaded machine.
TOOL_TIMEOUT_S = 120


def tool(name):
    """Absolute path of helm/kubectl (installed by scripts/install-deps.sh) or promtool (PATH)."""
    candidate = os.path.join(TOOLS_BIN, name)
    if os.access(candidate, os.X_OK):
        return candidate
    found = shutil.which(name)
    if not found:
        raise AssertionError(f"{name} not found: run scripts/install-deps.sh")
    return found


def run(args, check=True, **kw):
    """Runs a command, returning CompletedProcess; stdout and stderr captured as text."""
    proc = subprocess.run(args, capture_output=True, text=True, timeout=TOOL_TIMEOUT_S, **kw)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(args)} exited {proc.returncode}:\n{proc.stderr}")
    return proc


def without_symlink_notes(stderr):
    """helm warns on every symlink it follows (charts/ferry links into config/ and crds/)."""
    return "\n".join(l for l in stderr.splitlines() if "found symbolic link in path" not in l)


def helm_template(values=None, set_args=(), namespace=NAMESPACE, check=True, include_crds=True,
                  chart=CHART_DIR):
    """`helm template ferry charts/ferry` with a values dict and --set flags; returns
    (objects, CompletedProcess)."""
    args = [tool("helm"), "template", RELEASE, chart, "--namespace", namespace]
    if include_crds:
        args.append("--include-crds")
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        yaml.safe_dump(values or {}, f)
        values_file = f.name
    try:
        args += ["--values", values_file]
        for s in set_args:
            args += ["--set", s]
        proc = run(args, check=check)
    finally:
        os.unlink(values_file)
    objs = parse(proc.stdout) if proc.returncode == 0 else []
    return objs, proc


def kustomize(path):
    """`kubectl kustomize PATH` parsed into objects."""
    return parse(run([tool("kubectl"), "kustomize", path]).stdout)


def parse(text):
    return [d for d in yaml.safe_load_all(text) if d]


def key(obj):
    m = obj["metadata"]
    return (obj["kind"], m.get("namespace", ""), m["name"])


def by_kind(objs, kind):
    return [o for o in objs if o["kind"] == kind]


def one(objs, kind, name=None):
    found = [o for o in objs if o["kind"] == kind and (name is None or o["metadata"]["name"] == name)]
    if len(found) != 1:
        raise AssertionError(f"expected one {kind} {name or ''}, found {[key(o) for o in found]}")
    return found[0]


def load_yaml(path):
    with open(path) as f:
        return yaml.safe_load(f)


def strip_helm_labels(obj):
    """A copy of obj without the labels only Helm adds, at every depth (pod templates too)."""
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if k == "labels" and isinstance(v, dict):
                v = {lk: lv for lk, lv in v.items() if lk not in HELM_ONLY_LABELS}
            out[k] = strip_helm_labels(v)
        return out
    if isinstance(obj, list):
        return [strip_helm_labels(v) for v in obj]
    return obj


# --- PromQL ----------------------------------------------------------------------------------

_PROMQL_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool",
                    "offset", "and", "or", "unless", "inf", "nan", "atan2"}


def grafana_expr_to_promql(expr):
    """Replaces Grafana's template variables with values Prometheus accepts."""
    import re
    expr = re.sub(r"\$__range_s\b", "3600", expr)
    expr = re.sub(r"\$__(rate_interval|interval|range)\b", "5m", expr)
    return re.sub(r"\$\{?(\w+)\}?", r"\1", expr)


def metric_names(expr):
    """Names of the series a PromQL expression selects (label names, functions and keywords
    are not series names)."""
    import re
    expr = grafana_expr_to_promql(expr)
    expr = re.sub(r'"(\\.|[^"\\])*"', '""', expr)             # string literals
    expr = re.sub(r"\{[^}]*\}", "", expr)                     # label matchers
    expr = re.sub(r"\[[^\]]*\]", "", expr)                    # range selectors
    expr = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", expr)
    names = set()
    for m in re.finditer(r"(?<![0-9.\w])([a-zA-Z_:][a-zA-Z0-9_:]*)", expr):
        name = m.group(1)
        rest = expr[m.end():].lstrip()
        if name in _PROMQL_KEYWORDS or rest.startswith("("):
            continue
        names.add(name)
    return names


def dashboard_exprs(dashboard):
    """Every PromQL expression in a Grafana dashboard: panel targets and query variables."""
    exprs = []
    def walk_panels(panels):
        for p in panels:
            exprs.extend(t["expr"] for t in p.get("targets", []) if "expr" in t)
            walk_panels(p.get("panels", []))
    walk_panels(dashboard.get("panels", []))
    import re
    for v in dashboard.get("templating", {}).get("list", []):
        if v.get("type") == "query":
            q = v["query"]["query"] if isinstance(v["query"], dict) else v["query"]
            m = re.match(r"\s*label_values\((.*),\s*\w+\)\s*$", q)
            exprs.append(m.group(1) if m else q)
    return exprs


def alert_exprs(prometheus_rule):
    return [r["expr"] for g in prometheus_rule["spec"]["groups"] for r in g["rules"]]


def referenced_metrics():
    """charts/ferry/metrics-referenced.txt as {name: origin}."""
    out = {}
    with open(os.path.join(CHART_DIR, "metrics-referenced.txt")) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                name, origin = line.split()
                out[name] = origin
    return out
