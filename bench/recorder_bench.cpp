// The proxy's Recorder: sustained rows per second against the raw SQLite insert rate, and what
// a stalled database does to the latency of submit() (goal: nothing).
//
// Every measurement runs in this one process on a fresh copy of an empty database at the
// application's latest schema version (built once by SafeMigrationManager), WAL with
// synchronous=NORMAL as the proxy opens it. The recorder runs as metrics-proxy runs it: default
// RecorderOptions (queue of 65536 records, batches of up to 512 rows, 50 ms batch delay), the
// connection factory of proxy/main.cpp (busy_timeout = the recorder's lock wait, 25 ms), the
// database's writer lock held.
// Rows are bench_support's synthetic requests.
//
// (a) Throughput. Producer threads submit N pre-generated rows; the clock runs from the first
//     submit() until stats() count every row committed (rows_written + rows_replayed = N). Then
//     flush_and_stop() runs and the table is counted. Two producer behaviours:
//       paced     a producer waits while the queue is at least half full, so nothing overflows:
//                 the writer thread's sustained rate. This is the headline number.
//       flat_out  producers never wait: whatever does not fit in the queue goes through the
//                 spill journal and its replay (the overload path; spilled rows are reported).
// (b) Anchor. The raw SQLite C API inserts the same rows with writer_insert_bench.cpp's INSERT,
//     prepared once, in BEGIN IMMEDIATE ... COMMIT transactions of the mean size the paced
//     recorder's group commit reached; and one row per transaction, on a prefix of the rows, for
//     reference. CompletionRequestsWriter::insert_batch at the same transaction size separates
//     the DAO's share (the rollup upkeep) from the recorder's.
// (c) Stall. Producers submit at a fixed total rate. After a warm-up another connection takes
//     BEGIN EXCLUSIVE, holds it for the stall duration and commits. Each submit() call is timed
//     and summarised by phase: before the stall, during it, while the writer catches up with the
//     backlog (draining), and after that. When the producers stop, flush_and_stop() runs and the
//     table is counted: every kept row must be there exactly once (none stored under a renamed
//     duplicate id) and the day rollups must count the same rows.
//
// Rates are rows per wall-clock second. Nothing here asserts on time; it reports. The run exits
// with status 3 when a row is missing, dropped or duplicated, since its numbers then mean
// nothing.
//
// Output: a readable summary on stdout, JSON with --json PATH, the recorder's log on stderr.
// The runs themselves are in recorder_runs.cpp.
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <boost/json.hpp>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <span>
#include <string>
#include <vector>

#include "bench_support.h"
#include "recorder_runs.h"

