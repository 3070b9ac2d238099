"""The Dockerfile, statically: its build stage runs the README's commands, its runtime stage
installs packages that exist in Debian and provide every library ferry-operator links, it runs
as the chart's non-root user, and .dockerignore keeps build trees out of the context.
(test_image_build.py replays the build itself.)"""
import os
import re
import subprocess
import unittest

import chartlib as c
import dockerfile
import imagelib


class DockerfileTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stages = imagelib.stages()
        cls.build, cls.runtime = cls.stages["build"], cls.stages["runtime"]

    def test_two_stages_on_debian_bookworm(self):
        self.assertEqual(list(self.stages), ["build", "runtime"])
        self.assertEqual(self.build.base, "debian:bookworm")
        self.assertEqual(self.runtime.base, "debian:bookworm-slim")

    def test_build_stage_runs_the_readme_commands(self):
        runs = [i.args for i in self.build.of("RUN")]
        self.assertEqual(runs[:2], ["scripts/install-deps.sh", "make build TARGETS=ferry-operator"])
        with open(os.path.join(c.SOURCE_DIR, "README.md")) as f:
            readme = f.read()
        self.assertIn("scripts/install-deps.sh", readme)
        self.assertIn("make demo", readme)
        with open(os.path.join(c.SOURCE_DIR, "Makefile")) as f:
            makefile = f.read()
        # `make demo` (the README's main command) is `make build` followed by the demo; `make
        # test` builds its own sanitized tree and replays this Dockerfile (test_image_build.py).
        self.assertRegex(makefile, r"(?m)^demo: build$")
        self.assertRegex(makefile, r"(?m)^build: configure$")
        self.assertRegex(makefile, r"(?m)^configure: deps$")
        self.assertRegex(makefile, r"(?m)^\t@scripts/install-deps.sh$")
        # TARGETS narrows `make build` to the image's binary; unset it builds everything.
        self.assertRegex(makefile, r"(?m)^\t@cmake --build .* \$\(if \$\(TARGETS\),--target \$\(TARGETS\)\)$")
        self.assertEqual(imagelib.dockerfile.env_of(self.build).get("FERRY_DEPS"), "build")
        with open(os.path.join(c.SOURCE_DIR, "scripts", "install-deps.sh")) as f:
            self.assertIn('FERRY_DEPS:-all', f.read())

    def test_binary_is_copied_from_where_the_build_puts_it(self):
        (copy,) = [i for i in self.runtime.of("COPY") if i.flags.get("from") == "build"]
        src, dest = copy.words()
        workdir = self.build.of("WORKDIR")[-1].args
        self.assertEqual(src, f"{workdir}/build/operator/cmd/ferry-operator")
        self.assertEqual(dest, imagelib.BINARY_IN_IMAGE)
        self.assertEqual(self.runtime.of("ENTRYPOINT")[0].words(), [imagelib.BINARY_IN_IMAGE])
        self.assertIn("build/operator/cmd/ferry-operator", self.build.of("RUN")[-1].args)

    def test_runtime_user_is_numeric_non_root_and_matches_the_chart(self):
        (user,) = self.runtime.of("USER")
        uid, gid = user.args.split(":")
        self.assertTrue(uid.isdigit() and gid.isdigit(), "numeric, so runAsNonRoot can check it")
        self.assertNotEqual(int(uid), 0)
        values = c.load_yaml(os.path.join(c.CHART_DIR, "values.yaml"))
        self.assertEqual(values["podSecurityContext"]["runAsUser"], int(uid))
        self.assertEqual(values["podSecurityContext"]["runAsGroup"], int(gid))

    def test_exposed_ports_are_the_charts_defaults(self):
        (expose,) = self.runtime.of("EXPOSE")
        values = c.load_yaml(os.path.join(c.CHART_DIR, "values.yaml"))
        expected = {values["metrics"]["port"], values["health"]["port"], values["webhook"]["port"]}
        self.assertEqual({int(p) for p in expose.args.split()}, expected)

    def test_oci_labels(self):
        labels = " ".join(i.args for i in self.runtime.of("LABEL"))
        for key in ("title", "description", "version", "revision", "created", "base.name"):
            self.assertIn(f"org.opencontainers.image.{key}=", labels)

    def test_runtime_installs_only_runtime_libraries_that_exist_in_debian(self):
        packages = imagelib.runtime_packages(self.runtime)
        self.assertIn("libcpprest2.10", packages)
        for p in packages:
            self.assertFalse(p.endswith("-dev"), f"{p}: the runtime image needs no headers")
            proc = subprocess.run(["apt-cache", "show", "--no-all-versions", p], capture_output=True, text=True)
            self.assertEqual(proc.returncode, 0, f"{p} is not a Debian package: {proc.stderr}")
            self.assertRegex(proc.stdout, r"(?m)^Package: " + re.escape(p) + "$")
        run = [i.args for i in self.runtime.of("RUN") if "apt-get" in i.args][0]
        self.assertIn("--no-install-recommends", run)
        self.assertIn("rm -rf /var/lib/apt/lists/*", run)

    def test_runtime_packages_provide_what_the_built_binary_links(self):
        binary = next((p for p in (os.path.join(c.BINARY_DIR, "operator", "cmd", "ferry-operator"),
                                   os.path.join(c.SOURCE_DIR, "build", "operator", "cmd", "ferry-operator"))
                       if os.path.exists(p)), None)
        if binary is None:
            self.skipTest("no built ferry-operator (build operator/cmd first); "
                          "test_image_build.py checks the image's own binary")
        missing = imagelib.unprovided_libraries(binary, imagelib.runtime_packages(self.runtime))
        self.assertEqual(missing, {})

    def test_library_check_refuses_a_library_no_runtime_package_provides(self):
        """The check above can fail: /usr/bin/openssl links libssl.so.3, which libssl3 provides
        and libyaml-cpp0.7 (with its dependencies and the base image) does not."""
        self.assertEqual(imagelib.owning_package("/lib/x86_64-linux-gnu/libssl.so.3"), "libssl3")
        self.assertEqual(imagelib.unprovided_libraries("/usr/bin/openssl", ["libssl3"]), {})
        missing = imagelib.unprovided_libraries("/usr/bin/openssl", ["libyaml-cpp0.7"])
        self.assertIn("libssl.so.3", missing)
        self.assertIn("libssl3", missing["libssl.so.3"])
        self.assertNotIn("libc.so.6", missing, "libc6 is in every base image")


