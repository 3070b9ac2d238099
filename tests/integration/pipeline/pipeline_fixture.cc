#include "tests/integration/pipeline/pipeline_fixture.h"

#include <algorithm>
#include <sstream>

namespace ferry::itest {

json Stage(const std::string& name, Behaviour b, std::vector<std::string> deps, int retries) {
  std::ostringstream secs;
  secs << b.seconds;
  json annotations = {{"sim/exit-code", std::to_string(b.exit_code)},
                      {"sim/duration-seconds", secs.str()}};
  if (!b.message.empty()) annotations["sim/termination-message"] = b.message;
  json s = {{"name", name},
            {"image", "example.com/tools:1"},
            {"checkout", false},
            {"retries", retries},
            {"podMetadata", {{"annotations", annotations}}}};
  if (!deps.empty()) s["dependsOn"] = deps;
  return s;
}

void PipelineTest::SetUp() {
  IntegrationTest::SetUp();
  if (HasFatalFailure()) return;
  Status ns = cluster().CreateNamespace(kPipelineNs);
  ASSERT_TRUE(ns.ok()) << ns.error().message;
}

void PipelineTest::ApplyPipeline(const std::string& name, const std::vector<json>& stages, const json& extra) {
  json spec = {{"source", {{"url", "https://git.example.com/acme/app.git"}}},
               {"stages", stages}};
  for (const auto& [k, v] : extra.items()) {
    if (k == "source") {
      for (const auto& [sk, sv] : v.items()) spec["source"][sk] = sv;
    } else {
      spec[k] = v;
    }
  }
  json p = {{"apiVersion", "ferry.dev/v1alpha1"},
            {"kind", "Pipeline"},
            {"metadata", {{"name", name}, {"namespace", kPipelineNs}}},
            {"spec", spec}};
  auto applied = cluster().Apply(kPipelines, p);
  ASSERT_TRUE(applied) << applied.error().ToString();
}

json PipelineTest::Pipeline(const std::string& name) {
  return cluster().Find(kPipelines, kPipelineNs, name).value_or(json());
}

bool PipelineTest::WaitPipeline(const std::string& name,
                                const std::function<bool(const json&)>& pred,
                                const std::string& what, Millis timeout) {
  json last;
  bool ok = Eventually(
      [&] {
        last = Pipeline(name);
        return !last.is_null() && pred(last);
      },
      timeout);
  if (!ok) {
    ADD_FAILURE() << "Pipeline " << name << " never reached: " << what
                  << "\nstatus: " << last.value("status", json()).dump(2);
  }
  return ok;
}

bool PipelineTest::WaitRun(const std::string& name, const std::string& run,
                           const std::string& phase, Millis timeout) {
  return WaitPipeline(
      name,
      [&](const json& p) {
        return StringAt(p, "/status/currentRun/id") == run &&
               StringAt(p, "/status/phase") == phase;
      },
      "run " + run + " " + phase, timeout);
}

void PipelineTest::Request(const std::string& name, const std::string& action, json more) {
  more["ferry.dev/" + action] = "n" + std::to_string(++nonce_);
  auto res = cluster().Annotate(kPipelines, kPipelineNs, name, more);
  ASSERT_TRUE(res) << res.error().ToString();
}

std::vector<std::string> PipelineTest::Jobs(const std::string& selector) {
  std::vector<std::string> out;
  kube::ListOptions opts;
  opts.label_selector = selector;
  auto list = client().List(kube::kJobs, kPipelineNs, opts);
  if (!list) return out;
  for (const auto& j : (*list)["items"]) {
    if (j["metadata"].contains("deletionTimestamp")) continue;
    out.push_back(j["metadata"]["name"]);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<json> PipelineTest::Job(const std::string& name) {
  return cluster().Find(kube::kJobs, kPipelineNs, name);
}

bool PipelineTest::HasEvent(const std::string& name, const std::string& reason,
                            const std::string& text) {
  for (const auto& e : cluster().EventsFor(kPipelineNs, name)) {
    if (e.value("reason", "") == reason &&
        e.value("message", "").find(text) != std::string::npos) {
      return true;
    }
  }
  return false;
}

}  // namespace ferry::itest
