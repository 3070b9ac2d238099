"""Cross-checks charts/ferry/metrics-referenced.txt against a /metrics exposition: which series
the dashboard and alerts query that the operator does not serve.

    curl -s localhost:8080/metrics | python3 tests/charts/metrics_contract.py

exits 1 listing the missing names. An integration test that runs ferry-operator (after a Release
and a Pipeline have run, so labelled series exist) calls missing_series() on its scrape."""
import re
import sys

import chartlib as c

_HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")


def served_series(exposition):
    """Series names in a Prometheus text exposition: sample names, plus the _bucket/_sum/_count
    (histogram) or _sum/_count (summary) series of every family declared by # TYPE."""
    names = set()
    for line in exposition.splitlines():
        m = re.match(r"# TYPE (\S+) (\w+)", line)
        if m:
            name, kind = m.groups()
            names.add(name)
            if kind == "histogram":
                names |= {name + s for s in _HISTOGRAM_SUFFIXES}
            elif kind == "summary":
                names |= {name + "_sum", name + "_count"}
            continue
        m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)[{\s]", line)
        if m and not line.startswith("#"):
            names.add(m.group(1))
    return names


def missing_series(exposition):
    """Operator-origin names from metrics-referenced.txt absent from the exposition, sorted."""
    wanted = {n for n, origin in c.referenced_metrics().items() if origin == "operator"}
    return sorted(wanted - served_series(exposition))


if __name__ == "__main__":
    missing = missing_series(sys.stdin.read())
    for name in missing:
        print(f"not served: {name}")
    sys.exit(1 if missing else 0)
