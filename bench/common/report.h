// Shared by the benchmarks in bench/: a result table printed to stdout and appended, with the
// exact command and the machine's state, to docs/BENCHMARKS.md (or the file given by --record;
// --no-record only prints). Header-only and dependency-free so any bench target can use it.
#pragma once

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace ferry::bench {

struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;

  // Fixed-width columns for a terminal.
  std::string Text() const {
    std::vector<size_t> width(header.size());
    for (size_t c = 0; c < header.size(); ++c) width[c] = header[c].size();
    for (const auto& r : rows)
      for (size_t c = 0; c < r.size() && c < width.size(); ++c) width[c] = std::max(width[c], r[c].size());
    auto line = [&](const std::vector<std::string>& cells) {
      std::string out;
      for (size_t c = 0; c < cells.size() && c < width.size(); ++c) {
        out += cells[c] + std::string(width[c] - cells[c].size() + 2, ' ');
      }
      return out + "\n";
    };
    std::string out = line(header);
    for (const auto& r : rows) out += line(r);
    return out;
  }

  // A GitHub-flavoured Markdown table.
  std::string Markdown() const {
    auto line = [](const std::vector<std::string>& cells) {
      std::string out = "|";
      for (const auto& c : cells) out += " " + c + " |";
      return out + "\n";
    };
    std::string out = line(header) + "|";
    for (size_t c = 0; c < header.size(); ++c) out += "---|";
    out += "\n";
    for (const auto& r : rows) out += line(r);
    return out;
  }
};

// printf into a std::string, for table cells.
template <class... Args>
std::string Format(const char* fmt, Args... args) {
  char buf[128];
  std::snprintf(buf, sizeof buf, fmt, args...);
  return buf;
}

// The command as typed (argv joined by spaces), for the report.
inline std::string CommandLine(int argc, char** argv) {
  std::string out;
  for (int i = 0; i < argc; ++i) out += (i ? " " : "") + std::string(argv[i]);
  return out;
}

// "2026-11-25 12:00 UTC, 2 CPUs, load average 3.1 (Linux 6.1)": a shared, possibly busy machine
// makes figures vary, so every report says what it ran on.
inline std::string MachineLine() {
  std::time_t now = std::time(nullptr);
  char when[64];
  std::strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", std::gmtime(&now));
  double load[1] = {0};
  getloadavg(load, 1);
  utsname u{};
  uname(&u);
  std::ostringstream out;
  out << when << ", " << sysconf(_SC_NPROCESSORS_ONLN) << " CPUs, load average " << Format("%.1f", load[0])
      << " at start (" << u.sysname << " " << u.release << ")";
  return out.str();
}

// Where reports go: --record PATH, --no-record (returns ""), else `default_path`.
inline std::string ReportPath(int argc, char** argv, const std::string& default_path) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--no-record") return "";
    if (a == "--record" && i + 1 < argc) return argv[i + 1];
    if (a.rfind("--record=", 0) == 0) return a.substr(9);
  }
  return default_path;
}

// The command line of a benchmark: --help (or -h) prints `usage` and exits 0; --no-record and
// --record FILE are ReportPath's; every other flag must be one of `flags`, each with one value
// ("--sizes 1,2" or "--sizes=1,2"), else the usage goes to stderr and the process exits 2 (a
// mistyped flag must not start a run that takes minutes and appends to docs/BENCHMARKS.md).
// Returns flag -> value.
inline std::map<std::string, std::string> ParseArgs(int argc, char** argv, const std::vector<std::string>& flags,
                                                    const char* usage) {
  std::map<std::string, std::string> out;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i], value;
    const size_t eq = a.find('=');
    const bool inline_value = eq != std::string::npos;
    if (inline_value) {
      value = a.substr(eq + 1);
      a = a.substr(0, eq);
    }
    if (a == "--help" || a == "-h") {
      std::printf("%s", usage);
      std::exit(0);
    }
    if (a == "--no-record") continue;
    const bool known = a == "--record" || std::find(flags.begin(), flags.end(), a) != flags.end();
    if (!known || (!inline_value && i + 1 >= argc)) {
      std::fprintf(stderr, "%s: %s\n%s", argv[0], known ? ("missing value for " + a).c_str() : ("unknown flag " + a).c_str(), usage);
      std::exit(2);
    }
    out[a] = inline_value ? value : argv[++i];
  }
  return out;
}

// "1000,10000" -> {1000, 10000}.
inline std::vector<int> IntList(const std::string& csv) {
  std::vector<int> out;
  std::stringstream ss(csv);
  for (std::string n; std::getline(ss, n, ',');) out.push_back(std::atoi(n.c_str()));
  return out;
}

// Prints `title`, the table and notes; appends them with the command to `path` unless empty.
// Returns false when the file cannot be written.
inline bool Report(const std::string& path, const std::string& title, const std::string& command,
                   const std::string& machine, const Table& table, const std::string& notes) {
  std::printf("\n%s\n%s\n%s%s%s", title.c_str(), machine.c_str(), table.Text().c_str(),
              notes.empty() ? "" : "\n", notes.c_str());
  if (path.empty()) return true;
  std::ofstream out(path, std::ios::app);
  if (!out) {
    std::fprintf(stderr, "cannot append to %s\n", path.c_str());
    return false;
  }
  out << "\n### " << title << "\n\n" << machine << ".\n\n```sh\n" << command << "\n```\n\n"
      << table.Markdown() << (notes.empty() ? "" : "\n" + notes);
  std::printf("(appended to %s)\n", path.c_str());
  return static_cast<bool>(out);
}

// Nearest-rank percentile of `v` (sorted in place); 0 for an empty vector.
inline double Percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  double rank = std::ceil(p / 100.0 * static_cast<double>(v.size()));
  size_t i = rank < 1 ? 0 : static_cast<size_t>(rank) - 1;
  return v[std::min(i, v.size() - 1)];
}

// Seconds since `t0` on the steady clock.
inline double SecondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace ferry::bench
