#include "operator/controllers/pipeline/substitution.h"

#include <optional>
#include <vector>

namespace ferry::pipeline {

namespace {

constexpr std::string_view kStagesPrefix = "stages.";
constexpr std::string_view kResultSuffix = ".result";

bool IsFerryNamespace(std::string_view var) {
  return var == "revision" || var.starts_with("run.") || var.starts_with("source.") ||
         var.starts_with(kStagesPrefix);
}

// The value of a Ferry variable, or an error message (without the field).
Result<std::string> Lookup(std::string_view var, const RunVariables& v) {
  std::string ref = "$(" + std::string(var) + ")";
  if (var == "revision") {
    if (v.revision.empty()) {
      return Error{ref + " is not known: this run builds the head of " + v.source_ref +
                   " without a pinned commit; set spec.source.revision, annotate ferry.dev/"
                   "run-revision, or trigger through the webhook"};
    }
    return v.revision;
  }
  if (var == "run.id") return v.run_id;
  if (var == "run.number") return std::to_string(v.run_number);
  if (var == "source.url") return v.source_url;
  if (var == "source.ref") return v.source_ref;
  if (var.starts_with(kStagesPrefix) && var.ends_with(kResultSuffix) &&
      var.size() > kStagesPrefix.size() + kResultSuffix.size()) {
    std::string stage(
        var.substr(kStagesPrefix.size(), var.size() - kStagesPrefix.size() - kResultSuffix.size()));
    auto it = v.results.find(stage);
    if (it == v.results.end()) {
      return Error{ref + " is not available: stage \"" + stage +
                   "\" has not succeeded in this run; list it in dependsOn (directly or "
                   "through another stage)"};
    }
    return it->second;
  }
  return Error{"unknown variable " + ref +
               "; use $(revision), $(run.id), $(run.number), "
               "$(source.url), $(source.ref) or $(stages.<name>.result)"};
}

void Collect(Result<std::string> r, std::string& out, std::vector<std::string>& errs) {
  if (r.ok()) {
    out = std::move(r.value());
  } else {
    errs.push_back(std::move(r.error().message));
  }
}

Error Join(const std::vector<std::string>& errs) {
  std::string msg;
  for (const auto& e : errs) msg += (msg.empty() ? "" : "; ") + e;
  return Error{msg};
}

std::string Index(std::string_view path, std::string_view key, size_t i) {
  return std::string(path) + "." + std::string(key) + "[" + std::to_string(i) + "]";
}

}  // namespace

Result<std::string> Substitute(std::string_view text, const RunVariables& vars,
                               std::string_view field) {
  std::string out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t open = text.find("$(", pos);
    if (open == std::string_view::npos) break;
    if (open > 0 && text[open - 1] == '$') {  // "$$(" is Kubernetes' escape: keep it
      out.append(text.substr(pos, open + 2 - pos));
      pos = open + 2;
      continue;
    }
    size_t close = text.find(')', open + 2);
    if (close == std::string_view::npos) break;
    std::string_view var = text.substr(open + 2, close - open - 2);
    out.append(text.substr(pos, open - pos));
    if (!IsFerryNamespace(var)) {
      out.append(text.substr(open, close + 1 - open));
    } else {
      auto value = Lookup(var, vars);
      if (!value.ok()) return Error{std::string(field) + ": " + value.error().message};
      out += value.value();
    }
    pos = close + 1;
  }
  if (pos < text.size()) out.append(text.substr(pos));
  return out;
}

Result<api::Stage> SubstituteStage(const api::Stage& stage, const RunVariables& vars,
                                   std::string_view path) {
  api::Stage out = stage;
  std::vector<std::string> errs;
  std::string p(path);
  Collect(Substitute(stage.image, vars, p + ".image"), out.image, errs);
  for (size_t i = 0; i < stage.command.size(); ++i) {
    Collect(Substitute(stage.command[i], vars, Index(p, "command", i)), out.command[i], errs);
  }
  for (size_t i = 0; i < stage.args.size(); ++i) {
    Collect(Substitute(stage.args[i], vars, Index(p, "args", i)), out.args[i], errs);
  }
  for (size_t i = 0; i < stage.env.size(); ++i) {
    Collect(Substitute(stage.env[i].value, vars, Index(p, "env", i) + ".value"), out.env[i].value,
            errs);
  }
  if (!errs.empty()) return Join(errs);
  return out;
}

Result<api::Handoff> SubstituteHandoff(const api::Handoff& handoff, const RunVariables& vars) {
  api::Handoff out = handoff;
  std::vector<std::string> errs;
  Collect(Substitute(handoff.image, vars, "spec.handoff.image"), out.image, errs);
  Collect(Substitute(handoff.version, vars, "spec.handoff.version"), out.version, errs);
  for (size_t i = 0; i < handoff.env.size(); ++i) {
    Collect(Substitute(handoff.env[i].value, vars, Index("spec.handoff", "env", i) + ".value"),
            out.env[i].value, errs);
  }
  if (!errs.empty()) return Join(errs);
  return out;
}

}  // namespace ferry::pipeline
