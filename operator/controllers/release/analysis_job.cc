// The `job` provider: pure Job building and reading (analysis_job.h), and the provider over the
// kube client.
#include "operator/controllers/release/analysis_job.h"

#include <cctype>

#include "operator/controllers/release/pod_template.h"
#include "operator/kube/client.h"

namespace ferry::release {

namespace an = ferry::analysis;
using nlohmann::json;

namespace {

// Lower-case DNS label characters only; anything else becomes '-'.
std::string DnsSafe(const std::string& s) {
  std::string out;
  for (char c : s) {
    const unsigned char u = static_cast<unsigned char>(c);
    out += std::isalnum(u) ? static_cast<char>(std::tolower(u)) : '-';
  }
  return out;
}

Status RenderEnv(json& containers, const an::TemplateContext& vars, const std::string& path) {
  if (!containers.is_array()) return {};
  for (std::size_t i = 0; i < containers.size(); ++i) {
    json& env = containers[i]["env"];
    if (!env.is_array()) {
      if (env.is_null()) containers[i].erase("env");
      continue;
    }
    for (std::size_t k = 0; k < env.size(); ++k) {
      if (!env[k].contains("value") || !env[k]["value"].is_string()) continue;
      auto rendered = an::RenderQuery(env[k]["value"].get<std::string>(), vars);
      if (!rendered.ok()) {
        return Error{path + "[" + std::to_string(i) + "].env[" + std::to_string(k) +
                     "].value: " + rendered.error().message};
      }
      env[k]["value"] = *rendered;
    }
  }
  return {};
}

std::string Cut(std::string s, std::size_t n) {
  if (s.size() > n) s = s.substr(0, n) + "...";
  return s;
}

// The termination message of the newest terminated container of the newest pod.
std::string TerminationMessage(const json& pods) {
  std::string best_time, best;
  for (const json& pod : pods) {
    const std::string created = pod["metadata"].value("creationTimestamp", "");
    for (const json& s : pod.value("status", json::object()).value("containerStatuses", json::array())) {
      for (const char* which : {"state", "lastState"}) {
        const json t = s.value(which, json::object()).value("terminated", json::object());
        const std::string msg = t.value("message", "");
        if (msg.empty()) continue;
        const std::string when = created + t.value("finishedAt", "");
        if (when >= best_time) {
          best_time = when;
          best = msg;
        }
      }
    }
  }
  while (!best.empty() && std::isspace(static_cast<unsigned char>(best.back()))) best.pop_back();
  return Cut(best, kMaxTerminationMessage);
}

}  // namespace

std::string AnalysisJobName(const std::string& release, const std::string& run,
                            const std::optional<api::Time>& run_start, const std::string& metric,
                            int32_t index) {
  const std::string start = run_start ? api::FormatTime(*run_start) : "";
  const std::string hash = SafeEncodeHash(Fnv1a32(release + "\n" + run + "\n" + start + "\n" + metric));
  const std::string suffix = "-" + hash + "-" + std::to_string(index + 1);
  std::string base = DnsSafe(release + "-" + run + "-" + metric);
  if (base.size() + suffix.size() > kMaxJobNameLength)
    base.resize(kMaxJobNameLength - suffix.size());
  while (!base.empty() && base.back() == '-') base.pop_back();
  return base + suffix;
}

bool OwnedBy(const json& obj, const std::string& uid) {
  for (const json& ref : obj["metadata"].value("ownerReferences", json::array()))
    if (ref.value("uid", "") == uid) return true;
  return false;
}

Result<json> BuildAnalysisJob(const api::Release& release, const api::Metric& metric,
                              const std::string& run, const std::string& name,
                              const an::TemplateContext& vars) {
  const std::string where = "spec.analysis.metrics[" + metric.name + "].provider.job";
  const api::JobProvider& p = *metric.provider.job;
  if (!p.spec.is_object() || !p.spec.contains("template"))
    return Error{where + ".spec: must be a batch/v1 JobSpec with a template"};
  json labels = json::object(), annotations = json::object();
  for (const auto& [k, v] : p.metadata.labels) labels[k] = v;
  for (const auto& [k, v] : p.metadata.annotations) annotations[k] = v;
  labels[kLabelRelease] = release.metadata.name;
  labels[kLabelAnalysisRun] = DnsSafe(run);
  labels[kLabelAnalysisMetric] = DnsSafe(metric.name);
  labels[kLabelManagedBy] = kManagedByFerry;
  json job = {
      {"apiVersion", "batch/v1"},
      {"kind", "Job"},
      {"metadata",
       {{"name", name},
        {"namespace", release.metadata.namespace_},
        {"labels", labels},
        {"ownerReferences",
         json::array({{{"apiVersion", release.apiVersion},
                       {"kind", release.kind},
                       {"name", release.metadata.name},
                       {"uid", release.metadata.uid},
                       {"controller", true},
                       {"blockOwnerDeletion", true}}})}}},
      {"spec", p.spec}};
  if (!annotations.empty()) job["metadata"]["annotations"] = annotations;
  json& spec = job["spec"];
  if (!spec.contains("ttlSecondsAfterFinished")) spec["ttlSecondsAfterFinished"] = kAnalysisJobTtlSeconds;
  json& tmpl = spec["template"];
  if (!tmpl.is_object()) return Error{where + ".spec.template: must be a pod template"};
  tmpl["metadata"]["labels"][kLabelAnalysisJob] = name;
  tmpl["metadata"]["labels"][kLabelRelease] = release.metadata.name;
  json& pod = tmpl["spec"];
  if (!pod.is_object()) return Error{where + ".spec.template.spec: must be a pod spec"};
  for (const char* key : {"initContainers", "containers"}) {
    if (!pod.contains(key)) continue;
    if (Status st = RenderEnv(pod[key], vars, where + ".spec.template.spec." + key); !st.ok())
      return st.error();
  }
  return job;
}

std::optional<JobOutcome> ReadJobOutcome(const json& job, const json& pods) {
  const std::string name = job["metadata"].value("name", "");
  for (const json& c : job.value("status", json::object()).value("conditions", json::array())) {
    if (c.value("status", "") != "True") continue;
    const std::string type = c.value("type", "");
    if (type != "Complete" && type != "Failed") continue;
    JobOutcome out;
    const std::string when = c.value("lastTransitionTime", "");
    if (auto t = api::ParseTime(when); t.ok()) out.finished = *t;
    const std::string term = TerminationMessage(pods);
    if (type == "Complete") {
      out.phase = api::kAnalysisSuccessful;
      out.message = "job " + name + " succeeded";
    } else {
      out.phase = api::kAnalysisFailed;
      out.message = "job " + name + " failed";
      const std::string reason = c.value("reason", "");
      if (!reason.empty()) out.message += " (" + reason + ")";
    }
    if (!term.empty()) out.message += ": " + term;
    return out;
  }
  return std::nullopt;
}

namespace {

class JobProvider final : public MeasurementProvider {
 public:
  JobProvider(kube::Client& client, Clock& clock) : client_(client), clock_(clock) {}

