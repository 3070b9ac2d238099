// The commands of `kubectl-ferry`: each reads through a Cluster, decides with the pure functions
// of state.h, renders with render.h, and returns an exit code (options.h). main.cc only parses
// argv and calls Execute.
#pragma once

#include <cstdint>
#include <functional>
#include <ostream>

#include "operator/base/clock.h"
#include "operator/plugin/options.h"

namespace ferry::plugin {

struct Env {
  std::ostream& out;
  std::ostream& err;
  Clock& clock;
  bool terminal = false;                 // stdout is a TTY: --watch clears the screen per redraw
  std::function<uint32_t()> random;      // nonce randomness
};

// Runs a parsed invocation (never kHelp's parse errors: main prints those with kExitUsage).
int Execute(const Invocation& inv, Env& env);

}  // namespace ferry::plugin
