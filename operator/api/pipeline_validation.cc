#include <functional>
#include <map>
#include <regex>
#include <set>

#include "operator/api/pipeline_types.h"
#include "operator/api/validation.h"

namespace ferry::api {

namespace {

using Graph = std::map<std::string, std::vector<std::string>>;  // stage -> dependsOn

bool IsGitUrl(const std::string& url) {
  static const std::regex re(
      R"(^((https?|ssh|git)://[^\s/]+(/[^\s]*)?|[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^\s]+)$)");
  return std::regex_match(url, re);
}

bool IsGitRef(const std::string& ref) {
  static const std::regex bad(R"([\s~^:?*\[\\]|\.\.|@\{|//)");
  if (ref.empty() || ref.front() == '-' || ref.front() == '/' || ref.back() == '/' ||
      ref.back() == '.' || ref.ends_with(".lock")) {
    return false;
  }
  return !std::regex_search(ref, bad);
}

bool IsCommit(const std::string& rev) {
  static const std::regex re(R"(^[0-9a-f]{7,64}$)");
  return std::regex_match(rev, re);
}

void CheckSource(const GitSource& s, const std::string& path, FieldErrors& errs) {
  if (s.url.empty()) {
    CheckRequired(s.url, JoinPath(path, "url"), errs);
  } else if (!IsGitUrl(s.url)) {
    errs.push_back({JoinPath(path, "url"),
                    Quote(s.url) + " is not a git URL; use https://host/org/repo.git, "
                                   "ssh://git@host/org/repo.git or git@host:org/repo.git"});
  }
  if (!IsGitRef(s.ref)) {
    errs.push_back({JoinPath(path, "ref"),
                    Quote(s.ref) + " is not a valid git ref, e.g. \"main\" or \"refs/tags/v1\""});
  }
  if (!s.revision.empty() && !IsCommit(s.revision)) {
    errs.push_back({JoinPath(path, "revision"),
                    Quote(s.revision) + " is not a commit id: 7 to 64 lower-case hex digits"});
  }
  if (s.secretRef) CheckDnsSubdomain(s.secretRef->name, JoinPath(path, "secretRef.name"), errs);
}

void CheckWebhook(const WebhookTrigger& w, const std::string& path, FieldErrors& errs) {
  const std::string& p = w.provider;
  bool generic = p == kWebhookGeneric;
  if (p != kWebhookGitHub && p != kWebhookGitea && p != kWebhookGitLab && !generic) {
    errs.push_back({JoinPath(path, "provider"),
                    Quote(p) + " is not one of GitHub, Gitea, GitLab, Generic"});
  }
  CheckDnsSubdomain(w.secretRef.name, JoinPath(path, "secretRef.name"), errs);
  CheckRequired(w.secretRef.key, JoinPath(path, "secretRef.key"), errs);
  std::string hp = JoinPath(path, "signatureHeader");
  if (generic && w.signatureHeader.empty()) {
    errs.push_back({hp, "is required for the Generic provider, e.g. \"X-Signature-256\""});
  } else if (!generic && !w.signatureHeader.empty()) {
    errs.push_back({hp, "applies only to the Generic provider; " + p + " has its own header"});
  } else if (generic && !IsHttpHeaderName(w.signatureHeader)) {
    errs.push_back({hp, Quote(w.signatureHeader) + " is not an HTTP header name"});
  }
}

// Stages `name` depends on, directly or not.
std::set<std::string> Ancestors(const Graph& g, const std::string& name) {
  std::set<std::string> seen;
  std::function<void(const std::string&)> walk = [&](const std::string& n) {
    auto it = g.find(n);
    if (it == g.end()) return;
    for (const auto& dep : it->second) {
      if (seen.insert(dep).second) walk(dep);
    }
  };
  walk(name);
  return seen;
}

// Checks the $(...) variables in `text`; `visible` are the stages whose results may be used.
void CheckVariables(const std::string& text, const std::set<std::string>& visible,
                    const std::set<std::string>& all, const std::string& path, FieldErrors& errs) {
  static const std::set<std::string> kRun = {"revision", "run.id", "run.number", "source.url",
                                             "source.ref"};
  for (const auto& var : Variables(text)) {
    if (kRun.contains(var)) continue;
    bool ferry_var = var.starts_with("stages.") || var.starts_with("run.") ||
                     var.starts_with("source.");
    if (!ferry_var) continue;  // Kubernetes expands $(ENV_VAR) itself
    static const std::regex stage_re(R"(^stages\.([^.]+)\.result$)");
    std::smatch m;
    if (!std::regex_match(var, m, stage_re)) {
      errs.push_back({path, "unknown variable $(" + var + "); use $(revision), $(run.id), "
                            "$(run.number), $(source.url), $(source.ref) or "
                            "$(stages.<name>.result)"});
    } else if (!all.contains(m[1].str())) {
      errs.push_back({path, "$(" + var + ") names no stage of spec.stages"});
    } else if (!visible.contains(m[1].str())) {
      errs.push_back({path, "$(" + var + ") is not known yet here: add \"" + m[1].str() +
                                "\" to this stage's dependsOn (directly or through another "
                                "stage)"});
    }
  }
}

void CheckEnv(const std::vector<StageEnvVar>& env, const std::set<std::string>& visible,
              const std::set<std::string>& all, const std::string& path, FieldErrors& errs) {
  std::set<std::string> names;
  for (size_t i = 0; i < env.size(); ++i) {
    const auto& e = env[i];
    std::string ep = IndexPath(path, i);
    if (!IsEnvVarName(e.name)) {
      errs.push_back({JoinPath(ep, "name"), Quote(e.name) + " is not a valid variable name"});
    } else if (!names.insert(e.name).second) {
      errs.push_back({JoinPath(ep, "name"), Quote(e.name) + " is set twice"});
    }
    if (e.valueFrom) {
      int n = int(e.valueFrom->secretKeyRef.has_value()) +
              int(e.valueFrom->configMapKeyRef.has_value());
      if (n != 1) errs.push_back({JoinPath(ep, "valueFrom"), "set exactly one of secretKeyRef, configMapKeyRef"});
      if (!e.value.empty()) errs.push_back({ep, "set value or valueFrom, not both"});
      for (const auto* ref : {&e.valueFrom->secretKeyRef, &e.valueFrom->configMapKeyRef}) {
        if (!*ref) continue;
        CheckDnsSubdomain((*ref)->name, JoinPath(ep, "valueFrom.name"), errs);
        CheckRequired((*ref)->key, JoinPath(ep, "valueFrom.key"), errs);
      }
    }
    CheckVariables(e.value, visible, all, JoinPath(ep, "value"), errs);
  }
}

void CheckStageFields(const Stage& s, const std::set<std::string>& visible,
                      const std::set<std::string>& all, const std::string& path,
                      FieldErrors& errs) {
  CheckRequired(s.image, JoinPath(path, "image"), errs);
  CheckVariables(s.image, visible, all, JoinPath(path, "image"), errs);
  for (const auto* list : {&s.command, &s.args}) {
    const char* key = list == &s.command ? "command" : "args";
    for (size_t i = 0; i < list->size(); ++i) {
      CheckVariables((*list)[i], visible, all, IndexPath(JoinPath(path, key), i), errs);
    }
  }
  if (!s.workingDir.starts_with("/")) {
    errs.push_back({JoinPath(path, "workingDir"), Quote(s.workingDir) + " must be an absolute path"});
  }
  CheckEnv(s.env, visible, all, JoinPath(path, "env"), errs);
  for (const auto* m : {&s.resources.requests, &s.resources.limits}) {
    std::string rp = JoinPath(JoinPath(path, "resources"), m == &s.resources.requests ? "requests" : "limits");
    for (const auto& [name, q] : *m) {
      if (!IsQuantity(q)) errs.push_back({JoinPath(rp, name), Quote(q) + " is not a quantity, e.g. \"500m\" or \"1Gi\""});
    }
  }
  CheckDuration(s.timeout, true, JoinPath(path, "timeout"), errs);
  CheckRange(s.retries, 0, kMaxStageRetries, JoinPath(path, "retries"), errs);
  std::set<std::string> paths;
  for (size_t i = 0; i < s.secretMounts.size(); ++i) {
    std::string mp = IndexPath(JoinPath(path, "secretMounts"), i);
    CheckDnsSubdomain(s.secretMounts[i].secretName, JoinPath(mp, "secretName"), errs);
    const auto& mount = s.secretMounts[i].mountPath;
    if (!mount.starts_with("/")) {
      errs.push_back({JoinPath(mp, "mountPath"), Quote(mount) + " must be an absolute path"});
    } else if (!paths.insert(mount).second) {
      errs.push_back({JoinPath(mp, "mountPath"), Quote(mount) + " is mounted twice"});
    }
  }
  std::string labels = JoinPath(JoinPath(path, "podMetadata"), "labels");
  for (const auto& [key, value] : s.podMetadata.labels) {
    if (!IsLabelValue(value)) {
      errs.push_back({JoinPath(labels, key), Quote(value) + " is not a label value (at most 63 of "
                                                           "[A-Za-z0-9-_.], alphanumeric at both ends)"});
    }
  }
}

void CheckDependsOn(const std::vector<Stage>& stages, const std::string& path, FieldErrors& errs) {
  std::set<std::string> names;
  for (const auto& s : stages) names.insert(s.name);
  for (size_t i = 0; i < stages.size(); ++i) {
    std::set<std::string> seen;
    for (size_t k = 0; k < stages[i].dependsOn.size(); ++k) {
      const std::string& dep = stages[i].dependsOn[k];
      std::string dp = IndexPath(JoinPath(IndexPath(path, i), "dependsOn"), k);
      if (dep == stages[i].name) {
        errs.push_back({dp, "a stage cannot depend on itself"});
      } else if (!names.contains(dep)) {
        errs.push_back({dp, "stage " + Quote(dep) + " does not exist in spec.stages"});
      } else if (!seen.insert(dep).second) {
        errs.push_back({dp, Quote(dep) + " is listed twice"});
      }
    }
  }
}

// Reports each cycle once, at the stage where the walk closes it: "build -> test -> build".
void CheckCycles(const std::vector<Stage>& stages, const std::string& path, FieldErrors& errs) {
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < stages.size(); ++i) index.emplace(stages[i].name, i);
  std::vector<int> color(stages.size(), 0);  // 0 new, 1 on the stack, 2 done
  std::vector<size_t> stack;
  std::function<void(size_t)> visit = [&](size_t i) {
    color[i] = 1;
    stack.push_back(i);
    for (const auto& dep : stages[i].dependsOn) {
      auto it = index.find(dep);
      if (it == index.end() || it->second == i) continue;  // reported by CheckDependsOn
      size_t d = it->second;
      if (color[d] == 1) {
        std::string cycle;
        auto from = std::find(stack.begin(), stack.end(), d);
        for (auto s = from; s != stack.end(); ++s) cycle += stages[*s].name + " -> ";
        errs.push_back({JoinPath(IndexPath(path, i), "dependsOn"),
                        "dependency cycle " + cycle + stages[d].name +
                            "; stages must form a DAG"});
      } else if (color[d] == 0) {
        visit(d);
      }
    }
    stack.pop_back();
    color[i] = 2;
  };
  for (size_t i = 0; i < stages.size(); ++i) {
    if (color[i] == 0) visit(i);
  }
}

void CheckHandoff(const Handoff& h, const std::set<std::string>& all, const std::string& path,
                  FieldErrors& errs) {
  CheckDnsSubdomain(h.releaseRef.name, JoinPath(path, "releaseRef.name"), errs);
  if (!h.container.empty()) CheckDnsLabel(h.container, JoinPath(path, "container"), errs);
  CheckRequired(h.image, JoinPath(path, "image"), errs);
  CheckVariables(h.image, all, all, JoinPath(path, "image"), errs);
  CheckRequired(h.version, JoinPath(path, "version"), errs);
  CheckVariables(h.version, all, all, JoinPath(path, "version"), errs);
  if (Variables(h.version).empty() && !h.version.empty() && !IsLabelValue(h.version)) {
    errs.push_back({JoinPath(path, "version"), Quote(h.version) + " is not a valid label value"});
  }
  std::vector<StageEnvVar> env;
  for (const auto& e : h.env) env.push_back({e.name, e.value, std::nullopt});
  CheckEnv(env, all, all, JoinPath(path, "env"), errs);
}

}  // namespace

