#include "operator/plugin/commands.h"

#include "operator/api/pipeline_types.h"
#include "operator/api/release_types.h"
#include "operator/plugin/cluster.h"
#include "operator/plugin/output.h"
#include "operator/plugin/render.h"
#include "operator/plugin/state.h"
#include "operator/plugin/watcher.h"

namespace ferry::plugin {
namespace {

using nlohmann::json;

constexpr char kFieldManager[] = "kubectl-ferry";
constexpr char kClearScreen[] = "\033[H\033[2J";

int Fail(Env& env, const std::string& message) {
  env.err << "error: " << message << "\n";
  return kExitError;
}

template <class T, class F>
Result<T> DecodeAs(const json& obj, F decode, const std::string& what) {
  auto r = decode(obj);
  if (!r.ok()) return api::ToError("cannot read " + what + ": ", r.error());
  return std::move(r.value());
}

Result<api::Release> AsRelease(const json& obj) {
  return DecodeAs<api::Release>(obj, api::DecodeRelease,
                                "release " + obj.value(json::json_pointer("/metadata/name"), ""));
}
Result<api::Pipeline> AsPipeline(const json& obj) {
  return DecodeAs<api::Pipeline>(obj, api::DecodePipeline,
                                 "pipeline " + obj.value(json::json_pointer("/metadata/name"), ""));
}

bool Structured(const Invocation& inv, Env& env, const json& j) {
  if (inv.output == OutputFormat::kJson) env.out << ToJson(j);
  if (inv.output == OutputFormat::kYaml) env.out << ToYaml(j);
  return inv.output == OutputFormat::kJson || inv.output == OutputFormat::kYaml;
}

int Version(const Invocation& inv, Env& env) {
  json v = {{"clientVersion", {{"plugin", "kubectl-ferry"}, {"version", "v" FERRY_VERSION}}}};
  std::string error;
  if (!inv.client_only) {
    auto cluster = Cluster::Connect(inv);
    if (!cluster.ok()) {
      error = cluster.error().message;
    } else {
      auto server = cluster.value()->client().GetPath("/version");
      if (server.ok()) v["serverVersion"] = server.value();
      else error = DescribeError(server.error(), "/version", "", cluster.value()->client().config().server);
    }
  }
  if (!Structured(inv, env, v)) {
    env.out << "Client Version: v" FERRY_VERSION "\n";
    if (v.contains("serverVersion")) {
      env.out << "Server Version: " << v["serverVersion"].value("gitVersion", "unknown") << "\n";
    }
  }
  return error.empty() ? kExitOk : Fail(env, error);
}

// Every Deployment and Job the tree may show (a failure only warns: the tree still prints).
Workloads ListWorkloads(Cluster& c, bool all, Env& env) {
  Workloads w;
  auto index = [&](const kube::ResourceRef& ref, std::map<std::string, json>& into) {
    auto list = c.List(ref, all);
    if (!list.ok()) {
      env.err << "warning: " << list.error().message << "\n";
      return;
    }
    for (auto& item : list.value()["items"]) {
      const auto& m = item["metadata"];
      into[m.value("namespace", "") + "/" + m.value("name", "")] = std::move(item);
    }
  };
  index(kube::kDeployments, w.deployments);
  index(kube::kJobs, w.jobs);
  return w;
}

int Get(const Invocation& inv, Env& env, Cluster& c) {
  json releases = json::array(), pipelines = json::array();
  if (!inv.name.empty()) {
    auto found = c.ResolveAll(inv.kind, inv.name);
    if (!found.ok()) return Fail(env, found.error().message);
    for (const Target& t : found.value()) {
      (t.kind == Kind::kRelease ? releases : pipelines).push_back(t.object);
    }
    if (found.value().size() == 1 && Structured(inv, env, found.value().front().object)) return kExitOk;
    json all = releases;
    for (const auto& i : pipelines) all.push_back(i);
    if (Structured(inv, env, ListOf(all))) return kExitOk;
  } else {
    auto r = c.List(kReleases, inv.all_namespaces);
    if (!r.ok()) return Fail(env, r.error().message);
    auto p = c.List(kPipelines, inv.all_namespaces);
    if (!p.ok()) return Fail(env, p.error().message);
    releases = r.value()["items"];
    pipelines = p.value()["items"];
    json all = releases;
    for (const auto& i : pipelines) all.push_back(i);
    if (Structured(inv, env, ListOf(all))) return kExitOk;
  }
  if (releases.empty() && pipelines.empty()) {
    env.err << (inv.all_namespaces ? std::string("No resources found\n")
                                   : "No resources found in " + c.ns() + " namespace.\n");
    return kExitOk;
  }
  std::vector<api::Release> rs;
  std::vector<api::Pipeline> ps;
  for (const auto& o : releases) {
    auto r = AsRelease(o);
    if (!r.ok()) return Fail(env, r.error().message);
    rs.push_back(std::move(r.value()));
  }
  for (const auto& o : pipelines) {
    auto p = AsPipeline(o);
    if (!p.ok()) return Fail(env, p.error().message);
    ps.push_back(std::move(p.value()));
  }
  TreeOptions opts{env.clock.WallNow(), inv.output == OutputFormat::kWide, inv.all_namespaces};
  env.out << RenderTree(rs, ps, ListWorkloads(c, inv.all_namespaces, env), opts);
  return kExitOk;
}

// One version of a status target: its view, and its verdict.
Result<std::pair<std::string, Verdict>> View(const Target& t, const json& obj, api::Time now) {
  if (t.kind == Kind::kRelease) {
    auto r = AsRelease(obj);
    if (!r.ok()) return r.error();
    return std::pair{RenderReleaseStatus(r.value(), now), ReleaseOutcome(r.value())};
  }
  auto p = AsPipeline(obj);
  if (!p.ok()) return p.error();
  return std::pair{RenderPipelineStatus(p.value(), now), PipelineOutcome(p.value())};
}

// A read-only command's target: a Release wins a name shared with a Pipeline (with a note).
Result<Target> ReadTarget(const Invocation& inv, Env& env, Cluster& c) {
  std::string note;
  auto t = c.Resolve(inv.kind, inv.name, /*prefer_release=*/true, &note);
  if (!note.empty()) env.err << "note: " << note << "\n";
  return t;
}

int Status(const Invocation& inv, Env& env, Cluster& c) {
  auto t = ReadTarget(inv, env, c);
  if (!t.ok()) return Fail(env, t.error().message);
  const Target& target = t.value();
  if (!inv.watch && !inv.wait) {
    if (Structured(inv, env, target.object)) return kExitOk;
    auto v = View(target, target.object, env.clock.WallNow());
    if (!v.ok()) return Fail(env, v.error().message);
    env.out << v.value().first;
    return kExitOk;
  }
  std::string last_summary;
  Decide decide = [&](const json& obj) -> std::optional<int> {
    auto v = View(target, obj, env.clock.WallNow());
    if (!v.ok()) {
      env.err << "error: " << v.error().message << "\n";
      return kExitError;
    }
    const auto& [view, verdict] = v.value();
    if (inv.watch) {
      env.out << (env.terminal ? kClearScreen : "") << view << (env.terminal ? "" : "\n");
    } else if (verdict.summary != last_summary) {
      env.out << target.Display() << ": " << verdict.summary << "\n";
    }
    last_summary = verdict.summary;
    env.out.flush();
    if (verdict.outcome == Outcome::kInProgress) return std::nullopt;
    return ExitCodeFor(verdict.outcome);
  };
  WaitResult w = WaitFor(c, target, decide, inv.timeout, env.clock);
  if (!w.error.empty()) env.err << "error: " << w.error << "\n";
  return w.exit_code;
}

int History(const Invocation& inv, Env& env, Cluster& c) {
  auto t = ReadTarget(inv, env, c);
  if (!t.ok()) return Fail(env, t.error().message);
  const json& obj = t.value().object;
  if (Structured(inv, env, obj.value(json::json_pointer("/status/history"), json::array()))) {
    return kExitOk;
  }
  auto now = env.clock.WallNow();
  if (t.value().kind == Kind::kRelease) {
    auto r = AsRelease(obj);
    if (!r.ok()) return Fail(env, r.error().message);
    env.out << RenderReleaseHistory(r.value(), now);
  } else {
    auto p = AsPipeline(obj);
    if (!p.ok()) return Fail(env, p.error().message);
    env.out << RenderPipelineHistory(p.value(), now);
  }
  return kExitOk;
}

// The kind an action command addresses when NAME has no prefix.
Kind ActionKind(Command c, Kind given) {
  if (given != Kind::kAny) return given;
  if (c == Command::kRun || c == Command::kCancel) return Kind::kPipeline;
  if (c == Command::kRetry) return Kind::kAny;
  return Kind::kRelease;
}

int Act(const Invocation& inv, Env& env, Cluster& c) {
  auto t = c.Resolve(ActionKind(inv.command, inv.kind), inv.name);
  if (!t.ok()) return Fail(env, t.error().message);
  const Target& target = t.value();
  auto action = ActionFor(inv.command, target.kind, inv.full);
  if (!action) {
    return Fail(env, std::string(CommandName(inv.command)) + " does not apply to " + target.Display());
  }
  std::string nonce = MakeNonce(env.clock.WallNow(), env.random());
  kube::PatchOptions opts;
  opts.field_manager = kFieldManager;
  auto patched = c.client().Patch(RefFor(target.kind), target.ns, target.name, kube::PatchType::kMerge,
                                  ActionPatch(*action, nonce, inv.revision), opts);
  if (!patched.ok()) {
    return Fail(env, DescribeError(patched.error(), target.Display(), target.ns,
                                   c.client().config().server));
  }
  env.out << target.Display() << " " << action->verb << " requested"
          << (inv.revision.empty() ? "" : " (revision " + inv.revision + ")") << "\n";
  if (!inv.wait) return kExitOk;
  Target after = target;
  after.object = patched.value();
  Decide acked = [&](const json& obj) -> std::optional<int> {
    if (!Acknowledged(obj, *action, nonce)) return std::nullopt;
    env.out << target.Display() << " " << action->verb << " acknowledged by the operator\n";
    return kExitOk;
  };
  WaitResult w = WaitFor(c, after, acked, inv.timeout, env.clock);
  if (!w.error.empty()) env.err << "error: " << w.error << " (is the Ferry operator running?)\n";
  return w.exit_code;
}

}  // namespace

int Execute(const Invocation& inv, Env& env) {
  if (inv.command == Command::kHelp) {
    env.out << HelpText(inv.help_topic);
    return kExitOk;
  }
  if (inv.command == Command::kVersion) return Version(inv, env);
  auto cluster = Cluster::Connect(inv);
  if (!cluster.ok()) return Fail(env, cluster.error().message);
  Cluster& c = *cluster.value();
  switch (inv.command) {
    case Command::kGet: return Get(inv, env, c);
    case Command::kStatus: return Status(inv, env, c);
    case Command::kHistory: return History(inv, env, c);
    default: return Act(inv, env, c);
  }
}

}  // namespace ferry::plugin
