#include "operator/plugin/options.h"

#include <array>
#include <tuple>
#include <charconv>

#include "operator/plugin/help.h"

namespace ferry::plugin {
namespace {

struct CommandInfo {
  Command command;
  std::string_view name;
  bool needs_name;
  Kind only_kind;  // kAny: both kinds
};

constexpr std::array kCommands = {
    CommandInfo{Command::kHelp, "help", false, Kind::kAny},
    CommandInfo{Command::kVersion, "version", false, Kind::kAny},
    CommandInfo{Command::kGet, "get", false, Kind::kAny},
    CommandInfo{Command::kStatus, "status", true, Kind::kAny},
    CommandInfo{Command::kHistory, "history", true, Kind::kAny},
    CommandInfo{Command::kPromote, "promote", true, Kind::kRelease},
    CommandInfo{Command::kAbort, "abort", true, Kind::kRelease},
    CommandInfo{Command::kRetry, "retry", true, Kind::kAny},
    CommandInfo{Command::kPause, "pause", true, Kind::kRelease},
    CommandInfo{Command::kResume, "resume", true, Kind::kRelease},
    CommandInfo{Command::kRun, "run", true, Kind::kPipeline},
    CommandInfo{Command::kCancel, "cancel", true, Kind::kPipeline},
};

const CommandInfo* FindCommand(std::string_view name) {
  for (const auto& c : kCommands) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

const CommandInfo& Info(Command c) {
  for (const auto& i : kCommands) {
    if (i.command == c) return i;
  }
  return kCommands[0];
}

bool IsAction(Command c) {
  return c == Command::kPromote || c == Command::kAbort || c == Command::kRetry ||
         c == Command::kPause || c == Command::kResume || c == Command::kRun ||
         c == Command::kCancel;
}

UsageError Usage(std::string message) { return UsageError{std::move(message)}; }

// "release/x", "releases.ferry.dev/x", "pipeline/x", ... -> kind and name.
Result<std::pair<Kind, std::string>, UsageError> SplitKind(std::string_view arg) {
  size_t slash = arg.find('/');
  if (slash == std::string_view::npos) return std::pair{Kind::kAny, std::string(arg)};
  std::string_view kind = arg.substr(0, slash), name = arg.substr(slash + 1);
  if (name.empty()) return Usage("\"" + std::string(arg) + "\" has no name after the '/'");
  for (std::string_view k : {"release", "releases", "release.ferry.dev", "releases.ferry.dev"}) {
    if (kind == k) return std::pair{Kind::kRelease, std::string(name)};
  }
  for (std::string_view k : {"pipeline", "pipelines", "pipeline.ferry.dev", "pipelines.ferry.dev"}) {
    if (kind == k) return std::pair{Kind::kPipeline, std::string(name)};
  }
  return Usage("unknown kind \"" + std::string(kind) + "\" in \"" + std::string(arg) +
               "\": use release/NAME or pipeline/NAME");
}

Result<OutputFormat, UsageError> ParseOutput(std::string_view v) {
  if (v == "json") return OutputFormat::kJson;
  if (v == "yaml") return OutputFormat::kYaml;
  if (v == "wide") return OutputFormat::kWide;
  return Usage("unsupported output format \"" + std::string(v) + "\": use -o json, yaml or wide");
}

// Parser state: walks the arguments once.
class Parser {
 public:
  explicit Parser(const std::vector<std::string>& args) : args_(args) {}
  Result<Invocation, UsageError> Run();

 private:
  // A flag with a value: returns true if `arg` is it (value read from "=v", the rest of a short
  // flag, or the next argument).
  Result<bool, UsageError> Valued(const std::string& arg, std::string_view lng,
                                  std::string_view shrt, std::string* out);
  Result<bool, UsageError> Flag(const std::string& arg);
  std::optional<UsageError> Check();

  const std::vector<std::string>& args_;
  size_t i_ = 0;
  Invocation inv_;
  std::vector<std::string> positional_;
  std::vector<std::string> seen_;  // flags given, for per-command checks
  bool help_ = false;
};

Result<bool, UsageError> Parser::Valued(const std::string& arg, std::string_view lng,
                                        std::string_view shrt, std::string* out) {
  std::string_view a = arg;
  bool is_long = a == lng || (a.size() > lng.size() && a.substr(0, lng.size()) == lng &&
                              a[lng.size()] == '=');
  bool is_short = !shrt.empty() && a.substr(0, shrt.size()) == shrt;
  if (!is_long && !is_short) return false;
  size_t skip = is_long ? lng.size() : shrt.size();
  if (a.size() > skip) {
    *out = std::string(a.substr(a[skip] == '=' ? skip + 1 : skip));
  } else if (i_ + 1 < args_.size()) {
    *out = args_[++i_];
  } else {
    return Usage("flag " + std::string(is_long ? lng : shrt) + " needs a value");
  }
  seen_.emplace_back(lng);
  return true;
}

Result<bool, UsageError> Parser::Flag(const std::string& a) {
  auto boolean = [&](std::string_view lng, std::string_view shrt, bool* out) {
    if (a != lng && (shrt.empty() || a != shrt)) return false;
    *out = true;
    seen_.emplace_back(lng);
    return true;
  };
  if (a == "-h" || a == "--help") return help_ = true;
  if (boolean("--all-namespaces", "-A", &inv_.all_namespaces) ||
      boolean("--watch", "-w", &inv_.watch) || boolean("--wait", "", &inv_.wait) ||
      boolean("--full", "", &inv_.full) || boolean("--client", "", &inv_.client_only)) {
    return true;
  }
  std::string v;
  struct Valued_ {
    std::string_view lng, shrt;
    std::string* out;
  };
  for (auto [lng, shrt, out] : {Valued_{"--kubeconfig", "", &inv_.kubeconfig},
                                Valued_{"--context", "", &inv_.context},
                                Valued_{"--namespace", "-n", &inv_.namespace_},
                                Valued_{"--revision", "", &inv_.revision}}) {
    auto r = Valued(a, lng, shrt, out);
    if (!r.ok() || r.value()) return r;
  }
  auto o = Valued(a, "--output", "-o", &v);
  if (!o.ok() || o.value()) {
    if (!o.ok()) return o;
    auto f = ParseOutput(v);
    if (!f.ok()) return f.error();
    inv_.output = f.value();
    return true;
  }
  auto t = Valued(a, "--timeout", "", &v);
  if (!t.ok() || t.value()) {
    if (!t.ok()) return t;
    auto d = ParseTimeout(v);
    if (!d.ok()) return d.error();
    inv_.timeout = d.value();
    return true;
  }
  return Usage("unknown flag " + a + " (see kubectl ferry --help)");
}

bool Contains(const std::vector<std::string>& v, std::string_view s) {
  for (const auto& x : v) {
    if (x == s) return true;
  }
  return false;
}

std::optional<UsageError> Parser::Check() {
  Command c = inv_.command;
  std::string cmd(CommandName(c));
  auto only = [&](std::string_view flag, bool allowed) -> std::optional<UsageError> {
    if (Contains(seen_, flag) && !allowed) {
      return Usage("flag " + std::string(flag) + " is not valid for \"" + cmd + "\"");
    }
    return std::nullopt;
  };
  bool reads = c == Command::kGet || c == Command::kStatus || c == Command::kHistory;
  for (auto e : {only("--full", c == Command::kPromote), only("--client", c == Command::kVersion),
                 only("--revision", c == Command::kRun),
                 only("--watch", c == Command::kStatus),
                 only("--wait", c == Command::kStatus || IsAction(c)),
                 only("--timeout", c == Command::kStatus || IsAction(c)),
                 only("--all-namespaces", c == Command::kGet),
                 only("--output", reads || c == Command::kVersion)}) {
    if (e) return e;
  }
  if (Contains(seen_, "--timeout") && !inv_.wait && !inv_.watch) {
    return Usage("--timeout applies to --wait or --watch; add one of them");
  }
  if (inv_.all_namespaces && Contains(seen_, "--namespace")) {
    return Usage("-A/--all-namespaces and -n/--namespace exclude each other; give one");
  }
  if (inv_.watch && inv_.output != OutputFormat::kDefault) {
    return Usage("--watch draws a live view; it takes no -o");
  }
  const CommandInfo& info = Info(c);
  if (inv_.kind != Kind::kAny && info.only_kind != Kind::kAny && inv_.kind != info.only_kind) {
    return Usage("\"" + cmd + "\" applies to " +
                 (info.only_kind == Kind::kRelease ? "Releases" : "Pipelines") + " only");
  }
  return std::nullopt;
}

Result<Invocation, UsageError> Parser::Run() {
  bool flags_done = false;
  for (; i_ < args_.size(); ++i_) {
    const std::string& a = args_[i_];
    if (!flags_done && a == "--") {
      flags_done = true;
    } else if (!flags_done && a.size() > 1 && a[0] == '-') {
      auto r = Flag(a);
      if (!r.ok()) return r.error();
    } else {
      positional_.push_back(a);
    }
  }
  if (positional_.empty()) {
    inv_.command = Command::kHelp;
    return inv_;
  }
  const CommandInfo* info = FindCommand(positional_[0]);
  if (!info) {
    return Usage("unknown command \"" + positional_[0] +
                 "\"; commands: get, status, history, promote, abort, retry, pause, resume, "
                 "run, cancel, version (kubectl ferry --help)");
  }
  inv_.command = info->command;
  if (help_ || info->command == Command::kHelp) {
    inv_.help_topic = info->command == Command::kHelp
                          ? (positional_.size() > 1 ? positional_[1] : "")
                          : std::string(info->name);
    inv_.command = Command::kHelp;
    return inv_;
  }
  size_t want = info->needs_name ? 2 : 1;
  if (positional_.size() < want) {
    return Usage(std::string(info->name) + " needs NAME: kubectl ferry " + std::string(info->name) +
                 " NAME (list names with: kubectl ferry get)");
  }
  if (positional_.size() > want + (info->command == Command::kGet ? 1 : 0)) {
    return Usage("unexpected argument \"" + positional_[want] + "\" for \"" +
                 std::string(info->name) + "\" (flags go as --flag value)");
  }
  if (positional_.size() > 1) {
    auto split = SplitKind(positional_[1]);
    if (!split.ok()) return split.error();
    inv_.kind = split.value().first;
    inv_.name = split.value().second;
  }
  if (auto e = Check()) return *e;
  return inv_;
}

}  // namespace

Result<Invocation, UsageError> ParseArgs(const std::vector<std::string>& args) {
  return Parser(args).Run();
}

std::string_view CommandName(Command c) { return Info(c).name; }

std::string HelpText(std::string_view topic) { return CommandHelp(topic); }

Result<std::chrono::seconds, UsageError> ParseTimeout(std::string_view text) {
  auto bad = [&] {
    return Usage("invalid --timeout \"" + std::string(text) +
                 "\": use seconds or a number with s, m or h (e.g. 90, 30s, 10m, 1h; 0 = no limit)");
  };
  if (text.empty()) return bad();
  int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || n < 0) return bad();
  std::string_view unit(end, static_cast<size_t>(text.data() + text.size() - end));
  int64_t mult = unit.empty() || unit == "s" ? 1 : unit == "m" ? 60 : unit == "h" ? 3600 : 0;
  if (mult == 0) return bad();
  return std::chrono::seconds(n * mult);
}

}  // namespace ferry::plugin
