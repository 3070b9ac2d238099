// The batch/v1 Job of one attempt of one stage, and the stage's outcome read back from the Job
// and its Pod. Pure functions over nlohmann::json; the reconciler creates, lists and deletes.
//
// A stage's Job (see docs/PIPELINES.md):
//   name     "<pipeline>-<run number>-<stage>" and "-r<attempt>" from the second attempt on
//            (JobName): deterministic, so a reconcile after a crash finds the Job it created.
//   labels   ferry.dev/pipeline, ferry.dev/run (run id), ferry.dev/stage, ferry.dev/revision
//            (also on the Pod), app.kubernetes.io/managed-by=ferry.
//   owner    the Pipeline (controller=true, blockOwnerDeletion=true): deleting the Pipeline
//            deletes its Jobs; Jobs of runs pruned from status.history are deleted by Ferry.
//   spec     backoffLimit 0 (Ferry retries a failed stage as a new Job, "-r2", so each attempt
//            keeps its own logs and status), activeDeadlineSeconds = the stage timeout (capped
//            by what is left of the run's timeout), restartPolicy Never.
//   source   with checkout (default) an init container "checkout" clones spec.source.url at the
//            run's revision (else the head of ref) into /workspace/source, an emptyDir shared
//            with the stage container, as Tekton's git-clone and Argo's git artifacts do. The
//            credentials Secret (spec.source.secretRef) is mounted read-only into the init
//            container only, never into the stage: a kubernetes.io/basic-auth Secret
//            (username, password) for HTTPS, or a kubernetes.io/ssh-auth Secret (ssh-privatekey
//            and optionally known_hosts) for SSH, the key names Tekton uses.
//   stage    container "stage": image, command, args, workingDir, env, resources, secretMounts
//            (read-only), terminationMessagePolicy FallbackToLogsOnError, and the variables
//            FERRY_PIPELINE, FERRY_RUN_ID, FERRY_RUN_NUMBER, FERRY_STAGE, FERRY_ATTEMPT,
//            FERRY_REVISION, FERRY_SOURCE_URL, FERRY_SOURCE_REF.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "operator/api/meta.h"
#include "operator/api/pipeline_types.h"

namespace ferry::pipeline {

using Json = nlohmann::json;

inline constexpr char kLabelPipeline[] = "ferry.dev/pipeline";
inline constexpr char kLabelRun[] = "ferry.dev/run";
inline constexpr char kLabelStage[] = "ferry.dev/stage";
inline constexpr char kLabelRevision[] = "ferry.dev/revision";
inline constexpr char kLabelManagedBy[] = "app.kubernetes.io/managed-by";
inline constexpr char kManagedByFerry[] = "ferry";
// Annotations carrying what a label cannot hold (a 64-digit SHA-256 revision) or need not.
inline constexpr char kAnnotationRevision[] = "ferry.dev/revision";
inline constexpr char kAnnotationAttempt[] = "ferry.dev/attempt";

inline constexpr char kStageContainerName[] = "stage";
inline constexpr char kCheckoutContainerName[] = "checkout";
inline constexpr char kWorkspaceVolume[] = "workspace";
inline constexpr char kWorkspaceMountPath[] = "/workspace";
inline constexpr char kSourceDir[] = "/workspace/source";
inline constexpr char kGitCredentialsVolume[] = "git-credentials";
inline constexpr char kGitCredentialsMountPath[] = "/etc/ferry/git-credentials";
// The image of the checkout init container (git and a POSIX shell); the operator's --git-image.
inline constexpr char kDefaultGitImage[] = "alpine/git:v2.45.1";
inline constexpr size_t kMaxJobNameLength = 63;  // the job-name label on its Pods
inline constexpr size_t kJobNameHashLength = 8;
// Kubernetes keeps at most this many bytes of a termination message.
inline constexpr size_t kMaxResultBytes = 4096;

// "<pipeline>-<run number>-<stage>[-r<attempt>]" (attempt >= 2 gets the suffix). Always a DNS-1123
// label of at most 63 characters: a longer name (which ValidatePipeline prevents for run numbers
// below 10^9) keeps its head and ends in "-" + 8 hex digits of its SHA-256, so it stays unique.
std::string JobName(std::string_view pipeline, int64_t run_number, std::string_view stage,
                    int32_t attempt);

// A label value for `s`: itself when valid, else its first 63 characters with invalid
// characters replaced by '-' and trimmed to start and end alphanumeric.
std::string LabelValue(std::string_view s);

struct JobRequest {
  const api::Pipeline* pipeline = nullptr;  // name, namespace, uid, spec.source, serviceAccount
  std::string run_id;
  int64_t run_number = 0;
  std::string revision;  // empty: build the head of the run's ref
  std::string ref;       // the run's ref (spec.source.ref unless the trigger named another)
  api::Stage stage;      // with variables already substituted (SubstituteStage)
  int32_t attempt = 1;
  // What is left of the run's timeout; the Job's deadline is the smaller of it and stage.timeout.
  std::optional<std::chrono::milliseconds> run_time_left;
  std::string git_image = kDefaultGitImage;
};

// Commit ids: abbreviated SHA-1 to full SHA-256, lower-case hex (as spec.source.revision).
inline constexpr size_t kMinCommitIdLength = 7;
inline constexpr size_t kMaxCommitIdLength = 64;
bool IsCommitId(std::string_view s);

// Refuses a revision that is not a commit id and a ref git could read as an option: both reach
// git's command line in the checkout, whoever set them.
Status CheckSourceInputs(const JobRequest& req);

// The Job to create, or an error naming the field (an unparseable timeout, a revision that is
// not a commit id).
Result<Json> BuildJob(const JobRequest& req);

// activeDeadlineSeconds for a stage: its timeout, capped by the run's time left, rounded up to
// whole seconds, at least 1.
Result<int64_t> DeadlineSeconds(std::string_view stage_timeout,
                                std::optional<std::chrono::milliseconds> run_time_left);

// ---- Outcome -----------------------------------------------------------------------------------

enum class JobState { kRunning, kSucceeded, kFailed };

struct StageOutcome {
  JobState state = JobState::kRunning;
  // Succeeded: the stage container's termination message with trailing whitespace removed
  // (kaniko's digest file, `echo` output), at most kMaxResultBytes.
  std::string result;
  // "Completed", "DeadlineExceeded", "BackoffLimitExceeded", "ImagePullBackOff", ...
  std::string reason;
  // For people: why it failed or is stuck, with how to read the logs.
  std::string message;
  // The commit the checkout init container cloned (its termination message); tells a run that
  // built the head of its ref which revision that was.
  std::string checkedOutRevision;
  std::optional<api::Time> startTime;
  std::optional<api::Time> completionTime;
};

// The outcome of a stage's Job: Complete -> Succeeded; Failed (or FailureTarget) -> Failed, with
// DeadlineExceeded reported as a timeout; else Running (a Pod stuck on ImagePullBackOff or a
// missing Secret says so in message). `pods` are the Job's Pods (label batch.kubernetes.io/
// job-name), in any order; the newest one with a terminated "stage" container gives the result
// and the exit code.
StageOutcome ReadStageOutcome(const Json& job, const std::vector<Json>& pods);

}  // namespace ferry::pipeline
