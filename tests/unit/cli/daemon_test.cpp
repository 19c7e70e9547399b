#include <gtest/gtest.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdlib>

#include "../ops/prometheus_text.h"
#include "cli/daemon_observers.h"
#include "cli/module_settings.h"
#include "cli/sd_notify.h"
#include "support/tempdir.h"

namespace dsync::cli {
namespace {

sync::JobView job(std::int64_t id, sync::JobState state) {
  sync::JobView j;
  j.id = id;
  j.task_id = "0x1a3f2c9d0";
  j.state = state;
  j.export_dir = "/dgraph/export/dgraph.r4.u1125.1026";
  j.bytes_total = 308;
  j.bytes_done = 308;
  j.files_total = 3;
  j.files_verified = 3;
  j.created = std::chrono::sys_days{std::chrono::year{2026} / 1 / 2} + std::chrono::hours(3);
  j.updated = j.created + std::chrono::seconds(2);
  return j;
}

TEST(StatusJson, DescribesReadinessProxyAndEveryRecentJob) {
  DaemonStatus st;
  st.ready = true;
  st.uptime = std::chrono::seconds(61);
  st.proxy.requests = 5;
  st.proxy.exports_recognised = 1;
  st.sync.recent_jobs = {job(2, sync::JobState::failed), job(1, sync::JobState::done)};
  st.sync.recent_jobs[0].error = "task 0x1a3f2c9d0 failed in Dgraph";
  st.sync.last_verified_export = st.sync.recent_jobs[1].updated;
  auto doc = boost::json::parse(status_json(st)).as_object();
  EXPECT_TRUE(doc.at("ready").as_bool());
  EXPECT_EQ(doc.at("uptime_seconds").as_int64(), 61);
  EXPECT_EQ(doc.at("last_verified_export").as_string(), "2026-01-02T03:00:02Z");
  EXPECT_EQ(doc.at("proxy").at("requests").to_number<std::int64_t>(), 5);
  const auto& jobs = doc.at("jobs").as_array();
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs[0].at("state").as_string(), "failed");
  EXPECT_EQ(jobs[0].at("error").as_string(), "task 0x1a3f2c9d0 failed in Dgraph");
  EXPECT_EQ(jobs[1].at("created").as_string(), "2026-01-02T03:00:00Z");
  EXPECT_EQ(jobs[1].at("files_verified").to_number<std::int64_t>(), 3);
}

TEST(StatusJson, HasNoLastVerifiedExportBeforeTheFirst) {
  auto doc = boost::json::parse(status_json(DaemonStatus{})).as_object();
  EXPECT_TRUE(doc.at("last_verified_export").is_null());
  EXPECT_FALSE(doc.at("ready").as_bool());
}

TEST(MetricsObserver, TurnsSyncEventsIntoMetrics) {
  ManualClock clock;
  ops::Metrics metrics(clock, all_job_states());
  MetricsObserver observer(metrics);
  observer.on_job_state(job(1, sync::JobState::uploading));
  observer.on_bytes_uploaded(300);
  observer.on_object_verified("g01.rdf.gz", 300);
  observer.on_retry("UploadPart: HTTP 503 SlowDown object=x/g01.rdf.gz");
  observer.on_export_synced(job(1, sync::JobState::done), std::chrono::seconds(3),
                            std::chrono::milliseconds(20));
  observer.on_job_failed(job(2, sync::JobState::failed), "task failed: Dgraph reported Failed");
  auto p = testing::parse_prometheus_text(metrics.render());
  ASSERT_EQ(p.error, "");
  EXPECT_EQ(p.value("dsync_uploaded_bytes_total"), 300.0);
  EXPECT_EQ(p.value("dsync_retries_total{reason=\"uploadpart\"}"), 1.0) << "object names stay out of labels";
  EXPECT_EQ(p.value("dsync_failures_total{reason=\"task_failed\"}"), 1.0);
  EXPECT_EQ(p.value("dsync_jobs{state=\"done\"}"), 1.0);
  EXPECT_EQ(p.value("dsync_jobs{state=\"failed\"}"), 1.0);
  EXPECT_EQ(p.value("dsync_jobs{state=\"uploading\"}"), 0.0);
  EXPECT_TRUE(p.value("dsync_last_verified_export_timestamp_seconds").has_value());
}

TEST(ProxyFamilies, ExposeTheProxyCountersWithPrometheusTypes) {
  proxy::ProxyStats s;
  s.requests = 9;
  s.active_connections = 2;
  s.admin_denied = 1;
  ManualClock clock;
  ops::Metrics metrics(clock, {});
  metrics.add_collector([&] { return proxy_families(s); });
  auto p = testing::parse_prometheus_text(metrics.render());
  ASSERT_EQ(p.error, "");
  EXPECT_EQ(p.types["dsync_proxy_requests_total"], "counter");
  EXPECT_EQ(p.types["dsync_proxy_active_connections"], "gauge");
  EXPECT_EQ(p.value("dsync_proxy_requests_total"), 9.0);
  EXPECT_EQ(p.value("dsync_proxy_admin_denied_total"), 1.0);
}

TEST(ModuleSettings, CarryTheConfigurationIntoEachModule) {
  Config c;
  c.towatch = "/dgraph/export";
  c.state_dir = "/var/lib/dsync";
  c.poll_interval = std::chrono::milliseconds(5000);
  c.keep_local = true;
  c.forward_upstreams = {"http://alpha2:8080/", "alpha3:8080"};
  auto s = sync_settings(c);
  EXPECT_EQ(s.export_dir, "/dgraph/export");
  EXPECT_EQ(s.poll_initial, std::chrono::milliseconds(200));
  EXPECT_EQ(s.poll_max, std::chrono::milliseconds(5000));
  EXPECT_FALSE(s.delete_after_verify);
  auto p = proxy_settings(c);
  EXPECT_EQ(p.forward_upstreams, (std::vector<std::string>{"alpha2:8080", "alpha3:8080"}));
  EXPECT_EQ(p.listen, ":10080");
}

TEST(ModuleSettings, PushOutsideTheWatchedFolderTouchesOnlyTheParentOfDir) {
  Config c;
  c.command = Command::push;
  c.towatch = "/dgraph/export";
  c.push_dir = "/backup/old/dgraph.r1.u0101.0000";
  EXPECT_EQ(sync_settings(c).export_dir, "/backup/old");
  c.push_dir = "/dgraph/export/dgraph.r1.u0101.0000";
  EXPECT_EQ(sync_settings(c).export_dir, "/dgraph/export");
}

TEST(ModuleSettings, ReportAModuleProblemAsAFlagError) {
  Config c;
  c.command = Command::serve;
  c.s3.endpoint = "s3.example.net";
  c.s3.access_key = "AK";
  c.s3.secret_key = "secret";
  c.s3.bucket = "bucket";
  c.state_dir = "/tmp";
  c.name_template = "{date}/{nope}";
  auto problem = module_problem(c);
  ASSERT_TRUE(problem.has_value());
  EXPECT_EQ(problem->option, "name-template") << problem->line();
  c.name_template = "";
  EXPECT_FALSE(module_problem(c).has_value()) << module_problem(c)->line();
}

TEST(SdNotify, SendsTheStateToTheSocketSystemdNamed) {
  testenv::TempDir dir;
  const auto path = dir.path() / "notify";
  const int sock = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  ASSERT_EQ(::bind(sock, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ::unsetenv("NOTIFY_SOCKET");
  EXPECT_FALSE(sd_notify("READY=1")) << "not run by systemd: nothing to do";
  ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
  EXPECT_TRUE(sd_notify("READY=1"));
  ::unsetenv("NOTIFY_SOCKET");
  char buf[32] = {};
  ASSERT_EQ(::recv(sock, buf, sizeof buf - 1, MSG_DONTWAIT), 7);
  EXPECT_STREQ(buf, "READY=1");
  ::close(sock);
}

}  // namespace
}  // namespace dsync::cli
