// FaultDriver (fault_driver.h).
#include "tests/chaos/fault_driver.h"

#include <cstdio>
#include <cstdlib>
#include <iterator>

#include "sim_client.h"

namespace ferry::chaos {
namespace {

using Clock = std::chrono::steady_clock;

// kube-sim's default history (sim/core/store.h kDefaultHistory), restored after a shrink.
constexpr size_t kSimDefaultHistory = 10000;
constexpr size_t kShrunkHistory = 50;

// The actions and their weights (on top of the forced kills).
struct Weighted {
  const char* action;
  int weight;
};
// "kill" first: Loop() forces index 0 on every fourth action.
constexpr Weighted kActions[] = {{"kill", 2},    {"drop", 3},    {"compact", 3},
                                 {"fail500", 4}, {"fail429", 3}, {"latency", 2}};

// API paths a failure burst may be limited to ("" = every request).
constexpr const char* kPrefixes[] = {"", "", "/apis/apps", "/apis/ferry.dev", "/apis/batch",
                                     "/api/v1"};

}  // namespace

uint32_t ChaosSeed() {
  if (const char* env = std::getenv("FERRY_CHAOS_SEED"); env != nullptr && *env != '\0') {
    return static_cast<uint32_t>(std::strtoul(env, nullptr, 10));
  }
  return std::random_device{}();
}

FaultDriver::FaultDriver(uint32_t seed, int sim_port, itest::Operator* op, FaultPlan plan)
    : seed_(seed), admin_(sim_port), op_(op), plan_(plan), rng_(seed) {}

FaultDriver::~FaultDriver() { Stop(); }

void FaultDriver::Start() {
  start_ = Clock::now();
  Note("fault window of " + std::to_string(plan_.window.count()) + " ms, seed " +
       std::to_string(seed_));
  thread_ = std::thread([this] { Loop(); });
}

void FaultDriver::Stop() {
  {
    std::lock_guard g(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::map<std::string, int> FaultDriver::counts() const {
  std::lock_guard g(mu_);
  return counts_;
}

std::vector<std::string> FaultDriver::problems() const {
  std::lock_guard g(mu_);
  return problems_;
}

std::string FaultDriver::Journal() const {
  std::lock_guard g(mu_);
  std::string out;
  for (const auto& line : journal_) out += "  " + line + "\n";
  return out;
}

void FaultDriver::Note(const std::string& line) {
  double t = std::chrono::duration<double>(Clock::now() - start_).count();
  char at[32];
  std::snprintf(at, sizeof at, "+%.1fs ", t);
  std::lock_guard g(mu_);
  journal_.push_back(at + line);
}

bool FaultDriver::Sleep(Millis d) {
  std::unique_lock lock(mu_);
  return !cv_.wait_for(lock, d, [&] { return stop_; });
}

Millis FaultDriver::Uniform(Millis lo, Millis hi) {
  return Millis(std::uniform_int_distribution<int64_t>(lo.count(), hi.count())(rng_));
}

int FaultDriver::UniformInt(int lo, int hi) {
  return std::uniform_int_distribution<int>(lo, hi)(rng_);
}

void FaultDriver::Loop() {
  int total = 0, actions = 0;
  for (const auto& a : kActions) total += a.weight;
  const auto end = start_ + plan_.window;
  while (Clock::now() < end && Sleep(Uniform(plan_.min_gap, plan_.max_gap))) {
    if (Clock::now() >= end) break;
    auto now = Clock::now();
    if (latency_until_ != Clock::time_point{} && now >= latency_until_) {
      admin_.PostFaults({{"latencyMs", 0}});
      latency_until_ = {};
      Note("latency off");
    }
    if (history_until_ != Clock::time_point{} && now >= history_until_) {
      admin_.PostFaults({{"historyLength", kSimDefaultHistory}});
      history_until_ = {};
      Note("history restored");
    }
    if (op_ != nullptr && !op_->running()) {  // it exited by itself: that is a finding
      std::lock_guard g(mu_);
      problems_.push_back("the operator exited by itself (run " + std::to_string(op_->runs()) +
                          ")");
    }
    // Every fourth action is a kill, so each seed kills the operator several times.
    int pick = UniformInt(0, total - 1);
    if (++actions % 4 == 1) pick = 0;
    for (const auto& a : kActions) {
      if (pick < a.weight) {
        Act(a.action);
        break;
      }
      pick -= a.weight;
    }
  }
  Heal();
  std::lock_guard g(mu_);
  done_ = true;
  cv_.notify_all();
}

bool FaultDriver::WaitDone(Millis timeout) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return done_; });
}

void FaultDriver::Act(const std::string& action) {
  if (action == "kill" && (op_ == nullptr || !plan_.kill_operator)) return;
  {
    std::lock_guard g(mu_);
    ++counts_[action];
  }
  if (action == "kill") {
    Kill();
  } else if (action == "drop") {
    Note(admin_.DropWatches() ? "watches dropped" : "drop FAILED");
  } else if (action == "compact") {
    bool shrink = UniformInt(0, 2) == 0;
    json body = {{"compact", true}};
    if (shrink) body["historyLength"] = kShrunkHistory;
    if (shrink) history_until_ = Clock::now() + Uniform(Millis(2000), Millis(6000));
    Note(std::string(admin_.PostFaults(body) ? "compacted" : "compact FAILED") +
         (shrink ? " + history shrunk to 50" : ""));
  } else if (action == "fail500" || action == "fail429") {
    int count = UniformInt(5, 40);
    int code = action == "fail500" ? 500 : 429;
    std::string prefix = kPrefixes[UniformInt(0, static_cast<int>(std::size(kPrefixes)) - 1)];
    json fail = {{"count", count}, {"code", code}, {"retryAfterSeconds", 1}, {"pathPrefix", prefix}};
    bool ok = admin_.PostFaults({{"failNext", fail}});
    Note(std::to_string(count) + " x " + std::to_string(code) + " on '" + prefix + "'" +
         (ok ? "" : " FAILED"));
  } else if (action == "latency") {
    int ms = UniformInt(20, 150);
    latency_until_ = Clock::now() + Uniform(Millis(1000), Millis(5000));
    Note("latency " + std::to_string(ms) + " ms" +
         (admin_.PostFaults({{"latencyMs", ms}}) ? "" : " FAILED"));
  }
}

void FaultDriver::Kill() {
  op_->Kill();
  Millis down = Uniform(Millis(0), Millis(1500));
  Sleep(down);  // even when stopping: the restart below must happen
  Status st = op_->Start();
  Note("operator killed, restarted after " + std::to_string(down.count()) + " ms (run " +
       std::to_string(op_->runs()) + ")");
  if (!st) {
    std::lock_guard g(mu_);
    problems_.push_back("restart failed: " + st.error().message.substr(0, 2000));
  }
}

void FaultDriver::Heal() {
  // Retried: the admin API itself is never failed, but be sure the world really is healed.
  bool ok = itest::Eventually(
      [&] {
        return admin_.ClearFaults() && admin_.PostFaults({{"historyLength", kSimDefaultHistory}});
      },
      Millis(10'000), Millis(200));
  Note(ok ? "faults cleared" : "clearing the faults FAILED");
  if (!ok) {
    std::lock_guard g(mu_);
    problems_.push_back("could not clear kube-sim's faults");
  }
  if (op_ != nullptr && !op_->running()) {
    {
      std::lock_guard g(mu_);
      problems_.push_back("the operator exited by itself (run " + std::to_string(op_->runs()) +
                          ")");
    }
    if (Status st = op_->Start(); !st) {
      std::lock_guard g(mu_);
      problems_.push_back("final restart failed: " + st.error().message.substr(0, 2000));
    }
  }
}

}  // namespace ferry::chaos
