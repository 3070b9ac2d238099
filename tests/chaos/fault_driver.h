// FaultDriver: a background thread that, at random instants drawn from a seeded PRNG, breaks the
// world under the operator for a bounded period, then heals it:
//
//   kill      SIGKILL the operator, wait 0-1.5 s, start a new process (as a node failure would)
//   drop      close every watch stream of kube-sim (POST /sim/watches/drop)
//   compact   compact kube-sim's history (POST /sim/compact) -> 410 Gone on re-watch; sometimes
//             also shrinks the history to 50 events for a while (historyLength)
//   fail500   the next 5-40 requests (all, or one API group by path prefix) answer 500
//   fail429   the next 5-40 requests answer 429 with Retry-After: 1
//   latency   every request waits 20-150 ms, for 1-5 s
//
// Every fourth action is a kill. Same seed, same sequence of decisions (the instants also depend on how long each action takes,
// so the interleaving with the operator is not reproducible, but the fault mix is). Every action
// is journaled with its time offset; Stop() ends the window early. After the window: faults
// cleared, history restored, and the operator running.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim_client.h"
#include "tests/integration/harness/harness.h"

namespace ferry::chaos {

using itest::Millis;
using json = nlohmann::json;

// The seed of this run: $FERRY_CHAOS_SEED if set (decimal), else a fresh random one.
uint32_t ChaosSeed();

struct FaultPlan {
  Millis window{40'000};  // faults are injected for this long after Start()
  Millis min_gap{400};    // pause between two actions, uniform in [min_gap, max_gap]
  Millis max_gap{2'500};
  bool kill_operator = true;
};

class FaultDriver {
 public:
  // `op` may be null (no kills). The driver does not own it; no one else may Start/Kill it
  // while the driver runs.
  FaultDriver(uint32_t seed, int sim_port, itest::Operator* op, FaultPlan plan = {});
  ~FaultDriver();
  FaultDriver(const FaultDriver&) = delete;
  FaultDriver& operator=(const FaultDriver&) = delete;

  void Start();
  // Ends the window (early if still running) and waits until the world is healed.
  void Stop();
  // Waits until the window ended by itself and the world is healed; false on timeout.
  bool WaitDone(Millis timeout);

  // How many times each action ran ("kill", "drop", ...).
  std::map<std::string, int> counts() const;
  // Operator processes that exited by themselves during the window (not killed by us), and
  // restarts that failed; both should stay empty.
  std::vector<std::string> problems() const;
  // "+12.3s kill (down 0.8s)" lines, in order.
  std::string Journal() const;

 private:
  void Loop();
  void Act(const std::string& action);
  void Kill();
  void Heal();
  // Waits `d` unless Stop() comes first; false when stopping.
  bool Sleep(Millis d);
  Millis Uniform(Millis lo, Millis hi);
  int UniformInt(int lo, int hi);
  void Note(const std::string& line);

  const uint32_t seed_;
  simtest::SimAdmin admin_;
  itest::Operator* op_;
  const FaultPlan plan_;
  std::mt19937 rng_;
  std::chrono::steady_clock::time_point start_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool done_ = false;
  std::map<std::string, int> counts_;
  std::vector<std::string> problems_;
  std::vector<std::string> journal_;
  // Pending "undo" deadlines of the lasting faults.
  std::chrono::steady_clock::time_point latency_until_{}, history_until_{};
  std::thread thread_;
};

}  // namespace ferry::chaos
