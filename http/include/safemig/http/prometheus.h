// PrometheusText: writes the Prometheus text exposition format (version 0.0.4).
//
// Each metric family gets its HELP and TYPE once, and all of its samples stay together even when
// calls for different families interleave; label values are escaped (\\, \", \n), HELP text
// too (\\, \n); values are written in the shortest form that reads back exactly ("+Inf", "NaN");
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
  // more entry than upper_bounds for the overflow bucket. Missing entries count as 0; _count is
  // the sum of all entries. A name first seen with another type keeps its first TYPE.
  void histogram(std::string_view name, std::string_view help, const Labels& labels,
                 const std::vector<double>& upper_bounds,
                 const std::vector<std::uint64_t>& bucket_counts, double sum);
  const std::string& text() const { return out_; }
  static constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

 private:
  // A family written so far and where its block of lines ends in out_.
  struct Family {
    std::string name;
    std::size_t end = 0;
  };
  // Writes HELP and TYPE the first time `name` is seen. Returns the index of its Family.
  std::size_t family(std::string_view name, std::string_view help, std::string_view type);
  // Appends `lines` to the block of family `index`, after the lines already written for it,
  // so that a family's samples stay together whatever the call order.
  void append(std::size_t index, const std::string& lines);
  std::string out_;
  std::vector<Family> families_;
};

}  // namespace safemig::http
