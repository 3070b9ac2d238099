#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "operator/runtime/leaderelection/leader_elector.h"
#include "tests/runtime/memory_lease.h"
#include "tests/runtime/test_util.h"

namespace ferry::leaderelection {
namespace {

using namespace std::chrono_literals;
using ferry::testing::Eventually;
using ferry::testing::MemoryLeaseClient;
using ferry::testing::MemoryLeaseStore;

TEST(MicroTimeTest, FormatsSixFractionalDigitsAndParsesBack) {
  auto t = Clock::WallTime{} + std::chrono::seconds(1795592512) + std::chrono::microseconds(305278);
  EXPECT_EQ(FormatMicroTime(t), "2026-11-25T07:41:52.305278Z");
  EXPECT_EQ(ParseMicroTime("2026-11-25T07:41:52.305278Z"), t);
  EXPECT_EQ(FormatMicroTime(Clock::WallTime{} + std::chrono::seconds(1795592512)),
            "2026-11-25T07:41:52.000000Z");
  EXPECT_EQ(ParseMicroTime("2026-11-25T07:41:52Z"),
            Clock::WallTime{} + std::chrono::seconds(1795592512));
  EXPECT_FALSE(ParseMicroTime("yesterday").has_value());
  // Go's MicroTime decoder takes any RFC 3339 offset; so does ours.
  EXPECT_EQ(ParseMicroTime("2026-11-25T09:41:52.305278+02:00"), t);
}

TEST(LeaseSpecTest, RoundTripsTheRecordedApiServerShape) {
  nlohmann::json spec = {{"holderIdentity", "ferry-operator-7c9d_1f2e"},
                         {"leaseDurationSeconds", 15},
                         {"acquireTime", "2026-11-25T07:41:52.305278Z"},
                         {"renewTime", "2026-11-25T07:41:53.390654Z"},
                         {"leaseTransitions", 0}};
  auto record = RecordFromLeaseSpec(spec);
  EXPECT_EQ(record.holder_identity, "ferry-operator-7c9d_1f2e");
  EXPECT_EQ(record.lease_duration_seconds, 15);
  EXPECT_EQ(LeaseSpecFromRecord(record), spec);
}

TEST(LeaderElectionConfigTest, RejectsInconsistentTimings) {
  LeaderElectionConfig ok{"me"};
  EXPECT_TRUE(ValidateConfig(ok).ok());
  auto bad = ok;
  bad.renew_deadline = 20s;
  EXPECT_FALSE(ValidateConfig(bad).ok());
  bad = ok;
  bad.retry_period = 10s;
  EXPECT_FALSE(ValidateConfig(bad).ok());
  bad = ok;
  bad.identity = "";
  EXPECT_FALSE(ValidateConfig(bad).ok());
}

// Drives two electors tick by tick on one fake clock (100 ms resolution).
struct Pair {
  FakeClock clock;
  MemoryLeaseStore store;
  MemoryLeaseClient client_a{store}, client_b{store};
  std::atomic<int> a_started{0}, a_stopped{0}, b_started{0};
  LeaderElector a{client_a, clock, Config("a", a_started, a_stopped)};
  std::atomic<int> b_stopped{0};
  LeaderElector b{client_b, clock, Config("b", b_started, b_stopped)};
  Clock::TimePoint next_a = clock.Now();
  Clock::TimePoint next_b = clock.Now() + 700ms;  // out of phase with a

