// The chaos workload and fixture (chaos_world.h).
#include "tests/chaos/chaos_world.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <set>

namespace ferry::chaos {
namespace {

using itest::Eventually;
using itest::IntAt;
using itest::StringAt;
using namespace std::chrono_literals;

bool IsRelease(const json& event) {
  return StringAt(event, "/involvedObject/kind") == "Release";
}

}  // namespace

const char* FateName(Fate f) {
  switch (f) {
    case Fate::kPromoted: return "promoted";
    case Fate::kNeverReady: return "rolled back (never ready)";
    case Fate::kCrashLoop: return "rolled back (crash loop)";
  }
  return "?";
}

std::string AppImage(const std::string& name, const std::string& version) {
  return "example.com/" + name + ":" + version;
}

json TimedSteps(int pause_seconds) {
  json pause = {{"pause", {{"duration", std::to_string(pause_seconds) + "s"}}}};
  return json::array({{{"setWeight", 25}}, pause, {{"setWeight", 50}}, pause,
                      {{"setWeight", 100}}});
}

RolloutCase MakeCase(const std::string& name, Fate fate, int pause_seconds) {
  RolloutCase c{name, fate, TimedSteps(pause_seconds), 120};
  if (fate == Fate::kNeverReady) c.progress_deadline_seconds = 6;
  if (fate == Fate::kCrashLoop) {
    c.steps = json::parse(R"([{"setWeight": 25}, {"pause": {"duration": "1h"}},
                              {"setWeight": 100}])");
  }
  return c;
}

json TargetDeployment(const std::string& name, int replicas) {
  return itest::RollableDeployment(kChaosNs, name, replicas, AppImage(name, "1"));
}

json ReleaseObject(const RolloutCase& c, const std::string& version) {
  json tmpl = {{"containers", {{{"name", "app"}, {"image", AppImage(c.name, version)}}}}};
  if (version != "1" && c.fate == Fate::kNeverReady) {
    tmpl["metadata"] = {{"annotations", {{"sim/ready", "false"}}}};
  } else if (version != "1" && c.fate == Fate::kCrashLoop) {
    tmpl["metadata"] = {{"annotations", {{"sim/exit-code", "1"}}}};
  }
  return {{"apiVersion", "ferry.dev/v1alpha1"},
          {"kind", "Release"},
          {"metadata", {{"name", c.name}, {"namespace", kChaosNs}}},
          {"spec",
           {{"targetRef", {{"name", c.name}}},
            {"version", version},
            {"template", tmpl},
            {"progressDeadlineSeconds", c.progress_deadline_seconds},
            {"strategy", {{"canary", {{"steps", c.steps}}}}}}}};
}

std::map<std::string, ReasonCounts> ReleaseEventReasons(kube::Client& client,
                                                        const std::string& ns) {
  std::map<std::string, ReasonCounts> out;
  std::optional<json> list;
  Eventually([&] {
    auto l = client.List(kube::kEvents, ns);
    if (l) list = *l;
    return l.ok();
  });
  if (!list) return out;
  for (const auto& e : (*list)["items"]) {
    if (!IsRelease(e)) continue;
    out[StringAt(e, "/involvedObject/name")][e.value("reason", "")] += e.value("count", 1);
  }
  return out;
}

int EventCount(kube::Client& client, const std::string& ns, const std::string& release,
               const std::string& reason, const std::string& message_contains) {
  std::optional<json> list;
  Eventually([&] {
    auto l = client.List(kube::kEvents, ns);
    if (l) list = *l;
    return l.ok();
  });
  int n = 0;
  const json items = list ? (*list)["items"] : json::array();
  for (const auto& e : items) {
    if (!IsRelease(e) || StringAt(e, "/involvedObject/name") != release) continue;
    if (e.value("reason", "") != reason) continue;
    if (e.value("message", "").find(message_contains) == std::string::npos) continue;
    n += e.value("count", 1);
  }
  return n;
}

bool ReachedFate(const RolloutCase& c, const json& release, std::string* why) {
  const std::string phase = StringAt(release, "/status/phase");
  const std::string stable = StringAt(release, "/status/stable/version");
  const std::string abort = StringAt(release, "/status/abort/reason");
  *why = "phase " + phase + ", stable " + stable + ", abort " + abort + ": " +
         StringAt(release, "/status/message");
  switch (c.fate) {
    case Fate::kPromoted: return phase == "Healthy" && stable == "2";
    case Fate::kNeverReady: return phase == "RolledBack" && abort == "ProgressDeadlineExceeded";
    case Fate::kCrashLoop: return phase == "RolledBack" && abort == "CanaryCrashLooping";
  }
  return false;
}

itest::OperatorOptions ChaosTest::OperatorOpts() const {
  itest::OperatorOptions o;
  // Debug lines of 20 rollouts under chaos are megabytes: info unless asked for.
  const char* level = std::getenv("FERRY_CHAOS_LOG_LEVEL");
  o.log_level = level != nullptr && *level != '\0' ? level : "info";
  return o;
}

void ChaosTest::SetUp() {
  IntegrationTest::SetUp();
  if (HasFatalFailure()) return;
  Status ns = cluster().CreateNamespace(kChaosNs);
  ASSERT_TRUE(ns.ok()) << ns.error().message;
}

void ChaosTest::MustApply(const kube::ResourceRef& ref, const json& obj) {
  std::string last;
  bool ok = Eventually(
      [&] {
        auto r = cluster().Apply(ref, obj);
        if (!r) last = r.error().ToString();
        return r.ok();
      },
      30s, 200ms);
  ASSERT_TRUE(ok) << "cannot apply " << StringAt(obj, "/metadata/name") << ": " << last;
}

