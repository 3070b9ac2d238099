#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "operator/runtime/workqueue/rate_limiting_queue.h"
#include "tests/runtime/fake_metrics.h"
#include "tests/runtime/test_util.h"

namespace ferry::workqueue {
namespace {

using namespace std::chrono_literals;
using ferry::testing::Eventually;

TEST(QueueTest, DeduplicatesWaitingKeysAndKeepsFifoOrder) {
  FakeClock clock;
  Queue q(clock, "q");
  q.Add("a");
  q.Add("b");
  q.Add("a");
  EXPECT_EQ(q.Len(), 2u);
  EXPECT_EQ(*q.Get(), "a");
  EXPECT_EQ(*q.Get(), "b");
}

TEST(QueueTest, KeyAddedWhileProcessingIsRequeuedOnDoneNotHandedOutTwice) {
  FakeClock clock;
  Queue q(clock, "q");
  q.Add("a");
  auto key = q.Get();
  ASSERT_EQ(*key, "a");
  q.Add("a");
  EXPECT_EQ(q.Len(), 0u) << "a is being processed: it must wait for Done";
  q.Done("a");
  EXPECT_EQ(q.Len(), 1u);
  EXPECT_EQ(*q.Get(), "a");
  q.Done("a");
  EXPECT_EQ(q.Len(), 0u);
}

TEST(QueueTest, NoKeyIsProcessedByTwoWorkersAtOnce) {
  FakeClock clock;
  Queue q(clock, "q");
  std::mutex mu;
  std::set<std::string> in_flight;
  std::atomic<bool> overlap{false};
  std::atomic<int> processed{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&] {
      while (auto key = q.Get()) {
        {
          std::lock_guard g(mu);
          if (!in_flight.insert(*key).second) overlap = true;
        }
        std::this_thread::yield();
        {
          std::lock_guard g(mu);
          in_flight.erase(*key);
        }
        processed++;
        q.Done(*key);
      }
    });
  }
  for (int i = 0; i < 2000; ++i) q.Add("k" + std::to_string(i % 3));
  EXPECT_TRUE(Eventually([&] { return q.Len() == 0 && q.Processing() == 0; }));
  q.ShutDown();
  for (auto& t : workers) t.join();
  EXPECT_FALSE(overlap.load());
  EXPECT_GE(processed.load(), 3);
}

TEST(QueueTest, ShutDownWakesBlockedGetAndIgnoresNewAdds) {
  FakeClock clock;
  Queue q(clock, "q");
  std::optional<std::string> got = "unset";
  std::thread t([&] { got = q.Get(); });
  q.ShutDown();
  t.join();
  EXPECT_FALSE(got.has_value());
  q.Add("x");
  EXPECT_EQ(q.Len(), 0u);
  EXPECT_TRUE(q.ShuttingDown());
}

TEST(QueueTest, ShutDownWithDrainWaitsForInFlightItems) {
  FakeClock clock;
  Queue q(clock, "q");
  q.Add("a");
  ASSERT_EQ(*q.Get(), "a");
  std::atomic<bool> drained{false};
  std::thread t([&] { drained = q.ShutDownWithDrain(clock.Now() + 1h); });
  ASSERT_TRUE(clock.AwaitWaiters(1));
  EXPECT_FALSE(drained.load());
  q.Done("a");
  t.join();
  EXPECT_TRUE(drained.load());
}

TEST(QueueTest, ShutDownWithDrainGivesUpAtTheDeadline) {
  FakeClock clock;
  Queue q(clock, "q");
  q.Add("a");
  ASSERT_TRUE(q.Get());
  std::atomic<int> result{-1};
  std::thread t([&] { result = q.ShutDownWithDrain(clock.Now() + 30s) ? 1 : 0; });
  ASSERT_TRUE(clock.AwaitWaiters(1));
  clock.Advance(30s);
  t.join();
  EXPECT_EQ(result.load(), 0);
}

TEST(QueueTest, ReportsDepthAddsAndDurations) {
  FakeClock clock;
  ferry::testing::FakeQueueMetricsProvider m;
  Queue q(clock, "release", &m);
  q.Add("a");
  q.Add("b");
  EXPECT_EQ(m.Get("release").depth, 2);
  EXPECT_EQ(m.Get("release").adds, 2);
  clock.Advance(3s);
  ASSERT_TRUE(q.Get());
  EXPECT_DOUBLE_EQ(m.Get("release").last_queue_seconds, 3.0);
  EXPECT_EQ(m.Get("release").depth, 1);
  clock.Advance(2s);
  q.UpdateUnfinishedWork();
  EXPECT_DOUBLE_EQ(m.Get("release").unfinished, 2.0);
  EXPECT_DOUBLE_EQ(m.Get("release").longest, 2.0);
  q.Done("a");
  EXPECT_DOUBLE_EQ(m.Get("release").last_work_seconds, 2.0);
  q.UpdateUnfinishedWork();
  EXPECT_DOUBLE_EQ(m.Get("release").longest, 0.0);
}

struct DelayCase {
  int failures;
  Clock::Duration want;
};

TEST(RateLimiterTest, ExponentialDelayTable) {
  const DelayCase cases[] = {
      {0, 5ms},       {1, 10ms},          {2, 20ms},          {3, 40ms},
      {10, 5120ms},   {17, 655360ms},     {18, 1000s},        {64, 1000s},
      {100000, 1000s}, {-1, 5ms},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(ExponentialDelay(c.failures, 5ms, 1000s), c.want) << "failures=" << c.failures;
  }
}

