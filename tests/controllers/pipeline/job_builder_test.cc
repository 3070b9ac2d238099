#include "operator/controllers/pipeline/job_builder.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "operator/api/validation.h"

namespace ferry::pipeline {
namespace {

api::Pipeline Pipe() {
  api::Pipeline p;
  p.metadata.name = "churn-model";
  p.metadata.namespace_ = "ml-serving";
  p.metadata.uid = "0b1c2d3e-uid";
  p.spec.source.url = "https://github.com/acme/churn-model.git";
  p.spec.source.secretRef = api::LocalObjectReference{"git-credentials"};
  p.spec.serviceAccountName = "ferry-builder";
  return p;
}

JobRequest Req(const api::Pipeline& p) {
  JobRequest r;
  r.pipeline = &p;
  r.run_id = "churn-model-7";
  r.run_number = 7;
  r.revision = "3f2c9a1";
  r.ref = "main";
  r.stage.name = "build";
  r.stage.image = "gcr.io/kaniko-project/executor:v1.23.2";
  r.stage.args = {"--destination=reg/app:3f2c9a1"};
  r.stage.timeout = "30m";
  r.stage.resources.requests = {{"cpu", "2"}, {"memory", "4Gi"}};
  r.stage.env = {{"PLAIN", "x", std::nullopt},
                 {"TOKEN", "", api::EnvVarSource{api::KeySelector{"tok", "token", true}, {}}}};
  r.stage.secretMounts = {{"registry-push", "/kaniko/.docker"}};
  return r;
}

TEST(JobName, Table) {
  struct Case {
    std::string pipeline;
    int64_t run;
    std::string stage;
    int32_t attempt;
    std::string want;  // "" -> only check validity
  };
  const std::string p49(40, 'p');
  const std::vector<Case> cases = {
      {"churn-model", 7, "build", 1, "churn-model-7-build"},
      {"churn-model", 7, "build", 2, "churn-model-7-build-r2"},
      {"churn-model", 7, "build", 0, "churn-model-7-build"},
      {p49, 123456789, "stage1234", 10, ""},  // 40+1+9+1+9+4 = 64 > 63: hashed
      {std::string(63, 'a'), 1, "s", 1, ""},
  };
  for (const auto& c : cases) {
    std::string got = JobName(c.pipeline, c.run, c.stage, c.attempt);
    SCOPED_TRACE(got);
    EXPECT_LE(got.size(), kMaxJobNameLength);
    EXPECT_TRUE(api::IsDnsLabel(got));
    if (!c.want.empty()) {
      EXPECT_EQ(got, c.want);
    }
  }
}

TEST(JobName, HashedNamesAreDeterministicAndDistinct) {
  std::string p(45, 'p');
  std::string a = JobName(p, 1234567890, "stage", 2);
  EXPECT_EQ(a, JobName(p, 1234567890, "stage", 2));
  EXPECT_NE(a, JobName(p, 1234567890, "stage", 3));
  EXPECT_EQ(a.size(), kMaxJobNameLength);
  EXPECT_EQ(a.substr(0, 10), p.substr(0, 10));
}

TEST(LabelValue, KeepsValidAndRepairsInvalid) {
  EXPECT_EQ(LabelValue("3f2c9a1"), "3f2c9a1");
  EXPECT_EQ(LabelValue(""), "");
  std::string sha256(64, 'a');
  EXPECT_EQ(LabelValue(sha256), std::string(63, 'a'));
  EXPECT_EQ(LabelValue("refs/heads/main"), "refs-heads-main");
  EXPECT_TRUE(api::IsLabelValue(LabelValue("-x/y-")));
}

TEST(BuildJob, MetadataOwnerAndLabels) {
  api::Pipeline p = Pipe();
  auto job = BuildJob(Req(p));
  ASSERT_TRUE(job.ok()) << job.error().message;
  const Json& m = (*job)["metadata"];
  EXPECT_EQ((*job)["apiVersion"], "batch/v1");
  EXPECT_EQ((*job)["kind"], "Job");
  EXPECT_EQ(m["name"], "churn-model-7-build");
  EXPECT_EQ(m["namespace"], "ml-serving");
  EXPECT_EQ(m["labels"][kLabelPipeline], "churn-model");
  EXPECT_EQ(m["labels"][kLabelRun], "churn-model-7");
  EXPECT_EQ(m["labels"][kLabelStage], "build");
  EXPECT_EQ(m["labels"][kLabelRevision], "3f2c9a1");
  EXPECT_EQ(m["annotations"][kAnnotationAttempt], "1");
  const Json& owner = m["ownerReferences"][0];
  EXPECT_EQ(owner["apiVersion"], "ferry.dev/v1alpha1");
  EXPECT_EQ(owner["kind"], "Pipeline");
  EXPECT_EQ(owner["name"], "churn-model");
  EXPECT_EQ(owner["uid"], "0b1c2d3e-uid");
  EXPECT_EQ(owner["controller"], true);
  EXPECT_EQ((*job)["spec"]["template"]["metadata"]["labels"], m["labels"]);
}

TEST(BuildJob, SpecStageContainerAndSource) {
  api::Pipeline p = Pipe();
  auto job = BuildJob(Req(p));
  ASSERT_TRUE(job.ok());
  const Json& spec = (*job)["spec"];
  EXPECT_EQ(spec["backoffLimit"], 0);
  EXPECT_EQ(spec["activeDeadlineSeconds"], 1800);
  const Json& pod = spec["template"]["spec"];
  EXPECT_EQ(pod["restartPolicy"], "Never");
  EXPECT_EQ(pod["serviceAccountName"], "ferry-builder");
  const Json& c = pod["containers"][0];
  EXPECT_EQ(c["name"], "stage");
  EXPECT_EQ(c["image"], "gcr.io/kaniko-project/executor:v1.23.2");
  EXPECT_EQ(c["args"][0], "--destination=reg/app:3f2c9a1");
  EXPECT_FALSE(c.contains("command"));
  EXPECT_EQ(c["workingDir"], "/workspace/source");
  EXPECT_EQ(c["terminationMessagePolicy"], "FallbackToLogsOnError");
  EXPECT_EQ(c["resources"]["requests"]["memory"], "4Gi");
  std::map<std::string, Json> env;
  for (const auto& e : c["env"]) env[e["name"]] = e;
  EXPECT_EQ(env["FERRY_REVISION"]["value"], "3f2c9a1");
  EXPECT_EQ(env["FERRY_RUN_ID"]["value"], "churn-model-7");
  EXPECT_EQ(env["PLAIN"]["value"], "x");
  EXPECT_EQ(env["TOKEN"]["valueFrom"]["secretKeyRef"]["name"], "tok");
  EXPECT_EQ(env["TOKEN"]["valueFrom"]["secretKeyRef"]["optional"], true);
  // The checkout init container clones into the shared workspace with the credentials, which
  // the stage container never sees.
  const Json& init = pod["initContainers"][0];
  EXPECT_EQ(init["name"], "checkout");
  std::string mounts_of_stage = c["volumeMounts"].dump();
  EXPECT_EQ(mounts_of_stage.find("git-credentials"), std::string::npos);
  EXPECT_NE(init["volumeMounts"].dump().find("/etc/ferry/git-credentials"), std::string::npos);
  EXPECT_NE(mounts_of_stage.find("/kaniko/.docker"), std::string::npos);
  std::string vols = pod["volumes"].dump();
  EXPECT_NE(vols.find("\"secretName\":\"git-credentials\""), std::string::npos);
  EXPECT_NE(vols.find("\"secretName\":\"registry-push\""), std::string::npos);
  EXPECT_NE(vols.find("emptyDir"), std::string::npos);
}

TEST(BuildJob, NoCheckoutNoInitContainerNoCredentials) {
  api::Pipeline p = Pipe();
  JobRequest r = Req(p);
  r.stage.checkout = false;
  r.attempt = 3;
  auto job = BuildJob(r);
  ASSERT_TRUE(job.ok());
  EXPECT_EQ((*job)["metadata"]["name"], "churn-model-7-build-r3");
  const Json& pod = (*job)["spec"]["template"]["spec"];
  EXPECT_FALSE(pod.contains("initContainers"));
  EXPECT_EQ(pod["volumes"].dump().find("git-credentials"), std::string::npos);
}

TEST(BuildJob, RefusesRevisionsAndRefsGitWouldReadAsOptions) {
  api::Pipeline p = Pipe();
  for (const std::string rev : {"--upload-pack=touch /tmp/x", "3F2C9A1", "abc", "main"}) {
    JobRequest r = Req(p);
    r.revision = rev;
    auto job = BuildJob(r);
    ASSERT_FALSE(job.ok()) << rev;
    EXPECT_NE(job.error().message.find("ferry.dev/run-revision"), std::string::npos);
  }
  JobRequest r = Req(p);
  r.ref = "--upload-pack=x";
  EXPECT_FALSE(BuildJob(r).ok());
  r.ref = "refs/heads/main";
  r.revision = std::string(64, 'a');  // a SHA-256 repository
  EXPECT_TRUE(BuildJob(r).ok());
}

TEST(DeadlineSeconds, Table) {
  using std::chrono::milliseconds;
  EXPECT_EQ(DeadlineSeconds("30m", std::nullopt).value(), 1800);
  EXPECT_EQ(DeadlineSeconds("30m", milliseconds(600000)).value(), 600);  // run has 10m left
  EXPECT_EQ(DeadlineSeconds("1500ms", std::nullopt).value(), 2);         // rounded up
  EXPECT_EQ(DeadlineSeconds("30m", milliseconds(0)).value(), 1);         // at least 1
  auto bad = DeadlineSeconds("soon", std::nullopt);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("timeout"), std::string::npos);
}

// ---- outcome ----

Json JobWith(const std::string& type, const std::string& reason) {
  Json job = {{"metadata", {{"name", "churn-model-7-build"}, {"namespace", "ml-serving"}}},
              {"spec", {{"activeDeadlineSeconds", 1800}}},
              {"status", {{"startTime", "2026-11-25T10:01:00Z"}}}};
  if (!type.empty()) {
    job["status"]["conditions"] = Json::array({{{"type", type},
                                                {"status", "True"},
                                                {"reason", reason},
                                                {"lastTransitionTime", "2026-11-25T10:09:00Z"}}});
  }
  if (type == "Complete") job["status"]["completionTime"] = "2026-11-25T10:08:30Z";
  return job;
}

Json PodWith(const std::string& created, Json stage_state, Json checkout_state = nullptr) {
  Json pod = {
      {"metadata", {{"creationTimestamp", created}}},
      {"status",
       {{"containerStatuses", Json::array({{{"name", "stage"}, {"state", stage_state}}})}}}};
  if (!checkout_state.is_null()) {
    pod["status"]["initContainerStatuses"] =
        Json::array({{{"name", "checkout"}, {"state", checkout_state}}});
  }
  return pod;
}

Json Terminated(int code, const std::string& message, const std::string& reason = "") {
  return {{"terminated", {{"exitCode", code}, {"message", message}, {"reason", reason}}}};
}

TEST(ReadStageOutcome, SucceededWithResultFromNewestPod) {
  std::vector<Json> pods = {PodWith("2026-11-25T10:01:00Z", Terminated(0, "sha256:old\n")),
                            PodWith("2026-11-25T10:02:00Z", Terminated(0, "sha256:4c1d\n"),
                                    Terminated(0, "3f2c9a1deadbeef\n"))};
  auto out = ReadStageOutcome(JobWith("Complete", ""), pods);
  EXPECT_EQ(out.state, JobState::kSucceeded);
  EXPECT_EQ(out.result, "sha256:4c1d");
  EXPECT_EQ(out.checkedOutRevision, "3f2c9a1deadbeef");
  ASSERT_TRUE(out.startTime && out.completionTime);
  EXPECT_EQ(api::FormatTime(*out.completionTime), "2026-11-25T10:08:30Z");
}

// Regression (charts.rbac): Complete arrived before the pod's terminated status; taking it
// then handed off an image "registry/web@" with an empty result.
TEST(ReadStageOutcome, CompleteWaitsForThePodsFinalStatus) {
  const Json running = {{"running", {{"startedAt", "2026-11-25T10:01:05Z"}}}};
  std::vector<Json> behind = {PodWith("2026-11-25T10:01:00Z", running)};
  EXPECT_EQ(ReadStageOutcome(JobWith("Complete", ""), behind).state, JobState::kRunning);
  std::vector<Json> caught_up = {PodWith("2026-11-25T10:01:00Z", Terminated(0, "sha256:4c1d"))};
  EXPECT_EQ(ReadStageOutcome(JobWith("Complete", ""), caught_up).result, "sha256:4c1d");
  // Pods already removed: nothing to wait for.
  auto gone = ReadStageOutcome(JobWith("Complete", ""), {});
  EXPECT_EQ(gone.state, JobState::kSucceeded);
  EXPECT_EQ(gone.result, "");
}

TEST(ReadStageOutcome, ResultCappedAt4KiB) {
  std::vector<Json> pods = {PodWith("2026-11-25T10:01:00Z", Terminated(0, std::string(5000, 'x')))};
  EXPECT_EQ(ReadStageOutcome(JobWith("Complete", ""), pods).result.size(), kMaxResultBytes);
}

TEST(ReadStageOutcome, FailedNamesExitCodeLogsAndCommand) {
  std::vector<Json> pods = {
      PodWith("2026-11-25T10:01:00Z", Terminated(2, "FAILED tests/test_x.py\n", "Error"))};
  auto out = ReadStageOutcome(JobWith("Failed", "BackoffLimitExceeded"), pods);
  EXPECT_EQ(out.state, JobState::kFailed);
  EXPECT_EQ(out.reason, "BackoffLimitExceeded");
  EXPECT_EQ(out.result, "");
  EXPECT_EQ(out.message,
            "container stage exited with code 2 (Error): FAILED tests/test_x.py; "
            "logs: kubectl logs -n ml-serving job/churn-model-7-build -c stage");
}

TEST(ReadStageOutcome, CheckoutFailureBlamesCheckout) {
  std::vector<Json> pods = {PodWith("2026-11-25T10:01:00Z",
                                    Json{{"waiting", {{"reason", "PodInitializing"}}}},
                                    Terminated(128, "fatal: could not read Username", "Error"))};
  auto out = ReadStageOutcome(JobWith("Failed", "BackoffLimitExceeded"), pods);
  EXPECT_NE(out.message.find("checkout exited with code 128"), std::string::npos) << out.message;
  EXPECT_NE(out.message.find("-c checkout"), std::string::npos);
}

TEST(ReadStageOutcome, DeadlineExceededIsATimeout) {
  for (const char* type : {"Failed", "FailureTarget"}) {
    auto out = ReadStageOutcome(JobWith(type, "DeadlineExceeded"), {});
    EXPECT_EQ(out.state, JobState::kFailed);
    EXPECT_EQ(out.reason, "DeadlineExceeded");
    EXPECT_NE(out.message.find("timed out after 1800s"), std::string::npos) << out.message;
  }
}

TEST(ReadStageOutcome, RunningAndStuck) {
  EXPECT_EQ(ReadStageOutcome(JobWith("", ""), {}).state, JobState::kRunning);
  std::vector<Json> pods = {PodWith(
      "2026-11-25T10:01:00Z",
      Json{{"waiting", {{"reason", "ImagePullBackOff"}, {"message", "pull access denied"}}}})};
  auto out = ReadStageOutcome(JobWith("", ""), pods);
  EXPECT_EQ(out.state, JobState::kRunning);
  EXPECT_EQ(out.reason, "ImagePullBackOff");
  EXPECT_NE(out.message.find("pull access denied"), std::string::npos);
  // A false condition is not an outcome.
  Json job = JobWith("Failed", "x");
  job["status"]["conditions"][0]["status"] = "False";
  EXPECT_EQ(ReadStageOutcome(job, {}).state, JobState::kRunning);
}

}  // namespace
}  // namespace ferry::pipeline

