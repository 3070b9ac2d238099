#include <gtest/gtest.h>

#include <atomic>
#include <deque>
#include <set>
#include <stdexcept>

#include "operator/runtime/controller/controller.h"
#include "tests/runtime/fake_api_server.h"
#include "tests/runtime/fake_metrics.h"
#include "tests/runtime/test_util.h"

namespace ferry::controller {
namespace {

using namespace std::chrono_literals;
using ferry::testing::Eventually;
using metrics::ReconcileResultKind;

// ---- pure parts ----

TEST(DecideRequeueTest, ImplementsTheReconcilerContract) {
  struct Case {
    const char* name;
    ReconcileOutcome outcome;
    QueueAction action;
    ReconcileResultKind result;
    Clock::Duration after;
    bool terminal;
  };
  const Case cases[] = {
      {"success", ReconcileResult{}, QueueAction::kForget, ReconcileResultKind::kSuccess, 0s, false},
      {"error", ReconcileError{"boom"}, QueueAction::kAddRateLimited, ReconcileResultKind::kError, 0s,
       false},
      {"terminal", TerminalError("bad spec"), QueueAction::kDrop, ReconcileResultKind::kError, 0s,
       true},
      {"requeue", ReconcileResult{true, {}}, QueueAction::kAddRateLimited,
       ReconcileResultKind::kRequeue, 0s, false},
      {"requeue_after", ReconcileResult{false, 30s}, QueueAction::kForgetAndAddAfter,
       ReconcileResultKind::kRequeueAfter, 30s, false},
      {"requeue_after wins over requeue", ReconcileResult{true, 5s},
       QueueAction::kForgetAndAddAfter, ReconcileResultKind::kRequeueAfter, 5s, false},
  };
  for (const auto& c : cases) {
    auto d = DecideRequeue(c.outcome);
    EXPECT_EQ(d.action, c.action) << c.name;
    EXPECT_EQ(d.result, c.result) << c.name;
    EXPECT_EQ(d.after, c.after) << c.name;
    EXPECT_EQ(d.terminal, c.terminal) << c.name;
  }
}

TEST(RequestTest, KeysRoundTrip) {
  EXPECT_EQ(Request::FromKey("ns/a"), (Request{"ns", "a"}));
  EXPECT_EQ(Request::FromKey("node"), (Request{"", "node"}));
  EXPECT_EQ((Request{"ns", "a"}).Key(), "ns/a");
}

// The refs as a list (a braced single json would be copied, not wrapped, by some compilers).
nlohmann::json Owned(std::vector<nlohmann::json> refs) {
  return {{"metadata", {{"name", "job-1"}, {"namespace", "ns"}, {"ownerReferences", refs}}}};
}

TEST(HandlersTest, OwnerMappingFollowsOnlyTheMatchingControllerReference) {
  nlohmann::json release_ctrl = {{"apiVersion", "ferry.dev/v1alpha1"}, {"kind", "Release"},
                                 {"name", "web"}, {"uid", "u"}, {"controller", true}};
  nlohmann::json release_plain = release_ctrl;
  release_plain["controller"] = false;
  nlohmann::json other_group = release_ctrl;
  other_group["apiVersion"] = "example.com/v1";
  nlohmann::json pod_owner = {{"apiVersion", "v1"}, {"kind", "Pod"}, {"name", "p"},
                              {"controller", true}};
  struct Case {
    const char* name;
    nlohmann::json obj;
    std::string group, kind;
    std::vector<Request> want;
  };
  const std::vector<Case> cases = {
      {"controller ref", Owned({release_ctrl}), "ferry.dev", "Release", {{"ns", "web"}}},
      {"non-controller ref", Owned({release_plain}), "ferry.dev", "Release", {}},
      {"other group", Owned({other_group}), "ferry.dev", "Release", {}},
      {"other kind", Owned({release_ctrl}), "ferry.dev", "Pipeline", {}},
      {"core group", Owned({pod_owner}), "", "Pod", {{"ns", "p"}}},
      {"second ref", Owned({release_plain, pod_owner}), "", "Pod", {{"ns", "p"}}},
      {"no refs", nlohmann::json{{"metadata", {{"name", "x"}}}}, "", "Pod", {}},
      {"not an object", nlohmann::json(3), "", "Pod", {}},
  };
  for (const auto& c : cases) EXPECT_EQ(RequestsForOwner(c.obj, c.group, c.kind), c.want) << c.name;
}

TEST(HandlersTest, ShardSelector) {
  EXPECT_EQ(ShardLabelSelector(""), "");
  EXPECT_EQ(ShardLabelSelector("east"), "ferry.dev/instance=east");
  EXPECT_EQ(GroupOf("apps/v1"), "apps");
  EXPECT_EQ(GroupOf("v1"), "");
}

// ---- the controller with an informer on the fake server ----

// A reconciler whose answers are scripted per call; records every call.
class ScriptedReconciler : public Reconciler {
 public:
  using Step = std::function<ReconcileOutcome(const Request&)>;
  ReconcileOutcome Reconcile(const Request& r) override {
    Step step;
    {
      std::lock_guard g(mu);
      calls.push_back(r.Key());
      if (!script.empty()) {
        step = std::move(script.front());
        script.pop_front();
      }
    }
    return step ? step(r) : ReconcileResult{};
  }
  int Calls(const std::string& key) {
    std::lock_guard g(mu);
    return static_cast<int>(std::count(calls.begin(), calls.end(), key));
  }
  void Then(Step s) {
    std::lock_guard g(mu);
    script.push_back(std::move(s));
  }
  std::mutex mu;
  std::vector<std::string> calls;
  std::deque<Step> script;
};

class ControllerTest : public ::testing::Test {
 protected:
  ControllerTest() {
    cache::InformerOptions o;
    o.reflector.random = [] { return 0.0; };
    informer = std::make_unique<cache::SharedInformer>("releases", server, clock, o);
  }
  ~ControllerTest() override {
    controller.reset();
    informer->Stop();
  }
  void StartAll(int workers = 1) {
    ControllerOptions o;
    o.max_concurrent_reconciles = workers;
    o.metrics = &metrics;
    controller = std::make_unique<Controller>("release", reconciler, clock, std::move(o));
    controller->For(*informer);
    informer->Start();
    ASSERT_TRUE(Eventually([&] { return informer->HasSynced(); }));
    controller->Start();
  }

