#include "tests/integration/release/release_fixture.h"

#include <chrono>

namespace ferry::itest {

std::string Image(const std::string& version) { return "example.com/web:" + version; }

void ReleaseTest::SetUp() {
  IntegrationTest::SetUp();
  if (HasFatalFailure()) return;
  ASSERT_TRUE(cluster().CreateNamespace(kNs));
}

void ReleaseTest::TearDown() {
  if (monitor_) {
    monitor_->Stop();
    EXPECT_GT(monitor_->samples(), 0);
    EXPECT_GE(monitor_->min(), stable_start_)
        << "the stable Deployment's availableReplicas dropped below its start value";
  }
  if (HasFailure()) std::cerr << "Release at the end: " << Release().dump(2) << "\n";
  IntegrationTest::TearDown();
}

void ReleaseTest::StartWithTarget(int replicas) {
  const json target = RollableDeployment(kNs, kApp, replicas, Image("1"));
  auto applied = cluster().Apply(kube::kDeployments, target);
  ASSERT_TRUE(applied) << applied.error().ToString();
  ASSERT_TRUE(Eventually([&] {
    auto d = Target();
    return d && IntAt(*d, "/status/availableReplicas").value_or(0) == replicas;
  })) << "the target never became available";
  stable_start_ = replicas;
  monitor_ = std::make_unique<MinMonitor>(client(), kube::kDeployments, kNs, kApp,
                                          "/status/availableReplicas");
  StartOperator();
}

void ReleaseTest::ApplyRelease(const Spec& spec) {
  json template_patch = {{"containers", {{{"name", "app"}, {"image", Image(spec.version)}}}}};
  if (!spec.pod_annotations.empty()) {
    template_patch["metadata"] = {{"annotations", spec.pod_annotations}};
  }
  json release = {{"metadata", {{"name", kApp}, {"namespace", kNs}}},
                  {"spec",
                   {{"targetRef", {{"name", kApp}}},
                    {"version", spec.version},
                    {"template", template_patch},
                    {"progressDeadlineSeconds", spec.progress_deadline_seconds},
                    {"strategy", {{"canary", {{"steps", spec.steps}}}}}}}};
  auto applied = cluster().Apply(kReleases, release);
  ASSERT_TRUE(applied) << applied.error().ToString();
}

void ReleaseTest::StartNeverReadyRollout(const json& steps, int progress_deadline_seconds) {
  StartWithTarget();
  Spec spec{.steps = steps, .progress_deadline_seconds = progress_deadline_seconds};
  AdoptStable(spec);
  spec.version = "2";
  spec.pod_annotations = {{"sim/ready", "false"}};
  ApplyRelease(spec);
}

void ReleaseTest::AdoptStable(const Spec& spec) {
  Spec stable = spec;
  stable.version = "1";
  stable.pod_annotations = json::object();
  ApplyRelease(stable);
  ASSERT_TRUE(WaitRelease(
      [](const json& r) {
        return StringAt(r, "/status/phase") == "Healthy" &&
               StringAt(r, "/status/stable/version") == "1";
      },
      "adoption of version 1 (Healthy)"));
}

json ReleaseTest::Release() { return cluster().Find(kReleases, kNs, kApp).value_or(json()); }

std::string ReleaseTest::Phase() { return StringAt(Release(), "/status/phase"); }

bool ReleaseTest::WaitRelease(const std::function<bool(const json&)>& pred,
                              const std::string& what, Millis timeout) {
  json last;
  bool ok = Eventually(
      [&] {
        last = Release();
        return !last.is_null() && pred(last);
      },
      timeout);
  if (!ok) {
    ADD_FAILURE() << "timed out waiting for " << what
                  << "; status: " << last.value("status", json()).dump(2);
  }
  return ok;
}

bool ReleaseTest::WaitPhase(const std::string& phase, Millis timeout) {
  return WaitRelease([&](const json& r) { return StringAt(r, "/status/phase") == phase; },
                     "phase " + phase, timeout);
}

bool ReleaseTest::WaitPausedAt(int index, Millis timeout) {
  return WaitRelease(
      [&](const json& r) {
        return StringAt(r, "/status/phase") == "Paused" &&
               IntAt(r, "/status/currentStepIndex") == index;
      },
      "Paused at step index " + std::to_string(index), timeout);
}

void ReleaseTest::Request(const std::string& action) {
  std::string nonce = std::to_string(++nonce_) + "-" +
                      std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
  auto r = cluster().Annotate(kReleases, kNs, kApp, {{"ferry.dev/" + action, nonce}});
  ASSERT_TRUE(r) << r.error().ToString();
}

std::optional<json> ReleaseTest::Target() { return cluster().Find(kube::kDeployments, kNs, kApp); }

std::optional<json> ReleaseTest::CanaryDeployment() {
  return cluster().Find(kube::kDeployments, kNs, kCanary);
}

std::string ReleaseTest::TargetImage() {
  auto d = Target();
  return d ? StringAt(*d, "/spec/template/spec/containers/0/image") : "";
}

json ReleaseTest::Condition(const std::string& type) {
  for (const auto& c : Release().value("/status/conditions"_json_pointer, json::array())) {
    if (c.value("type", "") == type) return c;
  }
  return {{"type", type}, {"status", ""}, {"reason", ""}, {"message", ""}};
}

std::vector<std::string> ReleaseTest::EventReasons() {
  std::vector<std::string> out;
  for (const auto& e : cluster().EventsFor(kNs, kApp)) {
    if (StringAt(e, "/involvedObject/kind") != "Release") continue;
    for (int i = 0; i < e.value("count", 1); ++i) out.push_back(e.value("reason", ""));
  }
  return out;
}

int ReleaseTest::EventCount(const std::string& reason, const std::string& message_contains) {
  int n = 0;
  for (const auto& e : cluster().EventsFor(kNs, kApp)) {
    if (StringAt(e, "/involvedObject/kind") != "Release") continue;
    if (e.value("reason", "") != reason) continue;
    if (e.value("message", "").find(message_contains) == std::string::npos) continue;
    n += e.value("count", 1);
  }
  return n;
}

}  // namespace ferry::itest