TEST(RateLimiterTest, ItemExponentialCountsPerKeyAndForgets) {
  ItemExponentialFailureRateLimiter l;
  EXPECT_EQ(l.When("a"), 5ms);
  EXPECT_EQ(l.When("a"), 10ms);
  EXPECT_EQ(l.When("b"), 5ms);
  EXPECT_EQ(l.When("a"), 20ms);
  EXPECT_EQ(l.NumRequeues("a"), 3);
  l.Forget("a");
  EXPECT_EQ(l.NumRequeues("a"), 0);
  EXPECT_EQ(l.When("a"), 5ms);
}

TEST(RateLimiterTest, BucketAllowsBurstThenPacesAtQps) {
  FakeClock clock;
  BucketRateLimiter l(clock, 10, 100);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(l.When("x"), 0ms) << i;
  EXPECT_EQ(l.When("x"), 100ms);  // 101st token: 1/qps away
  EXPECT_EQ(l.When("x"), 200ms);
  clock.Advance(1s);  // refills 10 tokens, 2 of which are already reserved
  for (int i = 0; i < 8; ++i) ASSERT_EQ(l.When("x"), 0ms) << i;
  EXPECT_EQ(l.When("x"), 100ms);
}

TEST(RateLimiterTest, DefaultControllerLimiterIsMaxOfBackoffAndBucket) {
  FakeClock clock;
  auto l = DefaultControllerRateLimiter(clock);
  // One key: pure exponential backoff while the bucket has tokens.
  const Clock::Duration want[] = {5ms, 10ms, 20ms, 40ms, 80ms};
  for (auto w : want) EXPECT_EQ(l->When("a"), w);
  EXPECT_EQ(l->NumRequeues("a"), 5);
  // Many keys failing at once: the bucket dominates after the burst.
  for (int i = 0; i < 95; ++i) l->When("k" + std::to_string(i));
  EXPECT_EQ(l->When("fresh"), 100ms);
  l->Forget("a");
  EXPECT_EQ(l->NumRequeues("a"), 0);
}

TEST(DelayingQueueTest, AddAfterBecomesReadyOnlyWhenClockPassesDelay) {
  FakeClock clock;
  DelayingQueue q(clock, "q");
  q.AddAfter("a", 10s);
  EXPECT_EQ(q.Waiting(), 1u);
  clock.Advance(9s);
  ASSERT_TRUE(clock.AwaitWaiters(1));
  EXPECT_EQ(q.Len(), 0u);
  clock.Advance(1s);
  ASSERT_TRUE(Eventually([&] { return q.Len() == 1; }));
  EXPECT_EQ(q.Waiting(), 0u);
  EXPECT_EQ(*q.Get(), "a");
}

TEST(DelayingQueueTest, RepeatedAddAfterKeepsTheEarliestTime) {
  FakeClock clock;
  DelayingQueue q(clock, "q");
  q.AddAfter("a", 60s);
  q.AddAfter("a", 5s);
  q.AddAfter("a", 30s);
  EXPECT_EQ(q.Waiting(), 1u);
  clock.Advance(5s);
  ASSERT_TRUE(Eventually([&] { return q.Len() == 1; }));
  ASSERT_EQ(*q.Get(), "a");
  q.Done("a");
  clock.Advance(60s);
  ASSERT_TRUE(clock.AwaitWaiters(1));
  EXPECT_EQ(q.Len(), 0u) << "superseded entries must not fire again";
}

TEST(DelayingQueueTest, ReadyKeysComeOutInReadyTimeOrder) {
  FakeClock clock;
  DelayingQueue q(clock, "q");
  q.AddAfter("late", 3s);
  q.AddAfter("early", 1s);
  q.AddAfter("middle", 2s);
  q.AddAfter("now", 0s);
  EXPECT_EQ(q.Len(), 1u);
  clock.Advance(3s);
  ASSERT_TRUE(Eventually([&] { return q.Len() == 4; }));
  EXPECT_EQ(*q.Get(), "now");
  EXPECT_EQ(*q.Get(), "early");
  EXPECT_EQ(*q.Get(), "middle");
  EXPECT_EQ(*q.Get(), "late");
}

TEST(RateLimitingQueueTest, AddRateLimitedBacksOffAndForgetResets) {
  FakeClock clock;
  ferry::testing::FakeQueueMetricsProvider m;
  RateLimitingQueue q(clock, "q", nullptr, &m);
  q.AddRateLimited("a");  // 5 ms
  clock.Advance(5ms);
  ASSERT_TRUE(Eventually([&] { return q.Len() == 1; }));
  ASSERT_EQ(*q.Get(), "a");
  q.Done("a");
  q.AddRateLimited("a");  // 10 ms
  clock.Advance(9ms);
  ASSERT_TRUE(clock.AwaitWaiters(1));
  EXPECT_EQ(q.Len(), 0u);
  clock.Advance(1ms);
  ASSERT_TRUE(Eventually([&] { return q.Len() == 1; }));
  EXPECT_EQ(q.NumRequeues("a"), 2);
  EXPECT_EQ(m.Get("q").retries, 2);
  q.Forget("a");
  EXPECT_EQ(q.NumRequeues("a"), 0);
}

}  // namespace
}  // namespace ferry::workqueue