  static LeaderElectionConfig Config(const char* id, std::atomic<int>& started,
                                     std::atomic<int>& stopped) {
    LeaderElectionConfig c{id};
    c.on_started_leading = [&started] { started++; };
    c.on_stopped_leading = [&stopped] { stopped++; };
    return c;
  }
  // Advances `d` in 100 ms steps; fails the test if both ever lead at once.
  void Run(Clock::Duration d) {
    for (auto end = clock.Now() + d; clock.Now() < end;) {
      if (clock.Now() >= next_a) next_a = a.Tick();
      ASSERT_FALSE(a.IsLeader() && b.IsLeader()) << "split brain";
      if (clock.Now() >= next_b) next_b = b.Tick();
      ASSERT_FALSE(a.IsLeader() && b.IsLeader()) << "split brain";
      clock.Advance(100ms);
    }
  }
};

TEST(LeaderElectorTest, ExactlyOneLeadsAndTheOtherTakesOverWithinLeasePlusRetry) {
  Pair p;
  p.Run(60s);
  ASSERT_TRUE(p.a.IsLeader());
  EXPECT_FALSE(p.b.IsLeader());
  EXPECT_EQ(p.a_started.load(), 1);
  EXPECT_EQ(p.b.LeaderIdentity(), "a");

  p.client_a.partitioned = true;  // a can no longer renew
  auto cut = p.clock.Now();
  Clock::TimePoint b_took_over{}, a_stopped_at{};
  while (p.clock.Now() < cut + 30s) {
    p.Run(100ms);
    if (a_stopped_at == Clock::TimePoint{} && !p.a.IsLeader()) a_stopped_at = p.clock.Now();
    if (p.b.IsLeader()) {
      b_took_over = p.clock.Now();
      break;
    }
  }
  ASSERT_NE(b_took_over, Clock::TimePoint{}) << "b never took over";
  EXPECT_LE(b_took_over - cut, kDefaultLeaseDuration + kDefaultRetryPeriod);
  EXPECT_LT(a_stopped_at, b_took_over) << "a must stop before b starts";
  EXPECT_LE(a_stopped_at - cut, kDefaultRenewDeadline + 200ms);
  EXPECT_EQ(p.a_stopped.load(), 1);
  EXPECT_TRUE(p.a.lost());
  EXPECT_EQ(p.store.lease->record.holder_identity, "b");
  EXPECT_EQ(p.store.lease->record.lease_transitions, 1);

  p.client_a.partitioned = false;  // a comes back: it must not steal the lease
  p.Run(60s);
  EXPECT_TRUE(p.b.IsLeader());
  EXPECT_EQ(p.a_started.load(), 1);
}

TEST(LeaderElectorTest, ReleasedLeaseIsTakenAtTheNextRetryNotAfterTheLeaseDuration) {
  Pair p;
  p.Run(10s);
  ASSERT_TRUE(p.a.IsLeader());
  p.a.Release();
  EXPECT_FALSE(p.a.IsLeader());
  EXPECT_EQ(p.a_stopped.load(), 1);
  EXPECT_EQ(p.store.lease->record.holder_identity, "");
  auto released = p.clock.Now();
  while (!p.b.IsLeader() && p.clock.Now() < released + 30s) {
    if (p.clock.Now() >= p.next_b) p.next_b = p.b.Tick();
    p.clock.Advance(100ms);
  }
  EXPECT_LE(p.clock.Now() - released, kDefaultRetryPeriod + 100ms);
}

TEST(LeaderElectorTest, RunAcquiresAndStopReleases) {
  FakeClock clock;
  MemoryLeaseStore store;
  MemoryLeaseClient client(store);
  std::atomic<bool> started{false}, stopped{false};
  LeaderElectionConfig config{"solo"};
  config.on_started_leading = [&] { started = true; };
  config.on_stopped_leading = [&] { stopped = true; };
  LeaderElector e(client, clock, config);
  std::atomic<int> result{-1};
  std::thread t([&] { result = e.Run() ? 1 : 0; });
  ASSERT_TRUE(Eventually([&] { return started.load(); }));
  EXPECT_TRUE(e.IsLeader());
  ASSERT_TRUE(clock.AwaitWaiters(1));
  clock.Advance(2s);  // one renewal
  ASSERT_TRUE(Eventually([&] {
    std::lock_guard g(store.mu);
    return store.lease->resource_version == "3";
  }));
  e.Stop();
  t.join();
  EXPECT_EQ(result.load(), 1);
  EXPECT_TRUE(stopped.load());
  EXPECT_EQ(store.lease->record.holder_identity, "");
  EXPECT_EQ(store.lease->record.lease_duration_seconds, 1);
}

TEST(LeaderElectorTest, RunReturnsFalseWhenLeadershipIsLost) {
  FakeClock clock;
  MemoryLeaseStore store;
  MemoryLeaseClient client(store);
  LeaderElector e(client, clock, LeaderElectionConfig{"solo"});
  std::atomic<int> result{-1};
  std::thread t([&] { result = e.Run() ? 1 : 0; });
  ASSERT_TRUE(Eventually([&] { return e.IsLeader(); }));
  client.partitioned = true;
  ASSERT_TRUE(Eventually([&] {
    clock.Advance(1s);
    return result.load() != -1;
  }));
  t.join();
  EXPECT_EQ(result.load(), 0);
  EXPECT_TRUE(e.lost());
}

}  // namespace
}  // namespace ferry::leaderelection