  FakeClock clock;
  ferry::testing::FakeApiServer server;
  ferry::testing::FakeReconcileMetrics metrics;
  ScriptedReconciler reconciler;
  std::unique_ptr<cache::SharedInformer> informer;
  std::unique_ptr<Controller> controller;
};

TEST_F(ControllerTest, SuccessForgetsTheKey) {
  server.Create("ns", "a");
  StartAll();
  ASSERT_TRUE(Eventually([&] { return metrics.Total("release", "success") == 1; }));
  EXPECT_EQ(reconciler.Calls("ns/a"), 1);
  EXPECT_EQ(controller->queue().NumRequeues("ns/a"), 0);
}

TEST_F(ControllerTest, ErrorsAreRetriedWithGrowingBackoffThenForgotten) {
  reconciler.Then([](const Request&) { return ReconcileError{"api down"}; });
  reconciler.Then([](const Request&) { return ReconcileError{"api down"}; });
  server.Create("ns", "a");
  StartAll();
  ASSERT_TRUE(Eventually([&] { return reconciler.Calls("ns/a") == 1; }));
  ASSERT_TRUE(Eventually([&] { return controller->queue().Waiting() == 1; }));
  clock.Advance(5ms);  // first retry after 5 ms
  ASSERT_TRUE(Eventually([&] { return reconciler.Calls("ns/a") == 2; }));
  ASSERT_TRUE(Eventually([&] { return controller->queue().Waiting() == 1; }));
  EXPECT_EQ(controller->queue().NumRequeues("ns/a"), 2);
  clock.Advance(9ms);
  ASSERT_TRUE(clock.AwaitWaiters(1));
  EXPECT_EQ(reconciler.Calls("ns/a"), 2) << "second retry waits 10 ms";
  clock.Advance(1ms);
  ASSERT_TRUE(Eventually([&] { return reconciler.Calls("ns/a") == 3; }));
  ASSERT_TRUE(Eventually([&] { return metrics.Total("release", "success") == 1; }));
  EXPECT_EQ(metrics.Total("release", "error"), 2);
  EXPECT_EQ(controller->queue().NumRequeues("ns/a"), 0);
}

TEST_F(ControllerTest, TerminalErrorsAreCountedAndNotRetried) {
  reconciler.Then([](const Request&) { return TerminalError("spec.version is empty"); });
  server.Create("ns", "a");
  StartAll();
  ASSERT_TRUE(Eventually([&] { return metrics.Total("release", "error") == 1; }));
  EXPECT_EQ(metrics.terminal["release"], 1);
  EXPECT_EQ(controller->queue().Waiting(), 0u);
  clock.Advance(1h);
  ASSERT_TRUE(clock.AwaitWaiters(1));
  EXPECT_EQ(reconciler.Calls("ns/a"), 1);
  server.Modify("ns", "a", "fixed");  // a new event reconciles it again
  ASSERT_TRUE(Eventually([&] { return reconciler.Calls("ns/a") == 2; }));
}

TEST_F(ControllerTest, RequeueAfterAddsTheKeyBackAfterExactlyThatDelay) {
  reconciler.Then([](const Request&) { return ReconcileResult{false, 30s}; });
  server.Create("ns", "a");
  StartAll();
  ASSERT_TRUE(Eventually([&] { return controller->queue().Waiting() == 1; }));
  // The worker counts the reconcile just after it queued the key again.
  ASSERT_TRUE(Eventually([&] { return metrics.Total("release", "requeue_after") == 1; }));
  clock.Advance(29s);
  ASSERT_TRUE(clock.AwaitWaiters(1));
  EXPECT_EQ(reconciler.Calls("ns/a"), 1);
  clock.Advance(1s);
  ASSERT_TRUE(Eventually([&] { return reconciler.Calls("ns/a") == 2; }));
}

TEST_F(ControllerTest, AnExceptionIsCaughtCountedAndRequeued) {
  reconciler.Then([](const Request&) -> ReconcileOutcome { throw std::runtime_error("bug"); });
  server.Create("ns", "a");
  StartAll();
  ASSERT_TRUE(Eventually([&] { return controller->queue().Waiting() == 1; }));
  EXPECT_EQ(metrics.panics["release"], 1);
  clock.Advance(5ms);
  ASSERT_TRUE(Eventually([&] { return metrics.Total("release", "success") == 1; }));
}

TEST_F(ControllerTest, OwnedObjectEventsReconcileTheOwner) {
  ferry::testing::FakeApiServer jobs_server;
  cache::InformerOptions o;
  o.reflector.random = [] { return 0.0; };
  cache::SharedInformer jobs("jobs", jobs_server, clock, o);
  StartAll();
  controller->Owns(jobs, "ferry.dev", "Release");
  jobs.Start();
  jobs_server.Create("ns", "web-build", nlohmann::json::object(),
                     {{{"apiVersion", "ferry.dev/v1alpha1"}, {"kind", "Release"}, {"name", "web"},
                       {"uid", "u1"}, {"controller", true}}});
  jobs_server.Create("ns", "orphan");
  ASSERT_TRUE(Eventually([&] { return reconciler.Calls("ns/web") == 1; }));
  jobs_server.Modify("ns", "web-build", "done");
  ASSERT_TRUE(Eventually([&] { return reconciler.Calls("ns/web") == 2; }));
  EXPECT_EQ(reconciler.Calls("ns/orphan"), 0);
  jobs.Stop();
}

TEST_F(ControllerTest, WorkersRunDistinctKeysConcurrentlyButNeverOneKeyTwice) {
  std::mutex mu;
  std::condition_variable cv;
  int running = 0;
  int max_running = 0;
  std::set<std::string> in_flight;
  bool overlap = false;
  bool release = false;
  auto blocking = [&](const Request& r) -> ReconcileOutcome {
    std::unique_lock lock(mu);
    if (!in_flight.insert(r.Key()).second) overlap = true;
    max_running = std::max(max_running, ++running);
    cv.notify_all();
    cv.wait(lock, [&] { return release; });
    --running;
    in_flight.erase(r.Key());
    return ReconcileResult{};
  };
  for (int i = 0; i < 3; ++i) reconciler.Then(blocking);
  server.Create("ns", "a");
  server.Create("ns", "b");
  StartAll(2);
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, 10s, [&] { return running == 2; }));
  }
  server.Modify("ns", "a", "again");  // arrives while ns/a is being reconciled
  ASSERT_TRUE(Eventually([&] { return informer->indexer().Get("ns/a")->at("spec")["value"] == "again"; }));
  {
    std::lock_guard g(mu);
    release = true;
  }
  cv.notify_all();
  ASSERT_TRUE(Eventually([&] { return reconciler.Calls("ns/a") == 2; }));
  ASSERT_TRUE(Eventually([&] { return metrics.Total("release", "success") == 3; }));
  EXPECT_FALSE(overlap);
  EXPECT_EQ(max_running, 2);
  EXPECT_EQ(metrics.max_workers["release"], 2);
  EXPECT_EQ(metrics.active["release"], 0);
}

TEST_F(ControllerTest, StopWaitsForTheInFlightReconcile) {
  std::atomic<bool> entered{false}, finished{false}, release{false};
  reconciler.Then([&](const Request&) -> ReconcileOutcome {
    entered = true;
    while (!release) std::this_thread::yield();
    finished = true;
    return ReconcileResult{};
  });
  server.Create("ns", "a");
  StartAll();
  ASSERT_TRUE(Eventually([&] { return entered.load(); }));
  std::atomic<int> drained{-1};
  std::thread stopper([&] { drained = controller->Stop(clock.Now() + 30s) ? 1 : 0; });
  ASSERT_TRUE(Eventually([&] { return controller->queue().ShuttingDown(); }));
  server.Create("ns", "b");  // no new work starts once stopping
  release = true;
  stopper.join();
  EXPECT_EQ(drained.load(), 1);
  EXPECT_TRUE(finished.load());
  EXPECT_EQ(reconciler.Calls("ns/b"), 0);
}

}  // namespace
}  // namespace ferry::controller
