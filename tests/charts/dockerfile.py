"""Just enough of Docker's file formats to replay a build without a Docker engine: Dockerfile
instructions grouped by stage (line continuations, comments, ARG/ENV substitution, exec and
shell forms) and .dockerignore matching (Go filepath.Match plus `**`, `!` exceptions, a
directory's match covering its contents)."""
import json
import os
import re
import shlex
from dataclasses import dataclass, field


@dataclass
class Instruction:
    cmd: str            # upper case: FROM, RUN, COPY, ...
    args: str           # the rest of the logical line, variables substituted
    flags: dict = field(default_factory=dict)   # --from=build etc.

    def words(self):
        """Arguments as a list: JSON exec form, else shell words."""
        if self.args.startswith("["):
            return json.loads(self.args)
        return shlex.split(self.args)


@dataclass
class Stage:
    name: str
    base: str
    instructions: list
    vars: dict = field(default_factory=dict)   # ARG and ENV values in effect

    def of(self, cmd):
        return [i for i in self.instructions if i.cmd == cmd]


def _logical_lines(text):
    lines, current = [], ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if stripped.startswith("#") or (not stripped and not current):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1].rstrip() + " "
            continue
        lines.append((current + stripped).strip())
        current = ""
    if current.strip():
        lines.append(current.strip())
    return [l for l in lines if l]


def _substitute(text, variables):
    def repl(m):
        name = m.group(1) or m.group(2)
        return variables.get(name, "")
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", repl, text)


def _split_flags(args):
    flags = {}
    while args.startswith("--"):
        word, _, args = args.partition(" ")
        k, _, v = word[2:].partition("=")
        flags[k] = v
        args = args.lstrip()
    return flags, args


def parse(text, build_args=None):
    """Stages of a Dockerfile. ARGs before the first FROM apply to FROM lines; ARG and ENV
    inside a stage apply to the instructions after them (RUN keeps its text: the shell expands
    it at build time)."""
    global_args, stages = dict(build_args or {}), []
    for line in _logical_lines(text):
        cmd, _, args = line.partition(" ")
        cmd, args = cmd.upper(), args.strip()
        if cmd == "ARG" and not stages:
            k, _, v = args.partition("=")
            global_args.setdefault(k, v)
            continue
        if cmd == "FROM":
            words = _substitute(args, global_args).split()
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else str(len(stages))
            stages.append(Stage(name=name, base=words[0], instructions=[], vars=dict(global_args)))
            continue
        stage = stages[-1]
        flags, args = _split_flags(args)
        if cmd in ("ARG", "ENV"):
            for k, v in _assignments(args):
                if cmd == "ENV" or k not in stage.vars:
                    stage.vars[k] = _substitute(v, stage.vars)
        if cmd != "RUN":
            args = _substitute(args, stage.vars)
        stage.instructions.append(Instruction(cmd, args, flags))
    return stages


def _assignments(args):
    """`K=V K2="v 2"` (or legacy `K V`) as pairs."""
    if "=" not in args.split(" ", 1)[0]:
        k, _, v = args.partition(" ")
        return [(k, v)]
    return [tuple(w.split("=", 1)) if "=" in w else (w, "") for w in shlex.split(args)]


def env_of(stage):
    env = {}
    for i in stage.of("ENV"):
        env.update(dict(_assignments(i.args)))
    return env


# --- .dockerignore ----------------------------------------------------------------------

def _pattern_regex(pattern):
    out, i = "", 0
    while i < len(pattern):
        ch = pattern[i]
        if pattern.startswith("**", i):
            out += ".*"
            i += 2
            if i < len(pattern) and pattern[i] == "/":
                i += 1
                out = out[:-2] + "(.*/)?"
            continue
        out += {"*": "[^/]*", "?": "[^/]"}.get(ch, re.escape(ch))
        i += 1
    return re.compile("^" + out + "$")


def read_ignore(path):
    """Patterns of a .dockerignore as [(regex, is_exception)]."""
    rules = []
    if not os.path.exists(path):
        return rules
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            exception = line.startswith("!")
            line = os.path.normpath(line.lstrip("!").strip()).lstrip("/")
            rules.append((_pattern_regex(line), exception))
    return rules


def ignored(rel_path, rules):
    """Whether the context path (relative, '/'-separated) is excluded: the last matching rule
    wins, and a rule matching a parent directory matches everything below it."""
    parts = rel_path.split("/")
    prefixes = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    result = False
    for regex, exception in rules:
        if any(regex.match(p) for p in prefixes):
            result = not exception
    return result


def context_files(root, rules):
    """Relative paths of the files (and symlinks) a `docker build root` would send."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root)
        rel_dir = "" if rel_dir == "." else rel_dir + "/"
        # Prune only directories no exception could reach into.
        keep = []
        for d in dirnames:
            path = rel_dir + d
            if os.path.islink(os.path.join(dirpath, d)):
                if not ignored(path, rules):
                    out.append(path)
            elif not (ignored(path, rules) and not any(e for _, e in rules)):
                keep.append(d)
        dirnames[:] = keep
        out += [rel_dir + f for f in filenames if not ignored(rel_dir + f, rules)]
    return sorted(out)
