// Raw figures of a benchmark as CSV under docs/bench/, and a PNG drawn from them by
// bench/common/plot.py when python3 has matplotlib (python3-matplotlib, FERRY_DEPS=all);
// without it the CSV is kept and the plot skipped with a message. Header-only. Benchmarks only.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

namespace ferry::bench {

// Writes `csv` to <source>/docs/bench/<name>.csv and plots it as `kind` (see plot.py) into
// <name>.png. Returns the PNG's path relative to docs/, or "" when no plot was drawn.
inline std::string WriteCsvAndPlot(const std::string& source_dir, const std::string& name, const std::string& kind,
                                   const std::string& csv) {
  const std::string dir = source_dir + "/docs/bench";
  const std::string csv_path = dir + "/" + name + ".csv", png_path = dir + "/" + name + ".png";
  if (std::system(("mkdir -p '" + dir + "'").c_str()) != 0) return "";
  std::ofstream(csv_path) << csv;
  // The first python3 with matplotlib: PATH's (a virtualenv or pyenv may shadow Debian's), then
  // Debian's, where python3-matplotlib installs.
  std::string python;
  for (const char* candidate : {"python3", "/usr/bin/python3"}) {
    if (std::system((std::string(candidate) + " -c 'import matplotlib' >/dev/null 2>&1").c_str()) == 0) {
      python = candidate;
      break;
    }
  }
  if (python.empty()) {
    std::printf("plot skipped: python3 has no matplotlib (figures kept in %s)\n", csv_path.c_str());
    return "";
  }
  const std::string cmd =
      python + " '" + source_dir + "/bench/common/plot.py' " + kind + " '" + csv_path + "' '" + png_path + "'";
  if (std::system(cmd.c_str()) != 0) {
    std::printf("plot failed: %s\n", cmd.c_str());
    return "";
  }
  std::printf("plot: %s\n", png_path.c_str());
  return "bench/" + name + ".png";
}

}  // namespace ferry::bench
