// Command-line parsing of `kubectl-ferry` (pure: argv in, Invocation or usage error out).
//
// Grammar, as kubectl's: `kubectl ferry [global flags] COMMAND [ARGS] [flags]`; flags may come
// before or after the command, as `--flag value`, `--flag=value`, or `-n value` / `-nvalue`.
// `--` ends flags. `-h`/`--help` anywhere asks for the command's help.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "operator/base/result.h"

namespace ferry::plugin {

// Exit codes, documented in --help and docs/PLUGIN.md, stable for scripts.
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;           // API, network, config, object not found
inline constexpr int kExitUsage = 2;           // bad command line
inline constexpr int kExitRolloutFailed = 3;   // rolled back, failed, aborted, run failed/cancelled
inline constexpr int kExitTimeout = 4;         // --timeout passed before the outcome was known

// --timeout default: 0 waits without limit (as `kubectl argo rollouts status`).
inline constexpr std::chrono::seconds kDefaultWaitTimeout{0};

enum class Command {
  kHelp, kVersion, kGet, kStatus, kHistory,
  kPromote, kAbort, kRetry, kPause, kResume, kRun, kCancel,
};

enum class OutputFormat { kDefault, kWide, kJson, kYaml };

// Which kind a NAME argument refers to: given by a "release/" or "pipeline/" prefix, else
// resolved against the server (a Release first, then a Pipeline; both existing is an error).
enum class Kind { kAny, kRelease, kPipeline };

struct Invocation {
  Command command = Command::kHelp;
  std::string help_topic;        // kHelp: the command asked about ("" = general help)
  Kind kind = Kind::kAny;
  std::string name;              // NAME without its kind prefix
  std::string kubeconfig;        // --kubeconfig
  std::string context;           // --context
  std::string namespace_;        // -n/--namespace ("" = the context's namespace)
  bool all_namespaces = false;   // -A/--all-namespaces
  OutputFormat output = OutputFormat::kDefault;
  bool watch = false;            // status --watch / -w
  bool wait = false;             // status --wait; actions: wait for acknowledgement
  std::chrono::seconds timeout = kDefaultWaitTimeout;
  bool full = false;             // promote --full
  std::string revision;          // run --revision
  bool client_only = false;      // version --client

  bool operator==(const Invocation&) const = default;
};

struct UsageError {
  std::string message;  // what is wrong and how to fix it, e.g. "status needs NAME: ..."
};

// Parses argv[1..] (the program name excluded).
Result<Invocation, UsageError> ParseArgs(const std::vector<std::string>& args);

// The command's name as typed ("promote"), and its help text (general help for kHelp).
std::string_view CommandName(Command c);
std::string HelpText(std::string_view topic);

// "30s", "5m", "1h", "90" (seconds) -> seconds; an error names the value and the valid forms.
Result<std::chrono::seconds, UsageError> ParseTimeout(std::string_view text);

}  // namespace ferry::plugin