namespace safemig::bench::recorder {
namespace {

namespace json = boost::json;

json::object stats_json(const proxy::RecorderStats& s) {
  return {{"rows_submitted", s.rows_submitted},
          {"rows_written", s.rows_written},
          {"rows_replayed", s.rows_replayed},
          {"rows_spilled", s.rows_spilled},
          {"rows_dropped", s.rows_dropped},
          {"rows_dropped_invalid", s.rows_dropped_invalid},
          {"rows_skipped_duplicate", s.rows_skipped_duplicate},
          {"write_errors", s.write_errors},
          {"batches", s.batches}};
}

json::object table_json(const TableCount& t) {
  return {{"rows", t.rows}, {"renamed_rows", t.renamed}, {"rollup_requests", t.rollup_requests}};
}

json::object latency_json(const LatencySummary& l) {
  return {{"calls", l.calls},     {"p50_us", l.p50_us}, {"p99_us", l.p99_us},
          {"p999_us", l.p999_us}, {"max_us", l.max_us}, {"mean_us", l.mean_us}};
}

// A run is sound when every row submitted was kept and is in the table exactly once, and the
// day rollups count the same rows.
bool sound(const proxy::RecorderStats& s, std::uint64_t expected, const TableCount& t,
           std::uint64_t refused) {
  return refused == 0 && s.rows_dropped == 0 && s.rows_dropped_invalid == 0 &&
         s.rows_skipped_duplicate == 0 && s.rows_submitted == expected &&
         t.rows == static_cast<std::int64_t>(expected) && t.renamed == 0 &&
         t.rollup_requests == t.rows;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  if (v.empty()) return 0;
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct Repetition {
  ThroughputRun paced;
  ThroughputRun flat_out;
  std::size_t batch = 0;  // Transaction size of the anchor: the paced run's mean batch.
  double raw_seconds = 0;
  double writer_seconds = 0;
  double raw_single_seconds = 0;
  std::size_t single_rows = 0;
};

json::object throughput_run_json(const ThroughputRun& r) {
  return {{"rows", r.rows},
          {"submit_seconds", r.submit_seconds},
          {"durable_seconds", r.durable_seconds},
          {"stop_seconds", r.stop_seconds},
          {"rows_per_second", r.rows_per_second()},
          {"mean_batch_rows", r.mean_batch_rows()},
          {"settled", r.settled},
          {"refused", r.refused},
          {"recorder_stats", stats_json(r.stats)},
          {"table", table_json(r.table)}};
}

int run(const Config& config) {
  // The recorder logs through spdlog's default logger; keep stdout for the summary.
  spdlog::set_default_logger(spdlog::stderr_logger_mt("bench_recorder"));
  spdlog::set_level(spdlog::level::info);

  Databases databases;
  bool all_sound = true;
  const std::vector<dao::CompletionRequest> rows =
      synthetic_requests(0, config.rows, kStartMs, kSpacingMs);
  const std::span<const dao::CompletionRequest> all_rows(rows);

  std::vector<Repetition> reps;
  for (int rep = 0; rep < config.repeat; ++rep) {
    Repetition r;
    std::string path = databases.fresh("paced.db");
    r.paced = run_throughput(path, all_rows, config.producers, Producing::paced);
    Databases::remove(path);
    r.batch =
        std::max<std::size_t>(1, static_cast<std::size_t>(std::llround(r.paced.mean_batch_rows())));

    path = databases.fresh("raw.db");
    r.raw_seconds = raw_insert(path, all_rows, r.batch);
    Databases::remove(path);

    path = databases.fresh("writer.db");
    r.writer_seconds = writer_insert(path, all_rows, r.batch);
    Databases::remove(path);

    path = databases.fresh("flat_out.db");
    r.flat_out = run_throughput(path, all_rows, config.producers, Producing::flat_out);
    Databases::remove(path);

    r.single_rows = std::min(config.single_rows, rows.size());
    path = databases.fresh("raw_single.db");
    r.raw_single_seconds = raw_insert(path, all_rows.first(r.single_rows), 1);
    Databases::remove(path);

    for (const ThroughputRun* t : {&r.paced, &r.flat_out}) {
      if (!t->settled || !sound(t->stats, rows.size(), t->table, t->refused)) all_sound = false;
    }
    std::fprintf(stderr,
                 "throughput %d/%d: recorder paced %.0f rows/s (batch %zu), flat out %.0f rows/s "
                 "(%llu spilled), raw %.0f rows/s\n",
                 rep + 1, config.repeat, r.paced.rows_per_second(), r.batch,
                 r.flat_out.rows_per_second(),
                 static_cast<unsigned long long>(r.flat_out.stats.rows_spilled),
                 static_cast<double>(rows.size()) / r.raw_seconds);
    reps.push_back(std::move(r));
  }

  std::vector<StallRun> stalls;
  for (const int stall_ms : config.stall_ms) {
    const std::string path = databases.fresh("stall.db");
    stalls.push_back(run_stall(path, config, stall_ms));
    Databases::remove(path);
    const StallRun& s = stalls.back();
    if (!sound(s.stats, s.kept + s.refused, s.table, s.refused)) all_sound = false;
    std::fprintf(stderr, "stall %d ms: submit p99 %.1f us stalled vs %.1f us not, %llu spilled\n",
                 stall_ms, s.latency[kStalled].p99_us, s.unstalled.p99_us,
                 static_cast<unsigned long long>(s.stats.rows_spilled));
  }

  // --- Medians over the repetitions.
  const auto n = static_cast<double>(rows.size());
  std::vector<double> paced_rate, flat_rate, raw_rate, writer_rate, single_rate;
  for (const Repetition& r : reps) {
    paced_rate.push_back(r.paced.rows_per_second());
    flat_rate.push_back(r.flat_out.rows_per_second());
    raw_rate.push_back(n / r.raw_seconds);
    writer_rate.push_back(n / r.writer_seconds);
    single_rate.push_back(static_cast<double>(r.single_rows) / r.raw_single_seconds);
  }
  const double paced = median(paced_rate), flat = median(flat_rate), raw = median(raw_rate),
               writer = median(writer_rate), single = median(single_rate);

  std::printf("Recorder benchmark: %zu rows, %d producer(s), %d repetition(s); medians\n",
              rows.size(), config.producers, config.repeat);
  std::printf("  (a) recorder, paced producers   %10.0f rows/s  (mean batch %zu rows)\n", paced,
              reps.front().batch);
  std::printf("      recorder, flat out          %10.0f rows/s  (spilled %llu of %zu)\n", flat,
              static_cast<unsigned long long>(reps.front().flat_out.stats.rows_spilled),
              rows.size());
  std::printf("  (b) raw C API, same batch       %10.0f rows/s\n", raw);
  std::printf("      writer insert_batch, same   %10.0f rows/s\n", writer);
  std::printf("      raw C API, 1 row per tx     %10.0f rows/s  (%zu rows)\n", single,
              reps.front().single_rows);
  std::printf(
      "      recorder / raw              %10.2fx  (writer / raw %.2fx, recorder / writer "
      "%.2fx)\n",
      paced / raw, writer / raw, paced / writer);
  for (const Repetition& r : reps) {
    std::printf(
        "      run: paced %.0f (submit %.3f s, durable %.3f s), flat %.0f (spilled %llu, replayed "
        "%llu), raw %.0f, writer %.0f, raw/1 %.0f rows/s\n",
        r.paced.rows_per_second(), r.paced.submit_seconds, r.paced.durable_seconds,
        r.flat_out.rows_per_second(),
        static_cast<unsigned long long>(r.flat_out.stats.rows_spilled),
        static_cast<unsigned long long>(r.flat_out.stats.rows_replayed), n / r.raw_seconds,
        n / r.writer_seconds, static_cast<double>(r.single_rows) / r.raw_single_seconds);
  }
  std::printf("  (c) stall: %.0f rows/s from %d producers, %d ms before, %d ms after\n",
              config.stall_rate, config.stall_producers, config.before_ms, config.after_ms);
  for (const StallRun& s : stalls) {
    std::printf("      stall %d ms (held %.0f ms, lock acquired after %.1f ms)\n", s.stall_ms,
                s.hold_ms, s.acquire_ms);
    std::printf("        submit() us       calls      p50      p99    p99.9      max\n");
    const auto line = [](const char* name, const LatencySummary& l) {
      std::printf("        %-14s %8zu %8.2f %8.2f %8.2f %8.1f\n", name, l.calls, l.p50_us, l.p99_us,
                  l.p999_us, l.max_us);
    };
    for (int ph = 0; ph < kPhases; ++ph)
      line(kPhaseNames[static_cast<std::size_t>(ph)], s.latency[static_cast<std::size_t>(ph)]);
    line("not stalled", s.unstalled);
    std::printf(
        "        kept %llu, refused %llu, spilled %llu, replayed %llu, dropped %llu, write errors "
        "%llu, max queue %zu, db unavailable %.2f s, caught up %.2f s after COMMIT, late calls "
        "%llu\n",
        static_cast<unsigned long long>(s.kept), static_cast<unsigned long long>(s.refused),
        static_cast<unsigned long long>(s.stats.rows_spilled),
        static_cast<unsigned long long>(s.stats.rows_replayed),
        static_cast<unsigned long long>(s.stats.rows_dropped),
        static_cast<unsigned long long>(s.stats.write_errors), s.max_queue_depth,
        s.unavailable_seconds, s.catch_up_seconds, static_cast<unsigned long long>(s.late));
    std::printf("        table rows %lld of %llu kept (renamed %lld, rollups count %lld)\n",
                static_cast<long long>(s.table.rows), static_cast<unsigned long long>(s.kept),
                static_cast<long long>(s.table.renamed),
                static_cast<long long>(s.table.rollup_requests));
  }
  std::printf("  every row accounted for: %s\n", all_sound ? "yes" : "NO");

  if (!config.json_path.empty()) {
    json::array throughput;
    for (const Repetition& r : reps) {
      throughput.push_back(json::object{{"anchor_batch_rows", r.batch},
                                        {"raw_rows_per_second", n / r.raw_seconds},
                                        {"writer_rows_per_second", n / r.writer_seconds},
                                        {"raw_single_rows", r.single_rows},
                                        {"raw_single_row_tx_rows_per_second",
                                         static_cast<double>(r.single_rows) / r.raw_single_seconds},
                                        {"recorder_paced", throughput_run_json(r.paced)},
                                        {"recorder_flat_out", throughput_run_json(r.flat_out)}});
    }
    json::array stall_runs;
    for (const StallRun& s : stalls) {
      json::object run{
          {"stall_ms", s.stall_ms}, {"hold_ms", s.hold_ms}, {"acquire_ms", s.acquire_ms}};
      for (int ph = 0; ph < kPhases; ++ph) {
        run[std::string("submit_") + kPhaseNames[static_cast<std::size_t>(ph)]] =
            latency_json(s.latency[static_cast<std::size_t>(ph)]);
      }
      run["submit_not_stalled"] = latency_json(s.unstalled);
      run["kept"] = s.kept;
      run["refused"] = s.refused;
      run["late_calls"] = s.late;
      run["max_queue_depth"] = s.max_queue_depth;
      run["database_unavailable_seconds"] = s.unavailable_seconds;
      run["catch_up_seconds"] = s.catch_up_seconds;
      run["stop_seconds"] = s.stop_seconds;
      run["recorder_stats"] = stats_json(s.stats);
      run["table"] = table_json(s.table);
      stall_runs.push_back(std::move(run));
    }
    const json::object document{{"benchmark", "recorder"},
                                {"rows", rows.size()},
                                {"producers", config.producers},
                                {"repeat", config.repeat},
                                {"all_rows_accounted_for", all_sound},
                                {"medians",
                                 {{"recorder_paced_rows_per_second", paced},
                                  {"recorder_flat_out_rows_per_second", flat},
                                  {"raw_rows_per_second", raw},
                                  {"writer_rows_per_second", writer},
                                  {"raw_single_row_tx_rows_per_second", single},
                                  {"recorder_over_raw", paced / raw},
                                  {"writer_over_raw", writer / raw},
                                  {"recorder_over_writer", paced / writer}}},
                                {"throughput", std::move(throughput)},
                                {"stall_config",
                                 {{"rate_rows_per_second", config.stall_rate},
                                  {"producers", config.stall_producers},
                                  {"before_ms", config.before_ms},
                                  {"after_ms", config.after_ms}}},
                                {"stalls", std::move(stall_runs)}};
    std::ofstream out(config.json_path);
    out << json::serialize(document) << "\n";
    if (!out) {
      die("write " + config.json_path, Error(ErrorCode::io, "cannot write the JSON file"));
    }
  }
  return all_sound ? 0 : 3;
}

}  // namespace
}  // namespace safemig::bench::recorder

int main(int argc, char** argv) {
  safemig::bench::recorder::Config config;
  config.rows = static_cast<std::size_t>(safemig::bench::env_int(
      "SAFEMIG_BENCH_RECORDER_ROWS", static_cast<std::int64_t>(config.rows)));
  CLI::App app{
      "Recorder throughput against the raw SQLite C API, and submit() latency while "
      "the database is stalled"};
  app.add_option("--rows", config.rows, "rows per throughput run (env SAFEMIG_BENCH_RECORDER_ROWS)")
      ->check(CLI::PositiveNumber);
  app.add_option("--producers", config.producers, "producer threads of the throughput runs")
      ->check(CLI::PositiveNumber);
  app.add_option("--repeat", config.repeat, "repetitions of the throughput runs (medians shown)")
      ->check(CLI::PositiveNumber);
  app.add_option("--single-rows", config.single_rows, "rows of the one-row-per-transaction anchor")
      ->check(CLI::PositiveNumber);
  app.add_option("--stall-ms", config.stall_ms, "stall durations, one stall run each")
      ->check(CLI::PositiveNumber);
  app.add_option("--stall-rate", config.stall_rate, "total submit rate during stall runs, rows/s")
      ->check(CLI::PositiveNumber);
  app.add_option("--stall-producers", config.stall_producers, "producer threads of stall runs")
      ->check(CLI::PositiveNumber);
  app.add_option("--before-ms", config.before_ms, "submitting before the stall, ms")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--after-ms", config.after_ms, "submitting after the stall, ms")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--json", config.json_path, "write the results as JSON to this file");
  CLI11_PARSE(app, argc, argv);
  return safemig::bench::recorder::run(config);
}
