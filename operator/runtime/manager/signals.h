// Shutdown signals. Call BlockShutdownSignals() first thing in main, before any thread exists,
// so every thread inherits the mask and SIGTERM/SIGINT reach only the watcher thread started by
// WatchShutdownSignals: the first signal calls `on_signal` (e.g. Manager::Stop, a graceful
// shutdown); a second one exits at once with status 1, as controller-runtime's handler does.
#pragma once

#include <functional>

namespace ferry::manager {

void BlockShutdownSignals();
void WatchShutdownSignals(std::function<void()> on_signal);

}  // namespace ferry::manager
