// kubectl-ferry: the kubectl plugin for Ferry (`kubectl ferry ...`). See docs/PLUGIN.md.
#include <unistd.h>

#include <iostream>
#include <random>

#include "operator/plugin/commands.h"

int main(int argc, char** argv) {
  using namespace ferry::plugin;
  auto inv = ParseArgs(std::vector<std::string>(argv + 1, argv + argc));
  if (!inv.ok()) {
    std::cerr << "error: " << inv.error().message << "\n";
    return kExitUsage;
  }
  std::random_device rd;
  Env env{std::cout, std::cerr, ferry::RealClock::Get(), isatty(STDOUT_FILENO) == 1,
          [&rd] { return static_cast<uint32_t>(rd()); }};
  return Execute(inv.value(), env);
}
