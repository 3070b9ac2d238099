#include "operator/kube/rate_limiter.h"

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "operator/kube/config.h"
#include "operator/kube/retry.h"

namespace ferry::kube {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;

TEST(TokenBucketTest, RefillArithmetic) {
  struct Case {
    double tokens, qps;
    int burst;
    nanoseconds elapsed;
    double want;
  };
  const Case cases[] = {
      {0, 10, 5, milliseconds(100), 1},     // 10 qps: one token per 100 ms
      {0, 10, 5, seconds(10), 5},           // capped at burst
      {2.5, 20, 30, milliseconds(50), 3.5},
      {-1, 5, 10, milliseconds(200), 0},    // reservations are paid back first
      {3, 5, 10, nanoseconds(0), 3},
  };
  for (const auto& c : cases) {
    EXPECT_NEAR(TokenBucket::Refill(c.tokens, c.qps, c.burst, c.elapsed), c.want, 1e-9);
  }
  EXPECT_EQ(TokenBucket::TimeToToken(1, 5), nanoseconds(0));
  EXPECT_EQ(TokenBucket::TimeToToken(0, 5), milliseconds(200));
  EXPECT_EQ(TokenBucket::TimeToToken(-1, 5), milliseconds(400));
}

TEST(TokenBucketTest, BurstThenQpsOnFakeClock) {
  FakeClock clock;
  TokenBucket bucket(10, 3, clock);
  EXPECT_TRUE(bucket.TryAcquire());
  EXPECT_TRUE(bucket.TryAcquire());
  EXPECT_TRUE(bucket.TryAcquire());
  EXPECT_FALSE(bucket.TryAcquire());
  clock.Advance(milliseconds(99));
  EXPECT_FALSE(bucket.TryAcquire());
  clock.Advance(milliseconds(1));
  EXPECT_TRUE(bucket.TryAcquire());
  EXPECT_FALSE(bucket.TryAcquire());
}

TEST(TokenBucketTest, AcquireBlocksUntilTheClockReachesTheToken) {
  FakeClock clock;
  TokenBucket bucket(5, 1, clock);
  ASSERT_TRUE(bucket.Acquire());
  std::atomic<bool> done{false};
  std::thread waiter([&] {
    EXPECT_TRUE(bucket.Acquire());
    done = true;
  });
  ASSERT_TRUE(clock.AwaitWaiters(1));
  clock.Advance(milliseconds(199));
  ASSERT_TRUE(clock.AwaitWaiters(1));  // still parked
  EXPECT_FALSE(done.load());
  clock.Advance(milliseconds(1));
  waiter.join();
  EXPECT_TRUE(done.load());
}

TEST(TokenBucketTest, AcquireCanBeCancelled) {
  FakeClock clock;
  TokenBucket bucket(1, 1, clock);
  ASSERT_TRUE(bucket.Acquire());
  std::atomic<bool> cancel{false};
  std::atomic<int> result{-1};
  std::thread waiter([&] { result = bucket.Acquire([&] { return cancel.load(); }) ? 1 : 0; });
  ASSERT_TRUE(clock.AwaitWaiters(1));
  cancel = true;
  bucket.Wake();
  waiter.join();
  EXPECT_EQ(result.load(), 0);
  // The cancelled reservation was returned: one token after one second.
  clock.Advance(seconds(1));
  EXPECT_TRUE(bucket.TryAcquire());
}

TEST(TokenBucketTest, ZeroQpsDisablesLimiting) {
  FakeClock clock;
  TokenBucket bucket(0, 1, clock);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(bucket.Acquire());
}

TEST(TokenBucketTest, DefaultsAreControllerRuntimes) {
  EXPECT_EQ(kDefaultQps, 20.0);
  EXPECT_EQ(kDefaultBurst, 30);
}

TEST(RetryTest, WhichAnswersAreRetried) {
  Error e429;
  e429.code = 429;
  Error e503;
  e503.code = 503;
  Error e501;
  e501.code = 501;
  Error e409;
  e409.code = 409;
  e409.reason = "Conflict";
  const Error net = Error::Network("reset");
  struct Case {
    const Error* e;
    std::string method;
    bool apply;
    bool want;
  };
  const Case cases[] = {
      {&e429, "POST", false, true},   {&e429, "PATCH", false, true},
      {&e503, "GET", false, true},    {&e503, "PUT", false, true},
      {&e503, "DELETE", false, true}, {&e503, "POST", false, false},
      {&e503, "PATCH", false, false}, {&e503, "PATCH", true, true},
      {&e501, "GET", false, false},   {&e409, "PUT", false, false},
      {&net, "GET", false, true},     {&net, "POST", false, false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(IsRetriable(*c.e, c.method, c.apply), c.want) << c.e->code << " " << c.method;
  }
}

TEST(RetryTest, BackoffSequenceAndRetryAfter) {
  RetryPolicy p{6, milliseconds(100), milliseconds(1000)};
  Error e;
  e.code = 503;
  std::vector<long> got;
  for (int attempt = 1; auto d = RetryDelay(p, attempt, e); ++attempt) got.push_back(d->count());
  EXPECT_EQ(got, (std::vector<long>{100, 200, 400, 800, 1000}));
  e.retry_after = seconds(3);
  EXPECT_EQ(RetryDelay(p, 1, e), milliseconds(3000));
  e.retry_after = seconds(3600);
  EXPECT_EQ(RetryDelay(p, 1, e), std::chrono::duration_cast<milliseconds>(kMaxRetryAfter));
  EXPECT_EQ(RetryDelay(RetryPolicy{1}, 1, e), std::nullopt);
}

}  // namespace
}  // namespace ferry::kube
