// Real kubectl (.tools/bin/kubectl) against kube-sim over HTTPS with a bearer token and the
// kubeconfig kube-sim writes: apply/create/get/describe/patch/delete and get -w.
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "sim_client.h"

namespace simtest {
namespace {

namespace fs = std::filesystem;

struct CmdResult {
  int status;
  std::string output;
};

class KubectlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kubectl_ = std::string(std::getenv("FERRY_SOURCE_DIR") ? std::getenv("FERRY_SOURCE_DIR") : ".") + "/.tools/bin/kubectl";
    if (!fs::exists(kubectl_)) GTEST_SKIP() << "kubectl not installed (scripts/install-deps.sh)";
    dir_ = fs::temp_directory_path() / ("kube-sim-kubectl-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    sim_ = std::make_unique<SimProcess>(std::vector<std::string>{
        "--tls", "--token", "kubectl-test-token", "--kubeconfig-out", (dir_ / "kubeconfig").string()});
    ASSERT_TRUE(sim_->ok());
  }
  void TearDown() override {
    sim_.reset();
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  CmdResult kubectl(const std::string& args) {
    std::string cmd = kubectl_ + " --kubeconfig " + (dir_ / "kubeconfig").string() + " " + args + " 2>&1";
    CmdResult r{0, ""};
    FILE* p = popen(cmd.c_str(), "r");
    std::array<char, 4096> buf;
    while (size_t n = fread(buf.data(), 1, buf.size(), p)) r.output.append(buf.data(), n);
    r.status = pclose(p);
    return r;
  }
  std::string write(const std::string& name, const std::string& content) {
    std::ofstream(dir_ / name) << content;
    return (dir_ / name).string();
  }

  std::string kubectl_;
  fs::path dir_;
  std::unique_ptr<SimProcess> sim_;
};

const char* kRelease = R"(apiVersion: ferry.dev/v1alpha1
kind: Release
metadata:
  name: demo
spec:
  version: 1.0.0
  channel: stable
)";

const char* kDeployment = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: registry.example/web:1.0
)";

TEST_F(KubectlTest, CrdAndCustomResourceLifecycle) {
  std::ifstream in(transcripts_dir() + "/crd/01-create-crd.json");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string crd = write("crd.json", json::parse(ss.str())["request"]["body"].dump());
  CmdResult r = kubectl("apply -f " + crd);
  ASSERT_EQ(r.status, 0) << r.output;
  r = kubectl("apply -f " + write("release.yaml", kRelease));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("release.ferry.dev/demo created"), std::string::npos) << r.output;
  r = kubectl("get releases");
  EXPECT_NE(r.output.find("CHANNEL"), std::string::npos) << "printer columns: " << r.output;
  EXPECT_NE(r.output.find("stable"), std::string::npos) << r.output;
  std::string v2 = kRelease;
  v2.replace(v2.find("1.0.0"), 5, "1.1.0");
  r = kubectl("apply -f " + write("release.yaml", v2));
  EXPECT_NE(r.output.find("configured"), std::string::npos) << r.output;
  r = kubectl("get rel demo -o jsonpath={.spec.version}/{.metadata.generation}");
  EXPECT_EQ(r.output, "1.1.0/2");
  r = kubectl("patch release demo --type=merge -p '{\"spec\":{\"replicas\":3}}'");
  EXPECT_EQ(r.status, 0) << r.output;
  r = kubectl("describe release demo");
  EXPECT_NE(r.output.find("Replicas:  3"), std::string::npos) << r.output;
  r = kubectl("delete release demo");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(kubectl("get release demo").status, 0);
}

TEST_F(KubectlTest, DeploymentCreatePatchApplyDelete) {
  CmdResult r = kubectl("create -f " + write("deploy.yaml", kDeployment));
  ASSERT_EQ(r.status, 0) << r.output;
  r = kubectl("rollout status deployment/web --timeout=30s");
  EXPECT_EQ(r.status, 0) << r.output;
  r = kubectl("patch deployment web -p '{\"spec\":{\"replicas\":3}}'");
  EXPECT_EQ(r.status, 0) << r.output;
  std::string v2 = kDeployment;
  v2.replace(v2.find("web:1.0"), 7, "web:2.0");
  r = kubectl("apply -f " + write("deploy.yaml", v2));
  EXPECT_EQ(r.status, 0) << r.output;
  r = kubectl("rollout status deployment/web --timeout=30s");
  EXPECT_EQ(r.status, 0) << r.output;
  r = kubectl("get deployment web -o jsonpath={.status.updatedReplicas}/{.status.availableReplicas}");
  EXPECT_EQ(r.output, "2/2") << "apply sets the file's replicas again";
  r = kubectl("get pods -l app=web");
  EXPECT_NE(r.output.find("Running"), std::string::npos) << r.output;
  r = kubectl("delete deployment web");
  EXPECT_EQ(r.status, 0) << r.output;
  for (int i = 0; i < 50 && kubectl("get pods -l app=web -o name").output != ""; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(kubectl("get pods -l app=web -o name").output, "") << "garbage collector removed the pods";
}

TEST_F(KubectlTest, GetWatchStreamsChanges) {
  std::string out = (dir_ / "watch.out").string();
  std::string cmd = "timeout 4 " + kubectl_ + " --kubeconfig " + (dir_ / "kubeconfig").string() +
                    " get configmaps -w > " + out + " 2>&1 &";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(kubectl("create configmap watched --from-literal=a=b").status, 0);
  std::string seen;
  for (int i = 0; i < 50 && seen.find("watched") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::ifstream f(out);
    std::stringstream s;
    s << f.rdbuf();
    seen = s.str();
  }
  EXPECT_NE(seen.find("watched"), std::string::npos) << seen;
}

}  // namespace
}  // namespace simtest
