#include <gtest/gtest.h>

#include <atomic>

#include "operator/runtime/manager/manager.h"
#include "tests/metrics/http_get.h"
#include "tests/runtime/fake_api_server.h"
#include "tests/runtime/memory_lease.h"
#include "tests/runtime/test_util.h"

namespace ferry::manager {
namespace {

using namespace std::chrono_literals;
using ferry::testing::Eventually;
using ferry::testing::HttpGet;

class CountingReconciler : public controller::Reconciler {
 public:
  controller::ReconcileOutcome Reconcile(const controller::Request&) override {
    calls++;
    if (block) {
      in_flight = true;
      while (!release) std::this_thread::yield();
      finished = true;
    }
    return controller::ReconcileResult{};
  }
  std::atomic<int> calls{0};
  std::atomic<bool> block{false}, in_flight{false}, release{false}, finished{false};
};

// One operator replica: informer + controller + manager, on a shared fake clock and server.
struct Replica {
  Replica(FakeClock& clock, ferry::testing::FakeApiServer& server, const std::string& id,
          ferry::testing::MemoryLeaseStore* lease_store = nullptr)
      : registry("test"), lease(lease_store ? *lease_store : own_store) {
    cache::InformerOptions io;
    io.reflector.random = [] { return 0.0; };
    informer = std::make_unique<cache::SharedInformer>("releases", server, clock, io);
    controller::ControllerOptions co;
    co.metrics = &registry;
    ctrl = std::make_unique<controller::Controller>("release", reconciler, clock, std::move(co));
    ctrl->For(*informer);
    ManagerOptions mo;
    mo.metrics_bind_address = "127.0.0.1:0";
    mo.health_probe_bind_address = "127.0.0.1:0";
    mo.exit_on_leadership_lost = false;
    mgr = std::make_unique<Manager>(mo, clock, &registry);
    mgr->AddInformer(informer.get());
    mgr->AddController(ctrl.get());
    if (lease_store != nullptr) {
      // Long lease and deadline: the test pumps the fake clock much faster than real time, and a
      // descheduled elector thread must not miss its renew deadline. The retry period, which
      // bounds hand-over after a release, keeps its default.
      leaderelection::LeaderElectionConfig config{id};
      config.lease_duration = 150s;
      config.renew_deadline = 100s;
      mgr->SetLeaderElection(&lease, config);
    }
  }
  void Start() {
    runner = std::thread([this] {
      Status st = mgr->Run();
      error = st ? "" : st.error().message;
      done = true;
    });
  }
  void Join() {
    if (runner.joinable()) runner.join();
  }
  ~Replica() {
    mgr->Stop();
    Join();
  }

