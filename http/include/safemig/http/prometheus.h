// PrometheusText: writes the Prometheus text exposition format (version 0.0.4).
//
// Each metric family gets its HELP and TYPE once; label values are escaped (\\, \", \n);
// histograms get cumulative _bucket{le=...} lines ending with le="+Inf", then _sum and _count.
// The output passes `promtool check metrics`.
//
// Thread safety: one writer per instance.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace safemig::http {

using Labels = std::vector<std::pair<std::string, std::string>>;

class PrometheusText {
 public:
  void counter(std::string_view name, std::string_view help, const Labels& labels, double value);
  void gauge(std::string_view name, std::string_view help, const Labels& labels, double value);
  // `upper_bounds` ascending (without +Inf); `bucket_counts` per bucket, NOT cumulative, with one
  // more entry than upper_bounds for the overflow bucket.
  void histogram(std::string_view name, std::string_view help, const Labels& labels,
                 const std::vector<double>& upper_bounds,
                 const std::vector<std::uint64_t>& bucket_counts, double sum);
  const std::string& text() const { return out_; }
  static constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

 private:
  void family(std::string_view name, std::string_view help, std::string_view type);
  std::string out_;
  std::vector<std::string> families_;
};

}  // namespace safemig::http
