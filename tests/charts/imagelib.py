"""What the Dockerfile tests share: the parsed Dockerfile, its runtime packages, and the check
that a binary's shared libraries all come from packages the runtime image installs."""
import os
import re
import subprocess

import chartlib as c
import dockerfile

DOCKERFILE = os.path.join(c.SOURCE_DIR, "Dockerfile")
BINARY_IN_IMAGE = "/usr/local/bin/ferry-operator"


def stages():
    with open(DOCKERFILE) as f:
        return {s.name: s for s in dockerfile.parse(f.read())}


def runtime_packages(stage):
    """Packages the runtime stage's `apt-get install` names."""
    (run,) = [i for i in stage.of("RUN") if "apt-get" in i.args]
    words = run.args.replace("\\", " ").split()
    start = words.index("install") + 1
    out = []
    for w in words[start:]:
        if w in ("&&", ";"):
            break
        if not w.startswith("-"):
            out.append(w)
    return out


def _sh(args):
    return subprocess.run(args, capture_output=True, text=True, timeout=c.TOOL_TIMEOUT_S)


def dependency_closure(packages):
    """The packages plus everything they (pre-)depend on, recursively, per apt-cache."""
    proc = _sh(["apt-cache", "depends", "--recurse", "--no-recommends", "--no-suggests",
                "--no-conflicts", "--no-breaks", "--no-replaces", "--no-enhances"] + packages)
    assert proc.returncode == 0, proc.stderr
    return {re.sub(r":\w+$", "", l.strip()) for l in proc.stdout.splitlines()
            if l and not l.startswith(" ") and not l.startswith("<")}


def base_image_packages():
    """Installed packages a debian:*-slim image also has: priority `required` and essential."""
    proc = _sh(["dpkg-query", "-W", "-f=${Package} ${Priority} ${Essential}\n"])
    return {l.split()[0] for l in proc.stdout.splitlines()
            if len(l.split()) >= 2 and (l.split()[1] == "required" or l.endswith(" yes"))}


def owning_package(path):
    """The Debian package shipping a library file (merged-/usr aware)."""
    candidates = {path, os.path.realpath(path)}
    for p in list(candidates):
        if p.startswith("/usr/lib/"):
            candidates.add(p[len("/usr"):])
        elif p.startswith("/lib/"):
            candidates.add("/usr" + p)
    for p in candidates:
        proc = _sh(["dpkg", "-S", p])
        if proc.returncode == 0:
            return re.sub(r":\w+$", "", proc.stdout.split(":")[0].split(",")[0].strip())
    return None


def linked_libraries(binary):
    """{soname: resolved path or None} from ldd."""
    proc = _sh(["ldd", binary])
    assert proc.returncode == 0, f"ldd {binary}: {proc.stderr}"
    libs = {}
    for line in proc.stdout.splitlines():
        m = re.match(r"\s*(\S+) => (not found|(\S+) \(0x[0-9a-f]+\))", line)
        if m:
            libs[m.group(1)] = m.group(3)
    return libs


def unprovided_libraries(binary, packages):
    """Libraries the binary links that neither the runtime packages (with their dependencies)
    nor the slim base image provide: {soname: why}."""
    allowed = dependency_closure(packages) | base_image_packages()
    missing = {}
    for soname, path in linked_libraries(binary).items():
        if path is None:
            missing[soname] = "not found by the loader"
            continue
        pkg = owning_package(path)
        if pkg is None:
            missing[soname] = f"{path} belongs to no Debian package"
        elif pkg not in allowed:
            missing[soname] = f"{path} is in {pkg}, which the runtime stage does not install"
    return missing
