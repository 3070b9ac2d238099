// Runs the real ferry-operator binary: --help, bad flags, and a start against an unreachable API
// server answered by a clean exit code rather than a hang or a crash.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

struct Outcome {
  int exit_code = -1;
  std::string output;
};

Outcome RunBinary(const std::string& args) {
  std::string cmd = std::string(FERRY_OPERATOR_BINARY) + " " + args + " 2>&1";
  Outcome o;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return o;
  char buf[1024];
  while (std::fgets(buf, sizeof buf, p) != nullptr) o.output += buf;
  int status = ::pclose(p);
  if (WIFEXITED(status)) o.exit_code = WEXITSTATUS(status);
  return o;
}

TEST(FerryOperatorBinaryTest, HelpDocumentsTheFlagsAndExitsZero) {
  auto o = RunBinary("--help");
  EXPECT_EQ(o.exit_code, 0) << o.output;
  for (const char* flag : {"--kubeconfig", "--leader-elect", "--metrics-bind-address",
                           "--health-probe-bind-address", "--instance-id", "--workers"}) {
    EXPECT_NE(o.output.find(flag), std::string::npos) << flag;
  }
}

TEST(FerryOperatorBinaryTest, BadFlagExitsTwoWithTheReason) {
  auto o = RunBinary("--workers=zero");
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_NE(o.output.find("invalid value \"zero\" for --workers"), std::string::npos) << o.output;
}

TEST(FerryOperatorBinaryTest, MissingKubeconfigExitsOneWithAClearError) {
  auto o = RunBinary("--kubeconfig=/nonexistent/kubeconfig --metrics-bind-address=0 "
                     "--health-probe-bind-address=0");
  EXPECT_EQ(o.exit_code, 1) << o.output;
  EXPECT_NE(o.output.find("cannot load the Kubernetes configuration"), std::string::npos)
      << o.output;
}

}  // namespace