  metrics::Registry registry;
  ferry::testing::MemoryLeaseStore own_store;
  ferry::testing::MemoryLeaseClient lease;
  CountingReconciler reconciler;
  std::unique_ptr<cache::SharedInformer> informer;
  std::unique_ptr<controller::Controller> ctrl;
  std::unique_ptr<Manager> mgr;
  std::thread runner;
  std::atomic<bool> done{false};
  std::string error;
};

// Keeps moving the fake clock (past backoffs and retry periods) until `cond` holds.
bool PumpUntil(FakeClock& clock, const std::function<bool()>& cond, Clock::Duration step = 1s) {
  return Eventually([&] {
    if (cond()) return true;
    clock.Advance(step);
    return false;
  });
}

TEST(ManagerTest, ServesEndpointsFirstAndIsReadyOnlyOnceCachesSynced) {
  FakeClock clock;
  ferry::testing::FakeApiServer server;
  server.Create("ns", "a");
  server.FailNextLists({{500, "InternalError", "etcd unavailable"}});
  Replica r(clock, server, "r");
  r.Start();
  ASSERT_TRUE(Eventually([&] { return r.mgr->health_port() > 0 && r.mgr->metrics_port() > 0; }));
  EXPECT_EQ(HttpGet(r.mgr->health_port(), "/healthz").status, 200);
  auto ready = HttpGet(r.mgr->health_port(), "/readyz");
  EXPECT_EQ(ready.status, 500);
  EXPECT_NE(ready.body.find("[-]informers failed: caches not synced: releases"), std::string::npos)
      << ready.body;
  EXPECT_FALSE(r.mgr->controllers_started());
  EXPECT_EQ(r.reconciler.calls.load(), 0);

  ASSERT_TRUE(PumpUntil(clock, [&] { return r.mgr->controllers_started(); }));
  EXPECT_EQ(HttpGet(r.mgr->health_port(), "/readyz").status, 200);
  ASSERT_TRUE(Eventually([&] { return r.reconciler.calls.load() == 1; }));
  auto metrics = HttpGet(r.mgr->metrics_port(), "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("ferry_reconcile_total{controller=\"release\",result=\"success\"} 1"),
            std::string::npos);
  r.mgr->Stop();
  r.Join();
  EXPECT_EQ(r.error, "");
}

TEST(ManagerTest, OnlyTheLeaderRunsControllersAndAStoppedLeaderHandsOverAtOnce) {
  FakeClock clock;
  ferry::testing::FakeApiServer server;
  server.Create("ns", "a");
  ferry::testing::MemoryLeaseStore store;
  auto a = std::make_unique<Replica>(clock, server, "a", &store);
  a->Start();
  ASSERT_TRUE(PumpUntil(clock, [&] { return a->mgr->controllers_started(); }, 100ms));
  Replica b(clock, server, "b", &store);
  b.Start();
  ASSERT_TRUE(Eventually([&] { return b.informer->HasSynced(); }));
  // 30 s pass; a renews at each of its ticks (every 2 s) and b keeps standing by.
  for (int i = 0; i < 30; ++i) {
    clock.Advance(1s);
    ASSERT_TRUE(Eventually([&] {
      std::lock_guard g(store.mu);
      return clock.WallNow() - *store.lease->record.renew_time < leaderelection::kDefaultRetryPeriod;
    }));
    EXPECT_FALSE(b.mgr->controllers_started());
  }
  EXPECT_EQ(store.lease->record.holder_identity, "a");
  EXPECT_NE(HttpGet(b.mgr->metrics_port(), "/metrics")
                .body.find("ferry_leader_election_master_status{name=\"ferry-system/ferry-operator\"} 0"),
            std::string::npos);

  a->mgr->Stop();  // graceful: releases the lease
  a->Join();
  EXPECT_EQ(a->error, "") << "a must not have lost the lease while renewing";
  EXPECT_EQ(store.lease->record.holder_identity, "");
  auto released = clock.Now();
  ASSERT_TRUE(PumpUntil(clock, [&] { return b.mgr->controllers_started(); }, 100ms));
  // Far sooner than the lease duration (150 s here): the standby did not wait for expiry. (The
  // exact bound, one retry period, is asserted tick by tick in leaderelection_test.)
  EXPECT_LT(clock.Now() - released, 10s);
  ASSERT_TRUE(Eventually([&] { return b.reconciler.calls.load() >= 1; }));
}

TEST(ManagerTest, ShutdownFinishesInFlightReconcilesBeforeReleasingTheLease) {
  FakeClock clock;
  ferry::testing::FakeApiServer server;
  server.Create("ns", "a");
  ferry::testing::MemoryLeaseStore store;
  Replica r(clock, server, "a", &store);
  r.reconciler.block = true;
  r.Start();
  ASSERT_TRUE(PumpUntil(clock, [&] { return r.reconciler.in_flight.load(); }, 100ms));
  r.mgr->Stop();
  ASSERT_TRUE(Eventually([&] { return r.ctrl->queue().ShuttingDown(); }));
  EXPECT_EQ(store.lease->record.holder_identity, "a") << "lease kept while reconciling";
  EXPECT_FALSE(r.done.load());
  r.reconciler.release = true;
  r.Join();
  EXPECT_TRUE(r.reconciler.finished.load());
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(store.lease->record.holder_identity, "");
}

TEST(ManagerTest, LosingTheLeaseStopsTheManagerWithAnError) {
  FakeClock clock;
  ferry::testing::FakeApiServer server;
  ferry::testing::MemoryLeaseStore store;
  Replica r(clock, server, "a", &store);
  r.Start();
  ASSERT_TRUE(PumpUntil(clock, [&] { return r.mgr->controllers_started(); }, 100ms));
  r.lease.partitioned = true;
  ASSERT_TRUE(PumpUntil(clock, [&] { return r.done.load(); }));
  r.Join();
  EXPECT_EQ(r.error, "leader election lost");
}

TEST(ManagerTest, CachesThatNeverSyncFailTheStartAfterTheTimeout) {
  FakeClock clock;
  ferry::testing::FakeApiServer server;
  server.FailNextLists(std::vector<cache::ApiError>(1000, {403, "Forbidden", "no RBAC"}));
  Replica r(clock, server, "a");
  r.Start();
  ASSERT_TRUE(PumpUntil(clock, [&] { return r.done.load(); }, 10s));
  r.Join();
  EXPECT_NE(r.error.find("timed out waiting for caches to sync"), std::string::npos) << r.error;
  EXPECT_FALSE(r.mgr->controllers_started());
}

TEST(ManagerTest, AnUnusableBindAddressIsAStartError) {
  FakeClock clock;
  ferry::testing::FakeApiServer server;
  auto first = metrics::HttpServer::Start("127.0.0.1:0", {});
  ASSERT_TRUE(first.ok());
  metrics::Registry registry("test");
  ManagerOptions mo;
  mo.metrics_bind_address = "127.0.0.1:" + std::to_string((*first)->port());
  mo.health_probe_bind_address = "0";
  Manager m(mo, clock, &registry);
  Status st = m.Run();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("metrics endpoint"), std::string::npos) << st.error().message;
}

}  // namespace
}  // namespace ferry::manager
