"""Replays the Dockerfile without a Docker engine, so the file cannot rot: the build context
as .dockerignore leaves it is copied to a scratch root, the build stage's WORKDIR/ENV/COPY/RUN
steps run there in order (scripts/install-deps.sh, `make build`, strip: the README's own
commands), the runtime stage's COPY --from takes the binary into a second root, and the result
is checked as the image would run it: its libraries come from the runtime stage's packages, and
it starts as the non-root USER and knows every flag the Helm chart passes.

The runtime stage's `apt-get install` is not executed (it needs root and the network); its
packages must be installed here instead, which scripts/install-deps.sh ensures through the -dev
packages. Exits 77 (CTest: skipped) while operator/cmd, the binary's source, does not exist.

Scratch roots live in $FERRY_BINARY_DIR/image-emulation at fixed paths, so ccache serves the
second and later runs."""
import os
import shutil
import subprocess
import sys
import unittest

import chartlib as c
import dockerfile
import imagelib

SKIP = 77
ROOT = os.path.join(c.BINARY_DIR, "image-emulation")
# A full build on a loaded 2-core machine; the CTest TIMEOUT is above this.
BUILD_TIMEOUT_S = 3000
LOG = os.path.join(ROOT, "build.log")


def inside(root, path, cwd="/"):
    """A container path (absolute, or relative to cwd) mapped under a scratch root."""
    path = os.path.normpath(os.path.join(cwd, path))
    return os.path.join(root, path.lstrip("/"))


def copy_context(dest, sources):
    """COPY semantics: a directory source copies its contents into dest; a file source copies
    to dest itself, or into it when dest ends in "/" or several sources are given."""
    rules = dockerfile.read_ignore(os.path.join(c.SOURCE_DIR, ".dockerignore"))
    files = dockerfile.context_files(c.SOURCE_DIR, rules)
    into_dir = dest.endswith("/") or len(sources) > 1
    for source in sources:
        source = os.path.normpath(source)
        if os.path.isdir(os.path.join(c.SOURCE_DIR, source)):
            prefix = "" if source == "." else source + "/"
            pairs = [(rel, os.path.join(dest, rel[len(prefix):])) for rel in files if rel.startswith(prefix)]
        else:
            assert source in files, f"COPY {source}: not in the build context (.dockerignore?)"
            pairs = [(source, os.path.join(dest, os.path.basename(source)) if into_dir else dest)]
        for rel, target in pairs:
            src = os.path.join(c.SOURCE_DIR, rel)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            if os.path.lexists(target):
                os.unlink(target)
            if os.path.islink(src):
                os.symlink(os.readlink(src), target)
            else:
                shutil.copy2(src, target)


# A `docker build` RUN step sees only the image's PATH and the Dockerfile's ENV. Kept so the
# compiler cache serves the copy (a speed-up, not a difference in output): HOME and CCACHE_*,
# and the locale variables, which ccache hashes (they change the compiler's messages only).
# Not CCACHE_BASEDIR: the copy's Makefile sets it to the copy's root so that its keys match
# the tree's (the tree's base would make every path in the copy look different).
KEPT_ENV = ("HOME", "LANG", "LC_ALL", "LC_CTYPE", "LC_MESSAGES")
DOCKER_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def run_build_stage(stage, root):
    cwd = "/"
    env = {"PATH": DOCKER_PATH, "HOME": "/root"}
    env.update({k: v for k, v in os.environ.items()
                if k in KEPT_ENV or (k.startswith("CCACHE_") and k != "CCACHE_BASEDIR")})
    with open(LOG, "w") as log:
        for ins in stage.instructions:
            if ins.cmd == "WORKDIR":
                cwd = os.path.normpath(os.path.join(cwd, ins.args))
                os.makedirs(inside(root, cwd), exist_ok=True)
            elif ins.cmd == "ENV":
                env.update(dict(dockerfile._assignments(ins.args)))
            elif ins.cmd == "COPY":
                assert "from" not in ins.flags, "COPY --from in the build stage is not emulated"
                *sources, dest = ins.words()
                copy_context(inside(root, dest, cwd) + ("/" if dest.endswith("/") else ""), sources)
            elif ins.cmd == "RUN":
                log.write(f"\n### RUN {ins.args}\n")
                log.flush()
                proc = subprocess.run(["/bin/sh", "-c", ins.args], cwd=inside(root, cwd), env=env,
                                      stdout=log, stderr=subprocess.STDOUT, timeout=BUILD_TIMEOUT_S)
                if proc.returncode != 0:
                    log.close()
                    with open(LOG) as f:
                        tail = "".join(f.readlines()[-60:])
                    raise AssertionError(f"RUN {ins.args} exited {proc.returncode}; end of {LOG}:\n{tail}")
            elif ins.cmd not in ("ARG", "LABEL"):
                raise AssertionError(f"{ins.cmd} in the build stage is not emulated")


