#include "operator/runtime/manager/signals.h"

#include <csignal>
#include <cstdlib>
#include <thread>

#include "operator/base/log.h"

namespace ferry::manager {
namespace {

sigset_t ShutdownSet() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

}  // namespace

void BlockShutdownSignals() {
  sigset_t set = ShutdownSet();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

void WatchShutdownSignals(std::function<void()> on_signal) {
  std::thread([on_signal = std::move(on_signal)] {
    sigset_t set = ShutdownSet();
    int count = 0;
    while (true) {
      int sig = 0;
      if (sigwait(&set, &sig) != 0) continue;
      if (++count == 1) {
        log::Logger("manager").Info("shutdown signal received; stopping gracefully",
                                    {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
        on_signal();
      } else {
        log::Logger("manager").Warn("second shutdown signal; exiting now");
        std::_Exit(1);
      }
    }
  }).detach();
}

}  // namespace ferry::manager
