#include <gtest/gtest.h>

#include "operator/runtime/events/event_recorder.h"

namespace ferry::events {
namespace {

using namespace std::chrono_literals;

nlohmann::json Release(const std::string& name = "alpha") {
  return {{"apiVersion", "ferry.dev/v1alpha1"},
          {"kind", "Release"},
          {"metadata",
           {{"name", name}, {"namespace", "ferry-demo"},
            {"uid", "73c113e3-1c5b-4d2d-a2b8-a8b7022694b3"}, {"resourceVersion", "231"}}}};
}

class FakeSink : public EventSink {
 public:
  ferry::Result<nlohmann::json, SinkError> Create(const std::string& ns,
                                                  const nlohmann::json& event) override {
    std::lock_guard g(mu);
    creates.push_back(event);
    namespaces.push_back(ns);
    return event;
  }
  ferry::Result<nlohmann::json, SinkError> Patch(const std::string&, const std::string& name,
                                                 const nlohmann::json& patch) override {
    std::lock_guard g(mu);
    if (expired) return SinkError{404, "events \"" + name + "\" not found"};
    patches.emplace_back(name, patch);
    return patch;
  }
  std::mutex mu;
  bool expired = false;
  std::vector<nlohmann::json> creates;
  std::vector<std::string> namespaces;
  std::vector<std::pair<std::string, nlohmann::json>> patches;
};

TEST(EventBuildTest, MatchesTheCoreV1EventTheApiServerAccepts) {
  RecorderOptions o;
  o.instance = "ferry-operator-7c9d_1f2e";
  auto when = Clock::WallTime{} + std::chrono::seconds(1795592513);
  auto e = BuildEvent(ObjectReference(Release()), kEventTypeNormal, "RolloutStarted",
                      "Rolling out version 1.2.1 to 3 replicas", o, when);
  EXPECT_EQ(e["metadata"]["namespace"], "ferry-demo");
  EXPECT_EQ(e["metadata"]["name"], "alpha.18eb39e08ab74a00");
  EXPECT_EQ(e["involvedObject"],
            nlohmann::json({{"apiVersion", "ferry.dev/v1alpha1"}, {"kind", "Release"},
                            {"name", "alpha"}, {"namespace", "ferry-demo"},
                            {"uid", "73c113e3-1c5b-4d2d-a2b8-a8b7022694b3"},
                            {"resourceVersion", "231"}}));
  EXPECT_EQ(e["firstTimestamp"], "2026-11-25T07:41:53Z");
  EXPECT_EQ(e["lastTimestamp"], "2026-11-25T07:41:53Z");
  EXPECT_EQ(e["count"], 1);
  EXPECT_EQ(e["type"], "Normal");
  EXPECT_EQ(e["source"]["component"], "ferry-operator");
  EXPECT_EQ(e["reportingInstance"], "ferry-operator-7c9d_1f2e");
}

TEST(EventBuildTest, TruncatesOverlongMessages) {
  auto e = BuildEvent(ObjectReference(Release()), kEventTypeWarning, "Failed",
                      std::string(5000, 'x'), {}, Clock::WallTime{});
  EXPECT_EQ(e["message"].get<std::string>().size(), kMaxMessageLength);
}

TEST(EventRecorderTest, IdenticalEventsAreAggregatedIntoACount) {
  FakeClock clock;
  FakeSink sink;
  EventRecorder r(sink, clock);
  for (int i = 0; i < 3; ++i) {
    r.Event(Release(), kEventTypeWarning, "AnalysisFailed", "error rate 7% > 5%");
    clock.Advance(10s);
  }
  r.Event(Release(), kEventTypeWarning, "AnalysisFailed", "error rate 9% > 5%");
  r.Flush();
  ASSERT_EQ(sink.creates.size(), 2u);
  ASSERT_EQ(sink.patches.size(), 2u);
  EXPECT_EQ(sink.patches[0].first, sink.creates[0]["metadata"]["name"]);
  EXPECT_EQ(sink.patches[0].second["count"], 2);
  EXPECT_EQ(sink.patches[1].second["count"], 3);
  EXPECT_EQ(sink.patches[1].second["lastTimestamp"], "2026-01-01T00:00:20Z");
  EXPECT_EQ(sink.namespaces[0], "ferry-demo");
}

TEST(EventRecorderTest, AnExpiredEventIsCreatedAgain) {
  FakeClock clock;
  FakeSink sink;
  EventRecorder r(sink, clock);
  r.Event(Release(), kEventTypeNormal, "Promoted", "100% traffic on 1.2.1");
  r.Flush();
  sink.expired = true;
  clock.Advance(2h);
  r.Event(Release(), kEventTypeNormal, "Promoted", "100% traffic on 1.2.1");
  r.Flush();
  EXPECT_EQ(sink.creates.size(), 2u);
  EXPECT_NE(sink.creates[0]["metadata"]["name"], sink.creates[1]["metadata"]["name"]);
}

TEST(EventRecorderTest, EachObjectIsRateLimitedToABurstThenOnePerRefill) {
  FakeClock clock;
  FakeSink sink;
  EventRecorder r(sink, clock);
  for (int i = 0; i < kDefaultSpamBurst + 5; ++i) {
    r.Event(Release(), kEventTypeNormal, "Step", "step " + std::to_string(i));
  }
  r.Event(Release("other"), kEventTypeNormal, "Step", "unaffected");
  r.Flush();
  EXPECT_EQ(sink.creates.size(), static_cast<size_t>(kDefaultSpamBurst) + 1);
  clock.Advance(kDefaultSpamRefillInterval);
  r.Event(Release(), kEventTypeNormal, "Step", "after refill");
  r.Event(Release(), kEventTypeNormal, "Step", "too soon");
  r.Flush();
  EXPECT_EQ(sink.creates.size(), static_cast<size_t>(kDefaultSpamBurst) + 2);
  EXPECT_EQ(sink.creates.back()["message"], "after refill");
}

class BlockingSink : public FakeSink {
 public:
  ferry::Result<nlohmann::json, SinkError> Create(const std::string& ns,
                                                  const nlohmann::json& event) override {
    std::unique_lock lock(gate_mu);
    entered = true;
    gate_cv.notify_all();
    gate_cv.wait(lock, [&] { return open; });
    return FakeSink::Create(ns, event);
  }
  std::mutex gate_mu;
  std::condition_variable gate_cv;
  bool open = false;
  bool entered = false;
};

TEST(EventRecorderTest, ASlowApiServerNeverBlocksTheCallerAndOverflowIsDropped) {
  FakeClock clock;
  BlockingSink sink;
  RecorderOptions o;
  o.queue_length = 3;
  EventRecorder r(sink, clock, o);
  r.Event(Release("a"), kEventTypeNormal, "R", "first");
  {
    std::unique_lock lock(sink.gate_mu);
    ASSERT_TRUE(sink.gate_cv.wait_for(lock, 10s, [&] { return sink.entered; }));
  }
  for (int i = 0; i < 5; ++i) r.Event(Release("b" + std::to_string(i)), kEventTypeNormal, "R", "m");
  EXPECT_EQ(r.dropped(), 2u);
  {
    std::lock_guard g(sink.gate_mu);
    sink.open = true;
  }
  sink.gate_cv.notify_all();
  r.Flush();
  EXPECT_EQ(sink.creates.size(), 4u);
}

}  // namespace
}  // namespace ferry::events