FieldErrors ValidatePipelineSpec(const PipelineSpec& spec, std::string_view pipeline_name) {
  FieldErrors errs;
  CheckSource(spec.source, "spec.source", errs);
  if (spec.triggers.webhook) CheckWebhook(*spec.triggers.webhook, "spec.triggers.webhook", errs);
  std::string sp = "spec.stages";
  if (spec.stages.empty()) errs.push_back({sp, "give at least one stage"});
  if (spec.stages.size() > kMaxStages) {
    errs.push_back({sp, std::to_string(spec.stages.size()) + " stages; at most " +
                            std::to_string(kMaxStages) + " are allowed"});
  }
  Graph graph;
  std::set<std::string> all;
  for (size_t i = 0; i < spec.stages.size(); ++i) {
    const Stage& s = spec.stages[i];
    std::string np = JoinPath(IndexPath(sp, i), "name");
    CheckDnsLabel(s.name, np, errs);
    if (s.name.size() > kMaxStageNameLength) {
      errs.push_back({np, Quote(s.name) + " is longer than " + std::to_string(kMaxStageNameLength) +
                              " characters"});
    }
    if (!s.name.empty() && !all.insert(s.name).second) {
      errs.push_back({np, Quote(s.name) + " is used by two stages; names must be unique"});
    }
    if (pipeline_name.size() + s.name.size() > kMaxPipelineAndStageNameLength) {
      errs.push_back({np, Quote(s.name) + " is too long: pipeline and stage names together may "
                                          "have at most " +
                              std::to_string(kMaxPipelineAndStageNameLength) +
                              " characters (they name the stage's Jobs)"});
    }
    graph[s.name] = s.dependsOn;
  }
  CheckDependsOn(spec.stages, sp, errs);
  CheckCycles(spec.stages, sp, errs);
  for (size_t i = 0; i < spec.stages.size(); ++i) {
    CheckStageFields(spec.stages[i], Ancestors(graph, spec.stages[i].name), all, IndexPath(sp, i), errs);
  }
  if (spec.handoff) CheckHandoff(*spec.handoff, all, "spec.handoff", errs);
  if (!spec.serviceAccountName.empty()) {
    CheckDnsSubdomain(spec.serviceAccountName, "spec.serviceAccountName", errs);
  }
  const std::string& c = spec.concurrencyPolicy;
  if (c != kConcurrencyReplace && c != kConcurrencyQueue && c != kConcurrencyForbid) {
    errs.push_back({"spec.concurrencyPolicy", Quote(c) + " is not one of Replace, Queue, Forbid"});
  }
  CheckDuration(spec.timeout, true, "spec.timeout", errs);
  CheckRange(spec.historyLimit, 1, kMaxHistoryLimit, "spec.historyLimit", errs);
  return errs;
}

FieldErrors ValidatePipeline(const Pipeline& p) {
  return ValidatePipelineSpec(p.spec, p.metadata.name);
}

}  // namespace ferry::api