void ChaosTest::CreateTargets(const std::vector<RolloutCase>& cases, int replicas) {
  for (const auto& c : cases) MustApply(kube::kDeployments, TargetDeployment(c.name, replicas));
  ASSERT_TRUE(Eventually(
      [&] {
        auto list = client().List(kube::kDeployments, kChaosNs);
        if (!list) return false;
        size_t ready = 0;
        for (const auto& d : (*list)["items"]) {
          ready += IntAt(d, "/status/availableReplicas").value_or(0) == replicas;
        }
        return ready == cases.size();
      },
      60s, 200ms))
      << "the targets never became available";
}

void ChaosTest::AdoptAll(const std::vector<RolloutCase>& cases) {
  for (const auto& c : cases) MustApply(kReleaseRef, ReleaseObject(c, "1"));
  ASSERT_TRUE(Eventually(
      [&] {
        auto releases = Releases();
        return std::all_of(cases.begin(), cases.end(), [&](const RolloutCase& c) {
          auto it = releases.find(c.name);
          return it != releases.end() && StringAt(it->second, "/status/phase") == "Healthy" &&
                 StringAt(it->second, "/status/stable/version") == "1";
        });
      },
      60s, 200ms))
      << "adoption of version 1 never completed";
}

void ChaosTest::StartRollouts(const std::vector<RolloutCase>& cases) {
  for (const auto& c : cases) MustApply(kReleaseRef, ReleaseObject(c, "2"));
}

std::map<std::string, json> ChaosTest::Releases() {
  std::map<std::string, json> out;
  auto list = client().List(kReleaseRef, kChaosNs);
  if (!list) return out;
  for (const auto& r : (*list)["items"]) out[StringAt(r, "/metadata/name")] = r;
  return out;
}

bool ChaosTest::WaitFates(const std::vector<RolloutCase>& cases, itest::Millis timeout) {
  std::map<std::string, std::string> pending;
  std::string wrong;  // a case that ended in another terminal state: no use waiting further
  bool ok = Eventually(
      [&] {
        auto releases = Releases();
        if (releases.empty()) return false;
        pending.clear();
        for (const auto& c : cases) {
          std::string why;
          const json& r = releases[c.name];
          if (ReachedFate(c, r, &why)) continue;
          pending[c.name] = why;
          const std::string phase = StringAt(r, "/status/phase");
          bool ended = phase == "Failed" || phase == "RolledBack" ||
                       (phase == "Healthy" && StringAt(r, "/status/stable/version") == "2");
          if (ended) wrong = c.name + " (want " + FateName(c.fate) + "): " + why;
        }
        return pending.empty() || !wrong.empty();
      },
      timeout, 250ms);
  if (ok && wrong.empty()) return true;
  std::string list;
  for (const auto& [name, why] : pending) list += "\n  " + name + ": " + why;
  ADD_FAILURE() << (wrong.empty() ? "timed out; " : "a rollout ended wrongly: " + wrong + "; ")
                << pending.size() << " rollouts not at their expected end:" << list;
  return false;
}

void ChaosTest::CheckOutcomes(const std::vector<RolloutCase>& cases, const Observer& observer,
                              int replicas) {
  // Canaries are deleted once a rollout ends: only the targets remain.
  std::set<std::string> want;
  for (const auto& c : cases) want.insert(c.name);
  std::set<std::string> have;
  EXPECT_TRUE(Eventually([&] {
    auto list = client().List(kube::kDeployments, kChaosNs);
    if (!list) return false;
    have.clear();
    for (const auto& d : (*list)["items"]) have.insert(StringAt(d, "/metadata/name"));
    return have == want;
  })) << "Deployments left: " << json(have).dump();
  auto releases = Releases();
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name + " (" + FateName(c.fate) + ")");
    const bool promoted = c.fate == Fate::kPromoted;
    auto target = cluster().Find(kube::kDeployments, kChaosNs, c.name);
    ASSERT_TRUE(target.has_value());
    EXPECT_EQ(StringAt(*target, "/spec/template/spec/containers/0/image"),
              AppImage(c.name, promoted ? "2" : "1"));
    int results = 0;
    const json release = releases.count(c.name) ? releases[c.name] : json::object();
    for (const auto& h : release.value("/status/history"_json_pointer, json::array())) {
      results += h.value("version", "") == "2" &&
                 h.value("result", "") == (promoted ? "Promoted" : "RolledBack");
    }
    EXPECT_EQ(results, 1) << release.value("status", json()).dump(2);
    EXPECT_NE(observer.MinAvailable(c.name), INT64_MAX) << "never sampled";
    EXPECT_GE(observer.MinAvailable(c.name), replicas)
        << "the stable Deployment lost available replicas";
    // A rolled-back target only ever ran version 1; a promoted one versions 1 then 2.
    auto images = observer.Images(c.name);
    EXPECT_FALSE(images.empty());
    images.erase(AppImage(c.name, "1"));
    if (promoted) images.erase(AppImage(c.name, "2"));
    EXPECT_TRUE(images.empty()) << "the target ran " << json(images).dump();
    auto steps = observer.StepIndexes(c.name);
    EXPECT_TRUE(std::is_sorted(steps.begin(), steps.end()))
        << "a step index went back: " << json(steps).dump();
    EXPECT_LE(observer.CanaryUids(c.name).size(), 1u) << "the canary was made more than once";
  }
}

}  // namespace ferry::chaos