  MeasureOutcome Measure(const MeasureRequest& r) override {
    const std::string& ns = r.release.metadata.namespace_;
    const std::string name =
        AnalysisJobName(r.release.metadata.name, r.run.name, r.run.startTime, r.metric.name, r.index);
    MeasureOutcome out;
    out.measurement.startedAt = clock_.WallNow();
    auto error = [&](std::string msg) {
      out.measurement.phase = api::kAnalysisError;
      out.measurement.message = std::move(msg);
      out.measurement.finishedAt = clock_.WallNow();
      return out;
    };
    auto job = client_.Get(kube::kJobs, ns, name);
    if (!job.ok() && kube::IsNotFound(job.error())) {
      if (r.resuming) return error("job " + name + " was deleted before it finished");
      auto body = BuildAnalysisJob(r.release, r.metric, r.run.name, name, r.vars);
      if (!body.ok()) return error(body.error().message);
      job = client_.Create(kube::kJobs, *body);
      if (!job.ok() && kube::IsAlreadyExists(job.error())) job = client_.Get(kube::kJobs, ns, name);
    }
    if (!job.ok()) return error("job " + name + ": " + job.error().message);
    if (!OwnedBy(*job, r.release.metadata.uid))
      return error("job " + name + " exists and is not owned by this Release; delete it");
    json pods = json::array();
    if (HasFinished(*job)) {
      auto list = client_.List(kube::kPods, ns,
                               {.label_selector = std::string(kLabelAnalysisJob) + "=" + name});
      if (!list.ok()) return error("pods of job " + name + ": " + list.error().message);
      const std::string uid = (*job)["metadata"].value("uid", "");
      for (const json& pod : list->value("items", json::array()))
        if (OwnedBy(pod, uid)) pods.push_back(pod);
    }
    std::optional<JobOutcome> outcome = ReadJobOutcome(*job, pods);
    if (!outcome) {
      out.measurement.phase = api::kAnalysisRunning;
      out.measurement.message = "job " + name + " running";
      return out;
    }
    out.measurement.phase = outcome->phase;
    out.measurement.message = outcome->message;
    out.measurement.finishedAt = outcome->finished.value_or(clock_.WallNow());
    return out;
  }

 private:
  static bool HasFinished(const json& job) {
    return ReadJobOutcome(job, json::array()).has_value();
  }

  kube::Client& client_;
  Clock& clock_;
};

}  // namespace

std::unique_ptr<MeasurementProvider> NewJobProvider(kube::Client& client, Clock& clock) {
  return std::make_unique<JobProvider>(client, clock);
}

}  // namespace ferry::release
