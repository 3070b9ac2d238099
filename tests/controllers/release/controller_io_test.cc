// The I/O half's pure parts: the recent-writes overlay, the cache index functions and the
// canary-pod selection of a Snapshot, and the ferry_release_* metric families.
#include <gtest/gtest.h>

#include <functional>

#include "operator/base/clock.h"
#include "operator/controllers/release/metrics.h"
#include "operator/controllers/release/recent_writes.h"
#include "operator/controllers/release/snapshot.h"

namespace ferry::release {
namespace {

using Json = nlohmann::json;

cache::ObjectPtr Obj(const std::string& name, const std::string& rv, Json labels = Json::object()) {
  return std::make_shared<const Json>(Json{
      {"metadata", {{"name", name}, {"namespace", "ns"}, {"resourceVersion", rv}, {"labels", labels}}}});
}

std::string Rv(const cache::ObjectPtr& o) { return o ? (*o)["metadata"]["resourceVersion"].get<std::string>() : "<null>"; }

TEST(RecentWritesTest, OverlaysAWriteUntilTheCacheCatchesUp) {
  FakeClock clock;
  RecentWrites w(clock);
  w.Remember(*Obj("a", "10"));
  EXPECT_EQ(Rv(w.Fresher("ns/a", nullptr)), "10") << "not in the cache yet";
  EXPECT_EQ(Rv(w.Fresher("ns/a", Obj("a", "9"))), "10") << "the cache is older";
  EXPECT_EQ(Rv(w.Fresher("ns/a", Obj("a", "10"))), "10");
  EXPECT_EQ(w.size(), 0u) << "caught up: entry dropped";
  EXPECT_EQ(Rv(w.Fresher("ns/a", Obj("a", "9"))), "9") << "nothing remembered any more";
}

TEST(RecentWritesTest, InformerEventsAndTheTtlDropEntries) {
  FakeClock clock;
  RecentWrites w(clock, std::chrono::seconds(30));
  auto h = w.Handler();
  w.Remember(*Obj("a", "10"));
  h.on_update(Obj("a", "8"), Obj("a", "9"));
  EXPECT_EQ(w.size(), 1u) << "an older event keeps the write";
  h.on_delete(Obj("a", "11"));
  EXPECT_EQ(w.size(), 0u) << "deleted after the write";
  w.Remember(*Obj("b", "20"));
  clock.Advance(std::chrono::seconds(31));
  EXPECT_EQ(w.Fresher("ns/b", nullptr), nullptr) << "expired";
  w.Remember(*Obj("c", "not-a-number"));
  EXPECT_EQ(w.size(), 0u) << "versions that do not compare are not remembered";
}

cache::ObjectPtr WithUid(const std::string& name, const std::string& rv, const std::string& uid) {
  Json o = *Obj(name, rv);
  o["metadata"]["uid"] = uid;
  return std::make_shared<const Json>(std::move(o));
}

// A deleted canary still in the cache reads as gone, so the next pass does not delete it again;
// a Deployment recreated under the name (another uid) is seen at once.
TEST(RecentWritesTest, ADeleteHidesThatUidUntilTheInformerSeesIt) {
  using Event = std::function<void(cache::EventHandler&)>;
  const Event none = [](cache::EventHandler&) {};
  struct Case {
    const char* what;
    Event event;
    int advance_s;
    cache::ObjectPtr cached;
    std::string want_rv;
    size_t entries_after;
  } cases[] = {
      {"the cache still holds it", none, 0, WithUid("c", "7", "u1"), "<null>", 1},
      {"an update of it before the delete",
       [](cache::EventHandler& h) { h.on_update(WithUid("c", "7", "u1"), WithUid("c", "8", "u1")); },
       0, WithUid("c", "8", "u1"), "<null>", 1},
      {"the informer's delete event",
       [](cache::EventHandler& h) { h.on_delete(WithUid("c", "8", "u1")); }, 0, nullptr, "<null>",
       0},
      {"recreated with another uid", none, 0, WithUid("c", "9", "u2"), "9", 0},
      {"the TTL passed", none, 31, WithUid("c", "7", "u1"), "7", 0},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    FakeClock clock;
    RecentWrites w(clock, std::chrono::seconds(30));
    auto h = w.Handler();
    w.RememberDeleted("ns/c", "u1");
    c.event(h);
    clock.Advance(std::chrono::seconds(c.advance_s));
    EXPECT_EQ(Rv(w.Fresher("ns/c", c.cached)), c.want_rv);
    EXPECT_EQ(w.size(), c.entries_after);
  }
}

TEST(SnapshotIndexTest, IndexFunctions) {
  Json release = {{"metadata", {{"name", "web"}, {"namespace", "ns"}}},
                  {"spec", {{"targetRef", {{"name", "frontend"}}}}}};
  EXPECT_EQ(TargetIndexFunc(release), std::vector<std::string>{"ns/frontend"});
  EXPECT_TRUE(TargetIndexFunc(Json{{"metadata", {{"name", "x"}}}}).empty());
  Json canary_pod = *Obj("p", "1", {{"ferry.dev/release", "web"}, {"ferry.dev/role", "canary"}});
  Json stable_pod = *Obj("q", "1", {{"ferry.dev/release", "web"}});
  EXPECT_EQ(CanaryPodIndexFunc(canary_pod), std::vector<std::string>{"ns/web"});
  EXPECT_TRUE(CanaryPodIndexFunc(stable_pod).empty()) << "promoted pods carry the release label";
  EXPECT_TRUE(CanaryPodIndexFunc(Json{{"metadata", {{"labels", {{"ferry.dev/role", 3}}}}}}).empty());
}

TEST(SnapshotIndexTest, OnlyPodsOfTheCanarysCurrentVersionCount) {
  Json canary = {{"metadata", {{"name", "web-canary"}, {"namespace", "ns"}}},
                 {"spec", {{"template", {{"metadata", {{"labels", {{"ferry.dev/version", "3"}}}}}}}}}};
  std::vector<cache::ObjectPtr> pods = {Obj("old", "1", {{"ferry.dev/version", "2"}}),
                                        Obj("new", "1", {{"ferry.dev/version", "3"}})};
  auto current = CurrentCanaryPods(pods, ObserveDeployment(canary));
  ASSERT_EQ(current.size(), 1u);
  EXPECT_EQ(current[0]["metadata"]["name"], "new");
  EXPECT_TRUE(CurrentCanaryPods(pods, ObserveDeployment(Json())).empty());
}

TEST(ReleaseMetricsTest, GaugesFollowStatusAndCountersCountCompletions) {
  metrics::Registry registry("test");
  ReleaseMetrics m(registry);
  api::ReleaseStatus st;
  st.phase = api::kReleaseProgressing;
  st.canaryWeight = 25;
  st.currentStepIndex = 2;
  m.Observe("ns", "web", st);
  st.phase = api::kReleaseRolledBack;
  m.Observe("ns", "web", st);
  m.Complete("ns", "web", {api::kResultRolledBack, "ProgressDeadlineExceeded", std::chrono::seconds(90)});
  m.Complete("ns", "web", {api::kResultPromoted, "Completed", std::chrono::seconds(300)});
  std::string out = registry.Serialize();
  EXPECT_NE(out.find(R"(ferry_release_info{namespace="ns",phase="RolledBack",release="web"} 1)"), std::string::npos) << out;
  EXPECT_EQ(out.find(R"(phase="Progressing")"), std::string::npos) << "the old phase is removed";
  EXPECT_NE(out.find(R"(ferry_release_canary_weight{namespace="ns",release="web"} 25)"), std::string::npos);
  EXPECT_NE(out.find(R"(ferry_release_current_step{namespace="ns",release="web"} 2)"), std::string::npos);
  EXPECT_NE(out.find(R"(ferry_release_rollbacks_total{namespace="ns",reason="ProgressDeadlineExceeded",release="web"} 1)"), std::string::npos);
  EXPECT_NE(out.find(R"(ferry_release_promotions_total{namespace="ns",release="web"} 1)"), std::string::npos);
  EXPECT_NE(out.find(R"(ferry_release_rollout_duration_seconds_count{namespace="ns",release="web",result="Promoted"} 1)"), std::string::npos);
  m.Forget("ns", "web");
  out = registry.Serialize();
  EXPECT_EQ(out.find(R"(release="web")"), std::string::npos) << out;
}

}  // namespace
}  // namespace ferry::release
