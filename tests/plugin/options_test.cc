// ParseArgs: kubectl's flag conventions, per-command flag checks, and usage errors that say how
// to fix the command line.
#include <gtest/gtest.h>

#include "operator/plugin/options.h"

namespace ferry::plugin {
namespace {

using namespace std::chrono_literals;
using Args = std::vector<std::string>;

Invocation Parse(const Args& args) {
  auto r = ParseArgs(args);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? r.value() : Invocation{};
}

std::string ParseError(const Args& args) {
  auto r = ParseArgs(args);
  EXPECT_FALSE(r.ok());
  return r.ok() ? "" : r.error().message;
}

TEST(ParseArgs, NoArgumentsIsGeneralHelp) {
  Invocation inv = Parse({});
  EXPECT_EQ(inv.command, Command::kHelp);
  EXPECT_EQ(inv.help_topic, "");
}

TEST(ParseArgs, GlobalFlagsBeforeAndAfterTheCommandInEveryForm) {
  Invocation want;
  want.command = Command::kStatus;
  want.name = "model";
  want.kubeconfig = "/k";
  want.context = "prod";
  want.namespace_ = "ml";
  for (const Args& args : {Args{"--kubeconfig", "/k", "--context", "prod", "-n", "ml", "status", "model"},
                           Args{"status", "model", "--kubeconfig=/k", "--context=prod", "--namespace=ml"},
                           Args{"-nml", "status", "--context", "prod", "model", "--kubeconfig", "/k"},
                           Args{"status", "-n=ml", "model", "--namespace", "ml", "--context=prod", "--kubeconfig=/k"}}) {
    EXPECT_EQ(Parse(args), want) << args[0] << " " << args[1];
  }
}

TEST(ParseArgs, KindPrefixes) {
  struct Case {
    std::string arg;
    Kind kind;
    std::string name;
  };
  for (const auto& c : {Case{"model", Kind::kAny, "model"}, Case{"release/model", Kind::kRelease, "model"},
                        Case{"releases.ferry.dev/m", Kind::kRelease, "m"},
                        Case{"pipeline/p", Kind::kPipeline, "p"}, Case{"pipelines/p", Kind::kPipeline, "p"}}) {
    Invocation inv = Parse({"status", c.arg});
    EXPECT_EQ(inv.kind, c.kind) << c.arg;
    EXPECT_EQ(inv.name, c.name) << c.arg;
  }
  EXPECT_EQ(ParseError({"status", "deployment/x"}),
            "unknown kind \"deployment\" in \"deployment/x\": use release/NAME or pipeline/NAME");
  EXPECT_EQ(ParseError({"status", "release/"}), "\"release/\" has no name after the '/'");
}

TEST(ParseArgs, CommandFlags) {
  Invocation p = Parse({"promote", "m", "--full", "--wait", "--timeout", "2m"});
  EXPECT_EQ(p.command, Command::kPromote);
  EXPECT_TRUE(p.full);
  EXPECT_TRUE(p.wait);
  EXPECT_EQ(p.timeout, 120s);
  Invocation r = Parse({"run", "pipe", "--revision=3f2c9a1"});
  EXPECT_EQ(r.command, Command::kRun);
  EXPECT_EQ(r.revision, "3f2c9a1");
  Invocation g = Parse({"get", "-A", "-o", "wide"});
  EXPECT_TRUE(g.all_namespaces);
  EXPECT_EQ(g.output, OutputFormat::kWide);
  EXPECT_EQ(Parse({"get", "-ojson"}).output, OutputFormat::kJson);
  EXPECT_EQ(Parse({"history", "x", "--output=yaml"}).output, OutputFormat::kYaml);
  EXPECT_TRUE(Parse({"status", "x", "-w"}).watch);
  EXPECT_TRUE(Parse({"version", "--client"}).client_only);
}

TEST(ParseArgs, HelpAnywhereAsksForTheCommandsHelp) {
  EXPECT_EQ(Parse({"promote", "--help"}).help_topic, "promote");
  EXPECT_EQ(Parse({"-h", "status"}).help_topic, "status");
  EXPECT_EQ(Parse({"help", "run"}).help_topic, "run");
  EXPECT_EQ(Parse({"--help"}).command, Command::kHelp);
  // Help needs no NAME even for commands that do.
  EXPECT_EQ(Parse({"abort", "-h"}).command, Command::kHelp);
}

TEST(ParseArgs, UsageErrorsNameTheProblemAndTheFix) {
  struct Case {
    Args args;
    std::string error;
  };
  const Case cases[] = {
      {{"deploy"}, "unknown command \"deploy\"; commands: get, status, history, promote, abort, retry, "
                   "pause, resume, run, cancel, version (kubectl ferry --help)"},
      {{"status"}, "status needs NAME: kubectl ferry status NAME (list names with: kubectl ferry get)"},
      {{"promote", "a", "b"}, "unexpected argument \"b\" for \"promote\" (flags go as --flag value)"},
      {{"get", "--bogus"}, "unknown flag --bogus (see kubectl ferry --help)"},
      {{"get", "-n"}, "flag -n needs a value"},
      {{"get", "-o", "table"}, "unsupported output format \"table\": use -o json, yaml or wide"},
      {{"abort", "x", "--full"}, "flag --full is not valid for \"abort\""},
      {{"promote", "x", "--revision", "r"}, "flag --revision is not valid for \"promote\""},
      {{"get", "--watch"}, "flag --watch is not valid for \"get\""},
      {{"status", "x", "-A"}, "flag --all-namespaces is not valid for \"status\""},
      {{"promote", "x", "-o", "json"}, "flag --output is not valid for \"promote\""},
      {{"status", "x", "--timeout", "5m"}, "--timeout applies to --wait or --watch; add one of them"},
      {{"get", "-A", "-n", "x"}, "-A/--all-namespaces and -n/--namespace exclude each other; give one"},
      {{"status", "x", "--watch", "-o", "json"}, "--watch draws a live view; it takes no -o"},
      {{"promote", "pipeline/x"}, "\"promote\" applies to Releases only"},
      {{"run", "release/x"}, "\"run\" applies to Pipelines only"},
      {{"status", "x", "--wait", "--timeout", "5d"},
       "invalid --timeout \"5d\": use seconds or a number with s, m or h (e.g. 90, 30s, 10m, 1h; 0 = no limit)"},
  };
  for (const auto& c : cases) EXPECT_EQ(ParseError(c.args), c.error) << c.args[0];
}

TEST(ParseArgs, DoubleDashEndsFlags) {
  Invocation inv = Parse({"status", "--", "-odd-name"});
  EXPECT_EQ(inv.name, "-odd-name");
}

TEST(ParseTimeout, Forms) {
  EXPECT_EQ(ParseTimeout("90").value(), 90s);
  EXPECT_EQ(ParseTimeout("30s").value(), 30s);
  EXPECT_EQ(ParseTimeout("10m").value(), 600s);
  EXPECT_EQ(ParseTimeout("1h").value(), 3600s);
  EXPECT_EQ(ParseTimeout("0").value(), 0s);
  for (const char* bad : {"", "-1", "1.5m", "m", "10x"}) EXPECT_FALSE(ParseTimeout(bad).ok()) << bad;
}

TEST(HelpText, ListsEveryCommandAndTheExitCodes) {
  std::string general = HelpText("");
  for (const char* cmd : {"get", "status", "history", "promote", "abort", "retry", "pause", "resume",
                          "run", "cancel", "version"}) {
    EXPECT_NE(general.find("\n  " + std::string(cmd) + " "), std::string::npos) << cmd;
    EXPECT_NE(HelpText(cmd), general) << cmd;
  }
  for (const char* code : {"  0  success", "  1  error", "  2  usage", "  3  rollout failed", "  4  timeout"}) {
    EXPECT_NE(general.find(code), std::string::npos) << code;
  }
}

}  // namespace
}  // namespace ferry::plugin