// ---- the checkout script, run for real against a local repository ----

namespace ferry::pipeline {
namespace {

std::string Sh(const std::string& cmd) {
  FILE* f = popen(cmd.c_str(), "r");
  std::string out;
  char buf[512];
  size_t n = 0;
  while (f != nullptr && (n = fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  if (f != nullptr && pclose(f) != 0) return "<failed>";
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

class CheckoutScript : public ::testing::Test {
 protected:
  void SetUp() override {
    if (Sh("git --version >/dev/null 2>&1 && echo ok") != "ok") GTEST_SKIP() << "no git";
    dir_ = ::testing::TempDir() + "ferry_checkout_" + std::to_string(getpid());
    std::string repo = dir_ + "/repo";
    std::string git = "git -C '" + repo + "' -c user.name=t -c user.email=t@example.com ";
    ASSERT_NE(Sh("rm -rf '" + dir_ + "' && mkdir -p '" + repo + "' && git init -q -b main '" +
                 repo + "' && echo one > '" + repo + "/f' && " + git + "add f && " + git +
                 "commit -qm one && echo ok"),
              "<failed>");
    first_ = Sh("git -C '" + repo + "' rev-parse HEAD");
    Sh("echo two > '" + repo + "/f' && " + git + "commit -qam two");
    head_ = Sh("git -C '" + repo + "' rev-parse HEAD");
    ASSERT_NE(first_, head_);
    url_ = "file://" + repo;
  }
  void TearDown() override {
    if (!dir_.empty()) Sh("rm -rf '" + dir_ + "'");
  }

  // Runs the init container's script as the Job would, with its env, writing the termination
  // message to a file instead of /dev/termination-log; returns {checked-out HEAD, message}.
  std::pair<std::string, std::string> RunCheckout(const std::string& revision) {
    api::Pipeline p = Pipe();
    p.spec.source.url = url_;
    JobRequest r = Req(p);
    r.revision = revision;
    auto job = BuildJob(r);
    EXPECT_TRUE(job.ok());
    const Json& init = (*job)["spec"]["template"]["spec"]["initContainers"][0];
    std::string script = init["command"][2];
    std::string term = dir_ + "/termination-log";
    script.replace(script.find("/dev/termination-log"), 20, term);
    std::string src = dir_ + "/workspace-" + (revision.empty() ? "head" : revision);
    std::string env;
    for (const auto& e : init["env"]) {
      std::string value = e["value"];
      if (e["name"] == "FERRY_SOURCE_DIR") value = src;
      env += e["name"].get<std::string>() + "='" + value + "' ";
    }
    std::ofstream(dir_ + "/script.sh") << script;
    Sh("cd '" + dir_ + "' && env " + env + "sh script.sh >/dev/null 2>&1");
    return {Sh("git -C '" + src + "' rev-parse HEAD"), Sh("cat '" + term + "'")};
  }

  std::string dir_, url_, first_, head_;
};

TEST_F(CheckoutScript, ClonesThePinnedRevision) {
  auto [head, message] = RunCheckout(first_);
  EXPECT_EQ(head, first_);
  EXPECT_EQ(message, first_);
}

TEST_F(CheckoutScript, ClonesTheHeadOfRefWithoutARevision) {
  auto [head, message] = RunCheckout("");
  EXPECT_EQ(head, head_);
  EXPECT_EQ(message, head_);  // tells the controller which commit the run built
}

}  // namespace
}  // namespace ferry::pipeline

namespace ferry::pipeline {
namespace {

TEST(ReadStageOutcome, ToleratesIncompletePodStatuses) {
  Json job = {
      {"metadata", {{"name", "j"}, {"namespace", "n"}}},
      {"status", {{"conditions", Json::array({{{"type", "Failed"}, {"status", "True"}}})}}}};
  std::vector<Json> pods = {
      Json{{"status",
            {{"containerStatuses",
              Json::array({{{"name", "stage"}, {"state", {{"terminated", Json::object()}}}}})}}}},
      Json::object(), Json{{"status", {{"containerStatuses", "not a list"}}}}};
  auto out = ReadStageOutcome(job, pods);
  EXPECT_EQ(out.state, JobState::kFailed);
  EXPECT_NE(out.message.find("kubectl logs -n n job/j"), std::string::npos) << out.message;
  job["status"]["conditions"][0]["type"] = "Complete";
  EXPECT_EQ(ReadStageOutcome(job, pods).result, "");  // no exit code 0: no result
}

}  // namespace
}  // namespace ferry::pipeline