class DockerignoreTest(unittest.TestCase):
    def test_context_has_the_sources_and_no_build_trees(self):
        rules = dockerfile.read_ignore(os.path.join(c.SOURCE_DIR, ".dockerignore"))
        files = dockerfile.context_files(c.SOURCE_DIR, rules)
        for needed in ("CMakeLists.txt", "Makefile", "README.md", "scripts/install-deps.sh", "Dockerfile"):
            self.assertIn(needed, files)
        self.assertTrue(any(f.startswith("operator/base/") for f in files))
        for f in files:
            self.assertFalse(f.startswith((".git/", ".tools/", "build")), f)
            self.assertNotIn("__pycache__", f)

    def test_matching_follows_docker_rules(self):
        rules = [(dockerfile._pattern_regex(p), e) for p, e in
                 [("build*", False), ("**/*.pyc", False), ("docs", False), ("docs/keep.md", True)]]
        cases = {"build/x.o": True, "build-kube/a/b": True, "src/build/x": False, "a/b/c.pyc": True,
                 "c.pyc": True, "docs/a.md": True, "docs/keep.md": False, "README.md": False}
        for path, expected in cases.items():
            self.assertEqual(dockerfile.ignored(path, rules), expected, path)


if __name__ == "__main__":
    unittest.main()