def assemble_runtime_stage(stage, build_root, root):
    for ins in stage.instructions:
        if ins.cmd == "RUN":
            packages = imagelib.runtime_packages(stage)
            for p in packages:
                proc = subprocess.run(["dpkg-query", "-W", "-f=${Status}", p], capture_output=True, text=True)
                assert "install ok installed" in proc.stdout, \
                    f"runtime package {p} is not installed here; run scripts/install-deps.sh"
        elif ins.cmd == "COPY":
            assert ins.flags.get("from") == "build", "only COPY --from=build is emulated in the runtime stage"
            src, dest = ins.words()
            target = inside(root, dest)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copy2(inside(build_root, src), target)


class ImageBuildTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        stages = imagelib.stages()
        cls.runtime_stage = stages["runtime"]
        cls.build_root, cls.runtime_root = os.path.join(ROOT, "build"), os.path.join(ROOT, "runtime")
        for d in (cls.build_root, cls.runtime_root):
            shutil.rmtree(d, ignore_errors=True)
            os.makedirs(d)
        run_build_stage(stages["build"], cls.build_root)
        assemble_runtime_stage(cls.runtime_stage, cls.build_root, cls.runtime_root)
        cls.binary = inside(cls.runtime_root, imagelib.BINARY_IN_IMAGE)
        (user,) = cls.runtime_stage.of("USER")
        cls.uid, cls.gid = user.args.split(":")

    def run_as_image_user(self, *args):
        cmd = [self.binary, *args]
        if os.geteuid() == 0:
            cmd = ["setpriv", f"--reuid={self.uid}", f"--regid={self.gid}", "--clear-groups"] + cmd
        return subprocess.run(cmd, capture_output=True, text=True, timeout=60,
                              env={"PATH": "/usr/bin:/bin", "HOME": "/nonexistent"})

    def test_binary_is_in_place_and_stripped_of_debug_info(self):
        self.assertTrue(os.access(self.binary, os.X_OK))
        sections = subprocess.run(["objdump", "-h", self.binary], capture_output=True, text=True).stdout
        self.assertNotIn(".debug_info", sections)

    def test_runtime_packages_provide_every_linked_library(self):
        missing = imagelib.unprovided_libraries(self.binary, imagelib.runtime_packages(self.runtime_stage))
        self.assertEqual(missing, {})

    def test_starts_as_the_image_user_and_knows_the_charts_flags(self):
        proc = self.run_as_image_user("--help")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        help_text = proc.stdout + proc.stderr
        flags = set()
        for values in ({}, {"watchNamespace": "team-a", "operator": {"logLevel": "info", "logFormat": "json",
                                                                      "qps": 5, "burst": 10, "workers": 2,
                                                                      "instanceId": "a"}}):
            objs, _ = c.helm_template(values, include_crds=False)
            args = c.one(objs, "Deployment")["spec"]["template"]["spec"]["containers"][0]["args"]
            flags |= {a.split("=", 1)[0] for a in args}
        for flag in sorted(flags):
            self.assertIn(flag, help_text, f"the chart passes {flag}; ferry-operator --help does not list it")


if __name__ == "__main__":
    if not os.path.exists(os.path.join(c.SOURCE_DIR, "operator", "cmd", "CMakeLists.txt")):
        print("SKIP: operator/cmd/CMakeLists.txt does not exist yet; there is no ferry-operator to put in the image")
        sys.exit(SKIP)
    os.makedirs(ROOT, exist_ok=True)
    unittest.main()
