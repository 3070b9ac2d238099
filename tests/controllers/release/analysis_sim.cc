#include "tests/controllers/release/analysis_sim.h"

#include <chrono>
#include <cstdlib>
#include <thread>

#include "operator/api/codec.h"
#include "operator/base/clock.h"
#include "sim_client.h"
#include "tests/api/yaml_json.h"

namespace ferry::release::testing {

using nlohmann::json;
using namespace std::chrono_literals;

namespace {

constexpr char kToken[] = "analysis-test-token";

bool Established(const json& crd) {
  for (const auto& c : crd.value("/status/conditions"_json_pointer, json::array()))
    if (c.value("type", "") == "Established" && c.value("status", "") == "True") return true;
  return false;
}

}  // namespace

void StartRun(api::Release& release, const std::string& run,
              const std::vector<std::string>& metrics, api::Time start) {
  release.status.stable.version = "v1";
  release.status.stable.templateHash = "h1";
  release.status.canary = api::VersionStatus{.version = "v2", .templateHash = "h2"};
  api::AnalysisRunStatus r{.name = run, .phase = api::kAnalysisRunning, .startTime = start};
  for (const auto& m : metrics) r.metrics.push_back({.name = m, .phase = api::kAnalysisPending});
  release.status.analysisRuns.push_back(std::move(r));
}

const api::AnalysisRunStatus& RunOf(const api::Release& release, const std::string& run) {
  for (const auto& r : release.status.analysisRuns)
    if (r.name == run) return r;
  static const api::AnalysisRunStatus kNone;
  return kNone;
}

RunAnalysis ActionFor(const api::Release& release, const std::string& run,
                      std::vector<api::AnalysisArg> args) {
  RunAnalysis a{.name = run, .args = std::move(args)};
  for (const auto& m : RunOf(release, run).metrics) a.metrics.push_back(m.name);
  return a;
}

const kube::ResourceRef& ReleasesRef() {
  static const kube::ResourceRef ref{"ferry.dev", "v1alpha1", "releases", "Release", true};
  return ref;
}

AnalysisSim::AnalysisSim() {
  setenv("FERRY_BINARY_DIR", FERRY_BINARY_DIR_PATH, 0);
  setenv("FERRY_SOURCE_DIR", FERRY_SOURCE_DIR_PATH, 0);
  sim_ = std::make_unique<simtest::SimProcess>(
      std::vector<std::string>{"--token", kToken, "--pod-ready-delay", "0.1"});
  if (!sim_->ok()) {
    error_ = "kube-sim did not start";
    return;
  }
  kube::Config config;
  config.server = sim_->url();
  config.bearer_token = kToken;
  config.qps = 0;
  auto client = kube::Client::New(config);
  if (!client.ok()) {
    error_ = client.error().message;
    return;
  }
  client_ = std::move(*client);
  sink_ = std::make_unique<events::KubeEventSink>(*client_);
  events_ = std::make_unique<events::EventRecorder>(*sink_, RealClock::Get());
  const auto docs = api::testing::LoadYamlFile(api::testing::SourcePath("crds/ferry.dev_releases.yaml"));
  if (docs.empty()) {
    error_ = "no Release CRD";
    return;
  }
  auto crd = client_->Create(kube::kCustomResourceDefinitions, docs[0]);
  if (!crd.ok()) {
    error_ = "creating the Release CRD: " + crd.error().message;
    return;
  }
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  for (;;) {
    auto got = client_->Get(kube::kCustomResourceDefinitions, "", (*crd)["metadata"]["name"].get<std::string>());
    if (got.ok() && Established(*got)) break;
    if (std::chrono::steady_clock::now() > deadline) {
      error_ = "Release CRD not Established";
      return;
    }
    std::this_thread::sleep_for(50ms);
  }
  auto ns = client_->Create(kube::kNamespaces, {{"apiVersion", "v1"}, {"kind", "Namespace"},
                                                {"metadata", {{"name", kNamespace}}}});
  if (!ns.ok()) error_ = "creating the namespace: " + ns.error().message;
}

AnalysisSim::~AnalysisSim() {
  if (events_) events_->Stop();
}

Result<api::Release> AnalysisSim::CreateRelease(const std::string& name) {
  json obj = {{"apiVersion", "ferry.dev/v1alpha1"},
              {"kind", "Release"},
              {"metadata", {{"name", name}, {"namespace", kNamespace}}},
              {"spec",
               {{"targetRef", {{"name", "model"}}},
                {"version", "v2"},
                {"strategy", {{"canary", {{"steps", json::array({{{"setWeight", 10}}})}}}}}}}};
  auto created = client_->Create(ReleasesRef(), obj);
  if (!created.ok()) return Error{"creating Release " + name + ": " + created.error().message};
  auto decoded = api::Decode<api::Release>(*created);
  if (!decoded.ok()) return Error{"decoding Release " + name};
  api::Release out = *decoded;
  out.spec = api::ReleaseSpec{};
  out.spec.targetRef.name = "model";
  out.spec.version = "v2";
  return out;
}

std::vector<json> AnalysisSim::EventsFor(const std::string& name) {
  events_->Flush();
  std::vector<json> out;
  auto list = client_->List(kube::kEvents, kNamespace);
  if (!list.ok()) return out;
  for (const auto& e : (*list)["items"])
    if (e.value("/involvedObject/name"_json_pointer, std::string()) == name) out.push_back(e);
  return out;
}

}  // namespace ferry::release::testing
